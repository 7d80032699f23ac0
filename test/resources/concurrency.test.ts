// Racing requests end in a clean answer (200, 404 or 409), never a 500, and leave no orphans.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { as, builder, setupOrg, type Api } from '../support/resource-fixtures.ts';

describe.each(backends)('concurrent changes (%s)', (backend) => {
  let t: TestApp;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = as(t, (await setupOrg(t)).owner);
    b = builder(owner);
  });
  afterEach(async () => t.close());

  it("creating the same key at once: one 200, the rest 422 KeyHasBeenUsed (as a later attempt gets, FeatBit's code)", async () => {
    const web = await b.project('web');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => owner('POST', `/envs/${web.env.prod}/feature-flags`, { key: 'race', name: `r${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422, 422, 422, 422, 422, 422]);
    expect(results.filter((r) => r.status === 422).every((r) => r.body.errors[0] === 'KeyHasBeenUsed')).toBe(true);
    const projects = await Promise.all(Array.from({ length: 4 }, () => owner('POST', '/projects', { key: 'dup', name: 'dup' })));
    expect(projects.map((r) => r.status).sort()).toEqual([200, 422, 422, 422]);
  });

  it('deleting an environment while flags and segments are added to it leaves no orphans', async () => {
    const web = await b.project('web');
    const doomed = await b.env(web, 'doomed');
    const adds = Array.from({ length: 6 }, (_, i) =>
      i % 2 ? owner('POST', `/envs/${doomed}/feature-flags`, { key: `f${i}`, name: 'f' }) : owner('POST', `/envs/${doomed}/segments`, { key: `s${i}`, name: 's' }),
    );
    const results = await Promise.all([...adds, owner('DELETE', `/projects/${web.id}/envs/${doomed}`), ...adds.map((_, i) => owner('PUT', `/envs/${doomed}/feature-flags/f${i}/toggle/true`))]);
    for (const r of results) expect([200, 404]).toContain(r.status);
    const orphans = await t.db.kysely.selectFrom('feature_flags').select('id').where('env_id', '=', doomed).execute();
    const orphanSegments = await t.db.kysely.selectFrom('segments').select('id').where('env_id', '=', doomed).execute();
    expect([orphans, orphanSegments]).toEqual([[], []]);
  });

  it('racing toggles record one audit entry per real change', async () => {
    const web = await b.project('web');
    await b.flag(web.env.prod, 'f');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => owner('PUT', `/envs/${web.env.prod}/feature-flags/f/toggle/${i % 2 === 0}`)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const log = (await owner('GET', '/audit-logs?refType=flag&pageSize=100')).body.data.items.filter((e: any) => e.action === 'ToggleFlag');
    // Each entry flips the previous state: a lost update would show two entries with the same before.
    let state = false;
    for (const e of [...log].reverse()) {
      expect(e.changes).toEqual({ before: { isEnabled: state }, after: { isEnabled: !state } });
      state = !state;
    }
    const final = (await owner('GET', `/envs/${web.env.prod}/feature-flags/f`)).body.data;
    expect(final.isEnabled).toBe(state);
  });
  it('deleting a project while its environments get flags and new environments leaves no orphans', async () => {
    const web = await b.project('web');
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => owner('POST', `/envs/${web.env[i % 2 ? 'dev' : 'prod']}/feature-flags`, { key: `f${i}`, name: 'f' })),
      owner('POST', `/projects/${web.id}/envs`, { key: 'qa', name: 'qa' }),
      owner('PUT', `/projects/${web.id}/envs/${web.env.dev}`, { name: 'Development' }),
      owner('DELETE', `/projects/${web.id}`),
      ...Array.from({ length: 4 }, (_, i) => owner('POST', `/envs/${web.env.prod}/segments`, { key: `s${i}`, name: 's' })),
    ]);
    for (const r of results) expect([200, 404]).toContain(r.status);
    const left = await Promise.all((['environments', 'feature_flags', 'segments'] as const).map((table) => t.db.kysely.selectFrom(table).select('id').execute()));
    expect(left).toEqual([[], [], []]);
  });
});

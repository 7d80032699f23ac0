// Racing a segment's archive against flags that start naming it: either the flag's change or the archive
// wins, never both (an archived segment named by a flag). And concurrent targeting PUTs with one revision:
// exactly one wins, the others get 409.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { as, builder, expectOk, setupOrg, type Api } from '../support/resource-fixtures.ts';

describe.each(backends)('targeting races (%s)', (backend) => {
  let t: TestApp;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = as(t, (await setupOrg(t)).owner);
    b = builder(owner);
  });
  afterEach(async () => t.close());

  it('archiving a segment while flags start naming it never leaves an archived segment in use', async () => {
    const web = await b.project('web');
    const env = web.env.prod;
    for (let round = 0; round < 6; round++) {
      const s = await b.segment(env, `s${round}`);
      const flags = await Promise.all([0, 1, 2].map((i) => b.flag(env, `f${round}-${i}`)));
      const name = (f: any) => {
        const rule = { conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([s.id]) }], variations: [{ id: f.enabledVariationId, rollout: [0, 1] }] };
        return owner('PUT', `/envs/${env}/feature-flags/${f.key}/targeting`, { revision: f.revision, targeting: { targetUsers: [], rules: [rule], fallthrough: f.fallthrough } });
      };
      const results = await Promise.all([...flags.map(name), owner('PUT', `/envs/${env}/segments/${s.id}/archive`)]);
      const archive = results[results.length - 1];
      for (const r of results.slice(0, -1)) expect([200, 400]).toContain(r.status);
      expect([200, 422]).toContain(archive.status);
      const archived = (await owner('GET', `/envs/${env}/segments/${s.id}`)).body.data.isArchived;
      const references = expectOk(await owner('GET', `/envs/${env}/segments/${s.id}/flag-references`));
      expect({ round, archived, inUse: references.length > 0 }).not.toEqual({ round, archived: true, inUse: true });
      expect(archived).toBe(archive.status === 200);
    }
  });

  it('targeting PUTs carrying the same revision: one wins, the others are 409', async () => {
    const web = await b.project('web');
    const f = await b.flag(web.env.prod, 'f');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        owner('PUT', `/envs/${web.env.prod}/feature-flags/f/targeting`, {
          revision: f.revision,
          targeting: { targetUsers: [{ variationId: f.enabledVariationId, keyIds: [`u${i}`] }], rules: [], fallthrough: f.fallthrough },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    // The winner answers the flag's new revision.
    const winner = results.find((r) => r.status === 200)!.body.data;
    expect(expectOk(await owner('GET', `/envs/${web.env.prod}/feature-flags/f`)).revision).toBe(winner);
  });
});

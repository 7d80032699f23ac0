// Projects (created with dev and prod), environments, cascading deletes, segments, and tenant isolation:
// another organization's ids are 404, exactly like ids that do not exist.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { as, builder, expectOk, otherOrg, setupOrg, type Api, type Org, type ProjectInfo } from '../support/resource-fixtures.ts';

const SETTINGS = { requireChangeComment: false };
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const NOT_FOUND = { status: 404, body: { success: false, errors: ['ResourceNotFound'], data: null } };

describe.each(backends)('projects, environments and segments (%s)', (backend) => {
  let t: TestApp;
  let org: Org;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  beforeEach(async () => {
    let now = Date.parse('2026-02-01T00:00:00Z');
    t = await makeApp(backend, { clock: { now: () => now++ } });
    org = await setupOrg(t);
    owner = as(t, org.owner);
    b = builder(owner);
  });
  afterEach(async () => t.close());

  const count = async (table: 'projects' | 'environments' | 'feature_flags' | 'segments' | 'audit_logs') =>
    Number(
      (
        await t.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const everything = async () =>
    Promise.all((['projects', 'environments', 'feature_flags', 'segments', 'audit_logs'] as const).map(async (table) => t.db.kysely.selectFrom(table).selectAll().orderBy('id').execute()));

  it('creates a project with environments dev and prod', async () => {
    const p = expectOk(await owner('POST', '/projects', { key: 'web', name: 'Web' }));
    expect(p).toEqual({
      id: expect.any(String),
      key: 'web',
      name: 'Web',
      environments: [
        { id: expect.any(String), projectId: p.id, key: 'dev', name: 'Dev', description: '', secrets: expect.any(Array), settings: SETTINGS, createdAt: ISO, updatedAt: ISO },
        { id: expect.any(String), projectId: p.id, key: 'prod', name: 'Prod', description: '', secrets: expect.any(Array), settings: SETTINGS, createdAt: ISO, updatedAt: ISO },
      ],
    });
    // Later reads show server SDK keys as hints (test/resources/env-secrets.test.ts): compare the rest.
    const withoutKeys = (project: any) => ({ ...project, environments: project.environments.map(({ secrets: _, ...e }: any) => e) });
    expect(withoutKeys(expectOk(await owner('GET', `/projects/${p.id}`)))).toEqual(withoutKeys(p));
    expect(expectOk(await owner('GET', '/projects')).map(withoutKeys)).toEqual([withoutKeys(p)]);
  });

  it('keeps keys unique per scope (422 KeyHasBeenUsed, as FeatBit) and validates bodies (400), changing nothing', async () => {
    const web = await b.project('web');
    const api = await b.project('api');
    const before = await everything();
    const attempts: [string, string, unknown, number, string[]][] = [
      ['POST', '/projects', { key: 'web', name: 'Again' }, 422, ['KeyHasBeenUsed']],
      ['POST', `/projects/${web.id}/envs`, { key: 'prod', name: 'Again' }, 422, ['KeyHasBeenUsed']],
      ['PUT', `/projects/${web.id}/envs/${web.env.dev}`, { name: 'x', settings: { requireChangeComment: 'yes' } }, 400, ['requireChangeComment_is_invalid', 'settings_is_invalid']],
      ['POST', '/projects', { key: 'has space', name: 'x' }, 400, ['key_is_invalid']],
      ['POST', '/projects', { key: 'p', name: 'x', envs: [] }, 400, ['envs_is_unknown']],
      ['POST', '/projects', { key: 'p' }, 400, ['name_is_required']],
      ['PUT', `/projects/${web.id}`, { name: 'x', key: 'renamed' }, 400, ['key_is_unknown']],
      ['PUT', `/projects/${web.id}`, { name: ' ' }, 400, ['name_is_required']],
      ['POST', `/projects/${web.id}/envs`, { key: 'a/b', name: 'x' }, 400, ['key_is_invalid']],
      ['PUT', `/projects/${web.id}/envs/${web.env.dev}`, { name: 'x', key: 'y' }, 400, ['key_is_unknown']],
      ['POST', `/envs/${web.env.prod}/segments`, { key: 's', name: 's', included: ['u1'], excluded: ['u1'] }, 400, ['excluded_is_invalid']],
      ['POST', `/envs/${web.env.prod}/segments`, { key: 's', name: 's', included: [''] }, 400, ['included_is_invalid']],
      ['POST', `/envs/${web.env.prod}/segments`, { key: 's', name: 's', rules: [] }, 400, ['rules_is_unknown']],
    ];
    for (const [method, url, body, status, errors] of attempts) {
      const res = await owner(method, url, body);
      expect({ url, body, status: res.status, errors: res.body.errors }).toEqual({ url, body, status, errors });
    }
    expect(await everything()).toEqual(before);
    // The same environment key in another project is fine.
    expect((await owner('POST', `/projects/${api.id}/envs`, { key: 'qa', name: 'QA' })).status).toBe(200);
    expect((await owner('POST', `/projects/${web.id}/envs`, { key: 'qa', name: 'QA' })).status).toBe(200);
  });

  it('renames projects and environments but never changes their keys', async () => {
    const web = await b.project('web');
    // FeatBit's ProjectVm.
    expect(expectOk(await owner('PUT', `/projects/${web.id}`, { name: 'Website' }))).toEqual({ id: web.id, name: 'Website' });
    expect(expectOk(await owner('GET', `/projects/${web.id}`))).toMatchObject({ key: 'web', name: 'Website' });
    const prod = { id: web.env.prod, projectId: web.id, key: 'prod', secrets: expect.any(Array), createdAt: ISO, updatedAt: ISO };
    expect(expectOk(await owner('PUT', `/projects/${web.id}/envs/${web.env.prod}`, { name: 'Production', description: 'live' }))).toEqual({
      ...prod,
      name: 'Production',
      description: 'live',
      settings: SETTINGS,
    });
    // FeatBit's settings are kept as sent; left out (or null) they stay as they are.
    const settings = { requireChangeComment: true };
    expect(expectOk(await owner('PUT', `/projects/${web.id}/envs/${web.env.prod}`, { name: 'Production', description: 'live', settings }))).toEqual({
      ...prod,
      name: 'Production',
      description: 'live',
      settings,
    });
    expect(expectOk(await owner('PUT', `/projects/${web.id}/envs/${web.env.prod}`, { name: 'Prod', settings: null }))).toMatchObject({ name: 'Prod', description: 'live', settings });
    expect(expectOk(await owner('GET', `/projects/${web.id}/envs/${web.env.prod}`))).toMatchObject({ name: 'Prod', settings });
  });

  it('deleting a project removes its environments, flags and segments in one go', async () => {
    const web = await b.project('web');
    const api = await b.project('api');
    for (const p of [web, api]) {
      await b.flag(p.env.prod, 'f');
      await b.flag(p.env.dev, 'f');
      await b.segment(p.env.prod, 's');
    }
    expect(expectOk(await owner('DELETE', `/projects/${web.id}`))).toBe(true);
    expect(await Promise.all((['projects', 'environments', 'feature_flags', 'segments'] as const).map(count))).toEqual([1, 2, 2, 1]);
    expect((await owner('GET', `/projects/${web.id}`)).status).toBe(404);
    expect((await owner('GET', `/envs/${web.env.prod}/feature-flags`)).status).toBe(404);
    const log = expectOk(await owner('GET', `/audit-logs?refId=${web.id}`));
    expect(log.items[0]).toMatchObject({ action: 'DeleteProject', refKey: 'web', changes: { before: { key: 'web', name: 'web', environments: ['dev', 'prod'] }, after: null } });

    expect(expectOk(await owner('DELETE', `/projects/${api.id}/envs/${api.env.prod}`))).toBe(true);
    expect(await Promise.all((['environments', 'feature_flags', 'segments'] as const).map(count))).toEqual([1, 1, 0]);
    expect(expectOk(await owner('GET', `/projects/${api.id}`)).environments.map((e: any) => e.key)).toEqual(['dev']);
  });

  it('segments: included/excluded users, tags, archive before delete, read-only while archived, filters', async () => {
    const web = await b.project('web');
    const env = web.env.prod;
    const s = expectOk(await owner('POST', `/envs/${env}/segments`, { key: 'beta-users', name: 'Beta users', included: ['u1', 'u1', 'u2'], excluded: ['u3'], tags: ['beta'] }));
    expect(s).toMatchObject({ envId: env, key: 'beta-users', name: 'Beta users', description: '', included: ['u1', 'u2'], excluded: ['u3'], tags: ['beta'], isArchived: false });
    const read = async () => expectOk(await owner('GET', `/envs/${env}/segments/${s.id}`));
    // FeatBit's segment changes answer true.
    expect(expectOk(await owner('PUT', `/envs/${env}/segments/${s.id}/targeting`, { included: [], excluded: ['u9'] }))).toBe(true);
    expect(await read()).toMatchObject({ included: [], excluded: ['u9'] });
    expect(expectOk(await owner('PUT', `/envs/${env}/segments/${s.id}/description`, { description: 'd' }))).toBe(true);
    expect((await read()).description).toBe('d');
    expect(await owner('POST', `/envs/${env}/segments`, { key: 'beta-users', name: 'dup' })).toMatchObject({ status: 422, body: { errors: ['KeyHasBeenUsed'] } });
    await b.segment(env, 'internal', { name: 'Internal staff', tags: ['staff'] });

    expect((await owner('DELETE', `/envs/${env}/segments/${s.id}`)).body.errors).toEqual(['CannotDeleteUnArchivedSegment']);
    expect(expectOk(await owner('PUT', `/envs/${env}/segments/${s.id}/archive`))).toBe(true);
    const res = await owner('PUT', `/envs/${env}/segments/${s.id}/name`, { name: 'x' });
    expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 422, errors: ['SegmentArchived'] });
    const keys = async (query: string) => expectOk(await owner('GET', `/envs/${env}/segments?${query}`)).items.map((x: any) => x.key);
    expect(await keys('')).toEqual(['internal']);
    expect(await keys('isArchived=true')).toEqual(['beta-users']);
    expect(await keys('name=STAFF')).toEqual(['internal']);
    expect(await keys('tags=beta,staff&isArchived=false')).toEqual([]);
    expect(await keys('tags=staff&isArchived=false')).toEqual(['internal']);
    expect(expectOk(await owner('PUT', `/envs/${env}/segments/${s.id}/restore`))).toBe(true);
    expect((await read()).isArchived).toBe(false);
    expectOk(await owner('PUT', `/envs/${env}/segments/${s.id}/archive`));
    expect(expectOk(await owner('DELETE', `/envs/${env}/segments/${s.id}`))).toBe(true);
    expect((await owner('GET', `/envs/${env}/segments/${s.id}`)).status).toBe(404);
  });

  it("another organization's ids are 404 on every route, indistinguishable from missing ones, and nothing changes", async () => {
    const mine: ProjectInfo = await b.project('web');
    const other = await otherOrg(t);
    const ob = builder(as(t, other.owner));
    const theirs = await ob.project('web');
    const flag = await ob.flag(theirs.env.prod, 'f');
    await ob.archivedFlag(theirs.env.prod, 'archived');
    const seg = await ob.segment(theirs.env.prod, 's');
    const e = theirs.env.prod;
    const attempts: [string, string, unknown?][] = [
      ['GET', `/projects/${theirs.id}`],
      ['PUT', `/projects/${theirs.id}`, { name: 'x' }],
      ['DELETE', `/projects/${theirs.id}`],
      ['POST', `/projects/${theirs.id}/envs`, { key: 'qa', name: 'qa' }],
      ['GET', `/projects/${theirs.id}/envs/${e}`],
      ['PUT', `/projects/${theirs.id}/envs/${e}`, { name: 'x' }],
      ['DELETE', `/projects/${theirs.id}/envs/${e}`],
      ['GET', `/projects/${mine.id}/envs/${e}`],
      ['DELETE', `/projects/${mine.id}/envs/${e}`],
      ['GET', `/envs/${e}/feature-flags`],
      ['POST', `/envs/${e}/feature-flags`, { key: 'n', name: 'n' }],
      ['GET', `/envs/${e}/feature-flags/f`],
      ['PUT', `/envs/${e}/feature-flags/f/toggle/true`],
      ['PUT', `/envs/${e}/feature-flags/f/archive`],
      ['PUT', `/envs/${e}/feature-flags/archived/restore`],
      ['DELETE', `/envs/${e}/feature-flags/archived`],
      ['PUT', `/envs/${e}/feature-flags/f/name`, { name: 'x' }],
      ['PUT', `/envs/${e}/feature-flags/f/description`, { description: 'x' }],
      ['PUT', `/envs/${e}/feature-flags/f/tags`, ['x']],
      ['PUT', `/envs/${e}/feature-flags/f/variations`, { variations: flag.variations }],
      ['PUT', `/envs/${e}/feature-flags/f/off-variation`, { offVariationId: flag.enabledVariationId }],
      ['POST', `/envs/${e}/feature-flags/clone/f`, { key: 'c', name: 'c' }],
      ['POST', `/envs/${mine.env.prod}/feature-flags/clone/f`, { key: 'c', name: 'c' }],
      ['GET', `/envs/${e}/segments`],
      ['POST', `/envs/${e}/segments`, { key: 'n', name: 'n' }],
      ['GET', `/envs/${e}/segments/${seg.id}`],
      ['GET', `/envs/${mine.env.prod}/segments/${seg.id}`],
      ['DELETE', `/envs/${e}/segments/${seg.id}`],
      ['PUT', `/envs/${e}/segments/${seg.id}/name`, { name: 'x' }],
      ['PUT', `/envs/${mine.env.prod}/segments/${seg.id}/name`, { name: 'x' }],
      ['PUT', `/envs/${e}/segments/${seg.id}/description`, { description: 'x' }],
      ['PUT', `/envs/${e}/segments/${seg.id}/tags`, { tags: ['x'] }],
      ['PUT', `/envs/${e}/segments/${seg.id}/targeting`, { included: ['u'], excluded: [] }],
      ['PUT', `/envs/${e}/segments/${seg.id}/archive`],
      ['PUT', `/envs/${e}/segments/${seg.id}/restore`],
    ];
    const missing = '00000000-0000-0000-0000-000000000000';
    const before = await everything();
    for (const [method, url, body] of attempts) {
      const res = await owner(method, url, body);
      expect({ method, url, status: res.status, body: res.body }).toEqual({ method, url, ...NOT_FOUND });
      // The same request with a made-up id answers exactly the same.
      const made = await owner(method, url.replaceAll(theirs.id, missing).replaceAll(e, missing).replaceAll(seg.id, missing), body);
      expect({ method, url, status: made.status, body: made.body }).toEqual({ method, url, ...NOT_FOUND });
    }
    expect(await everything()).toEqual(before);
    expect(expectOk(await owner('GET', '/projects')).map((p: any) => p.id)).toEqual([mine.id]);
    expect(expectOk(await owner('GET', `/audit-logs?refId=${flag.id}`))).toEqual({ totalCount: 0, items: [] });
  });
});

// FeatBit's segments: type and scopes, rules, the targeting PUT with per-part IAM, JSON Patch, by-ids,
// all-tags, flag references, and the archive that a flag's rule forbids (422 SegmentIsBeingUsed).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { allow, as, builder, expectOk, otherOrg, personalToken, setupOrg, type Api, type Org, type ProjectInfo } from '../support/resource-fixtures.ts';

const FORBIDDEN = { status: 403, body: { success: false, errors: ['Forbidden'], data: null } };

describe.each(backends)('segment targeting (%s)', (backend) => {
  let t: TestApp;
  let org: Org;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  let web: ProjectInfo;
  beforeEach(async () => {
    t = await makeApp(backend);
    org = await setupOrg(t);
    owner = as(t, org.owner);
    b = builder(owner);
    web = await b.project('web');
  });
  afterEach(async () => t.close());

  const segUrl = (envId: string, id = '', tail = '') => `/envs/${envId}/segments${id ? `/${id}` : ''}${tail}`;
  const read = async (envId: string, id: string) => expectOk(await owner('GET', segUrl(envId, id)));
  const strip = (res: { status: number; body: any }) => ({ status: res.status, body: res.body });
  const entries = async (refId: string) => expectOk(await owner('GET', `/audit-logs?refId=${refId}&pageSize=100`)).items;
  const matchRule = (id: string, value = 'NL') => ({ id, name: `rule ${id}`, conditions: [{ property: 'country', op: 'Equal', value }] });
  const flagUsing = async (envId: string, key: string, segmentIds: string[]) => {
    const f = await b.flag(envId, key);
    const rule = {
      id: 'r1',
      name: 'in segment',
      conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify(segmentIds) }],
      variations: [{ id: f.enabledVariationId, rollout: [0, 1] }],
    };
    expectOk(await owner('PUT', `/envs/${envId}/feature-flags/${key}/targeting`, { revision: f.revision, targeting: { targetUsers: [], rules: [rule], fallthrough: f.fallthrough } }), `target ${key}`);
    return expectOk(await owner('GET', `/envs/${envId}/feature-flags/${key}`));
  };

  it("creates a segment from FeatBit's body and from Ensign's, with type, scopes and rules", async () => {
    const featbit = expectOk(await owner('POST', segUrl(web.env.prod), { type: 'environment-specific', name: 'Beta', key: 'beta', description: 'testers', scopes: ['project/web:env/prod'] }));
    expect(featbit).toMatchObject({
      key: 'beta',
      name: 'Beta',
      description: 'testers',
      type: 'environment-specific',
      scopes: ['project/web:env/prod'],
      included: [],
      excluded: [],
      rules: [],
      envId: web.env.prod,
    });
    const ensign = await b.segment(web.env.prod, 'vips', { included: ['u1'], tags: ['gold'] });
    expect(ensign).toMatchObject({ type: 'environment-specific', scopes: ['project/web:env/prod'], included: ['u1'], rules: [], tags: ['gold'] });
    const shared = expectOk(await owner('POST', segUrl(web.env.prod), { type: 'shared', name: 'Staff', key: 'staff', scopes: ['project/web'] }));
    expect(shared).toMatchObject({ type: 'shared', scopes: ['project/web'] });
    expect(await read(web.env.prod, shared.id)).toEqual(shared);
    // FeatBit's RNs carry the organization: accepted for the caller's own, stored without it.
    const featbitScoped = expectOk(await owner('POST', segUrl(web.env.prod), { type: 'shared', name: 'FB', key: 'fb', scopes: [`organization/${org.key}:project/web:env/dev`] }));
    expect(featbitScoped.scopes).toEqual(['project/web:env/dev']);
    // An environment-specific segment is scoped to its environment whatever is sent.
    const envSpecific = expectOk(await owner('POST', segUrl(web.env.prod), { type: 'environment-specific', name: 'E', key: 'e', scopes: [`organization/${org.key}:project/web:env/prod`] }));
    expect(envSpecific.scopes).toEqual(['project/web:env/prod']);

    const other = await b.project('other');
    const bad: [object, string[]][] = [
      [{ type: 'shared', name: 'S', key: 's1', scopes: [] }, ['scopes_is_invalid']],
      [{ type: 'shared', name: 'S', key: 's2', scopes: ['project/*'] }, ['scopes_is_invalid']],
      [{ type: 'shared', name: 'S', key: 's3', scopes: [`project/${other.key}`] }, ['scopes_is_invalid']],
      [{ type: 'shared', name: 'S', key: 's4', scopes: ['organization/globex:project/web'] }, ['scopes_is_invalid']],
      [{ type: 'global', name: 'S', key: 's5', scopes: ['project/web'] }, ['type_is_invalid']],
    ];
    for (const [body, errors] of bad) {
      const res = await owner('POST', segUrl(web.env.prod), body);
      expect({ body, status: res.status, errors: res.body.errors }).toEqual({ body, status: 400, errors });
    }
    // The environment a segment was made in always lists it (it is changed from there), whatever its scopes.
    expect(
      expectOk(await owner('GET', `${segUrl(web.env.prod)}?pageSize=100`))
        .items.map((x: any) => x.key)
        .sort(),
    ).toEqual(['beta', 'e', 'fb', 'staff', 'vips']);
    expect(
      expectOk(await owner('GET', `${segUrl(web.env.dev)}?pageSize=100`))
        .items.map((x: any) => x.key)
        .sort(),
    ).toEqual(['fb', 'staff']);
  });

  it('a shared segment is seen and usable in the environments its scopes cover, and only there', async () => {
    const staging = await b.env(web, 'staging');
    const shared = expectOk(await owner('POST', segUrl(web.env.prod), { type: 'shared', name: 'Staff', key: 'staff', scopes: ['project/web:env/dev', 'project/web:env/prod'] }));
    const own = await b.segment(web.env.prod, 'prod-only');

    const listed = async (envId: string) =>
      expectOk(await owner('GET', `${segUrl(envId)}?pageSize=100`))
        .items.map((s: any) => s.key)
        .sort();
    expect(await listed(web.env.prod)).toEqual(['prod-only', 'staff']);
    expect(await listed(web.env.dev)).toEqual(['staff']);
    expect(await listed(staging)).toEqual([]);
    expect((await read(web.env.dev, shared.id)).key).toBe('staff');
    expect((await owner('GET', segUrl(staging, shared.id))).status).toBe(404);
    expect(expectOk(await owner('GET', `${segUrl(web.env.dev)}/by-ids?ids=${shared.id},${own.id}`)).map((s: any) => s.key)).toEqual(['staff']);

    // A dev flag may name the shared segment but not prod's own one; a staging flag neither.
    expect((await flagUsing(web.env.dev, 'dev-flag', [shared.id])).rules[0].conditions[0].value).toBe(JSON.stringify([shared.id]));
    const devFlag = await b.flag(web.env.dev, 'dev-other');
    const rule = (id: string) => ({
      id: 'r',
      name: 'r',
      conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([id]) }],
      variations: [{ id: devFlag.enabledVariationId, rollout: [0, 1] }],
    });
    const refused = await owner('PUT', `/envs/${web.env.dev}/feature-flags/dev-other/targeting`, {
      revision: devFlag.revision,
      targeting: { targetUsers: [], rules: [rule(own.id)], fallthrough: devFlag.fallthrough },
    });
    expect({ status: refused.status, errors: refused.body.errors }).toEqual({ status: 400, errors: ['segment_is_invalid'] });
    const stagingFlag = await b.flag(staging, 'staging-flag');
    const refused2 = await owner('PUT', `/envs/${staging}/feature-flags/staging-flag/targeting`, {
      revision: stagingFlag.revision,
      targeting: { targetUsers: [], rules: [{ ...rule(shared.id), variations: [{ id: stagingFlag.enabledVariationId, rollout: [0, 1] }] }], fallthrough: stagingFlag.fallthrough },
    });
    expect({ status: refused2.status, errors: refused2.body.errors }).toEqual({ status: 400, errors: ['segment_is_invalid'] });
  });

  it("another organization's segments are invisible: by-ids leaves them out, a flag cannot name them", async () => {
    const globex = await otherOrg(t);
    const gOwner = as(t, globex.owner);
    const gWeb = await builder(gOwner).project('web');
    const theirs = await builder(gOwner).segment(gWeb.env.prod, 'theirs');
    expect(expectOk(await owner('GET', `${segUrl(web.env.prod)}/by-ids?ids=${theirs.id}`))).toEqual([]);
    expect((await owner('GET', segUrl(gWeb.env.prod, theirs.id, '/flag-references'))).status).toBe(404);
    const f = await b.flag(web.env.prod, 'checkout');
    const rule = { conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([theirs.id]) }], variations: [{ id: f.enabledVariationId, rollout: [0, 1] }] };
    const res = await owner('PUT', `/envs/${web.env.prod}/feature-flags/checkout/targeting`, { revision: f.revision, targeting: { targetUsers: [], rules: [rule], fallthrough: f.fallthrough } });
    expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 400, errors: ['segment_is_invalid'] });
  });

  it('PUT targeting sets included, excluded and rules, keeps a part left out, and records before/after with the comment', async () => {
    const s = await b.segment(web.env.prod, 'vips', { included: ['u1'] });
    // FeatBit's answer is true; the segment is read back.
    expect(expectOk(await owner('PUT', segUrl(web.env.prod, s.id, '/targeting'), { included: ['u1', 'u2'], excluded: ['u3'], rules: [matchRule('r1')], comment: 'grow' }))).toBe(true);
    const updated = await read(web.env.prod, s.id);
    expect(updated).toMatchObject({ included: ['u1', 'u2'], excluded: ['u3'], rules: [matchRule('r1')] });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(s.updatedAt));
    expect(expectOk(await owner('PUT', segUrl(web.env.prod, s.id, '/targeting'), { rules: [] }))).toBe(true);
    const kept = await read(web.env.prod, s.id);
    expect(kept).toMatchObject({ included: ['u1', 'u2'], excluded: ['u3'], rules: [] });
    const [last, first] = await entries(s.id);
    expect(first).toMatchObject({
      action: 'UpdateSegmentTargeting',
      comment: 'grow',
      changes: { before: { included: ['u1'], excluded: [], rules: [] }, after: { included: ['u1', 'u2'], excluded: ['u3'], rules: [matchRule('r1')] } },
    });
    expect(last).toMatchObject({ action: 'UpdateSegmentRules', comment: '', changes: { before: { rules: [matchRule('r1')] }, after: { rules: [] } } });
  });

  it('refuses bad rules with 400 and changes nothing', async () => {
    const s = await b.segment(web.env.prod, 'vips');
    const other = await b.segment(web.env.prod, 'other');
    const cases: [object, string[]][] = [
      [{ rules: [{ id: 'r', name: 'r', conditions: [{ property: 'age', op: 'Older', value: '1' }] }] }, ['op_is_invalid']],
      [{ rules: [{ id: 'r', name: 'r', conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([other.id]) }] }] }, ['rules_is_invalid']],
      [{ rules: [matchRule('r'), matchRule('r', 'DE')] }, ['rules_is_invalid']],
      [{ included: ['u1'], excluded: ['u1'] }, ['excluded_is_invalid']],
    ];
    for (const [body, errors] of cases) {
      const res = await owner('PUT', segUrl(web.env.prod, s.id, '/targeting'), body);
      expect({ body, status: res.status, errors: res.body.errors }).toEqual({ body, status: 400, errors });
    }
    expect(await read(web.env.prod, s.id)).toEqual(s);
  });

  it('a token holding only UpdateSegmentTargetingUsers can change included/excluded and nothing else', async () => {
    const s = await b.segment(web.env.prod, 'vips');
    const token = as(t, await personalToken(t, org.owner, 'users only', [allow('segment', ['UpdateSegmentTargetingUsers'], ['project/web:env/prod:segment/vips'])]));
    expect(expectOk(await token('PUT', segUrl(web.env.prod, s.id, '/targeting'), { included: ['u9'], excluded: [] }))).toBe(true);
    expect((await read(web.env.prod, s.id)).included).toEqual(['u9']);
    const now = await read(web.env.prod, s.id);
    const auditBefore = (await entries(s.id)).length;
    expect(strip(await token('PUT', segUrl(web.env.prod, s.id, '/targeting'), { rules: [matchRule('r1')] }))).toEqual(FORBIDDEN);
    expect(strip(await token('PUT', segUrl(web.env.prod, s.id, '/targeting'), { included: [], rules: [matchRule('r1')] }))).toEqual(FORBIDDEN);
    expect(strip(await token('PATCH', segUrl(web.env.prod, s.id), [{ op: 'replace', path: '/name', value: 'x' }]))).toEqual(FORBIDDEN);
    expect(strip(await token('PUT', segUrl(web.env.prod, s.id, '/archive')))).toEqual(FORBIDDEN);
    expect(await read(web.env.prod, s.id)).toEqual(now);
    expect(await entries(s.id)).toHaveLength(auditBefore);
    expect(strip(await token('PATCH', segUrl(web.env.prod, s.id), [{ op: 'add', path: '/excluded/-', value: 'u7' }]))).toEqual({ status: 200, body: { success: true, errors: [], data: true } });
    expect((await read(web.env.prod, s.id)).excluded).toEqual(['u7']);
  });

  it('a token holding only UpdateSegmentRules can change the rules and nothing else', async () => {
    const s = await b.segment(web.env.prod, 'vips', { included: ['u1'] });
    await b.segment(web.env.prod, 'other');
    const token = as(t, await personalToken(t, org.owner, 'rules only', [allow('segment', ['UpdateSegmentRules'], ['project/web:env/prod:segment/vips'])]));
    expect(expectOk(await token('PUT', segUrl(web.env.prod, s.id, '/targeting'), { rules: [matchRule('r1')], comment: 'Dutch users' }))).toBe(true);
    expect((await read(web.env.prod, s.id)).rules).toEqual([matchRule('r1')]);
    expect((await entries(s.id))[0]).toMatchObject({ action: 'UpdateSegmentRules', comment: 'Dutch users', actor: { kind: 'token' } });

    const now = await read(web.env.prod, s.id);
    const auditBefore = (await entries(s.id)).length;
    const refusals: [string, string, string, unknown][] = [
      ['included', 'PUT', '/targeting', { included: ['u1', 'u9'] }],
      ['excluded', 'PUT', '/targeting', { excluded: ['u8'] }],
      ['rules and included together', 'PUT', '/targeting', { included: [], rules: [] }],
      ['PATCH included', 'PATCH', '', [{ op: 'add', path: '/included/-', value: 'u9' }]],
      ['PATCH excluded', 'PATCH', '', [{ op: 'add', path: '/excluded/-', value: 'u8' }]],
      ['PATCH name', 'PATCH', '', [{ op: 'replace', path: '/name', value: 'x' }]],
      ['archive', 'PUT', '/archive', undefined],
    ];
    for (const [why, method, tail, body] of refusals) expect({ why, ...strip(await token(method, segUrl(web.env.prod, s.id, tail), body)) }).toEqual({ why, ...FORBIDDEN });
    const other = (await b.segment(web.env.dev, 'elsewhere')).id;
    expect(strip(await token('PUT', segUrl(web.env.dev, other, '/targeting'), { rules: [matchRule('r1')] }))).toEqual(FORBIDDEN);
    expect(await read(web.env.prod, s.id)).toEqual(now);
    expect(await entries(s.id)).toHaveLength(auditBefore);

    // Through PATCH too, only the rules.
    expect(strip(await token('PATCH', segUrl(web.env.prod, s.id), [{ op: 'add', path: '/rules/-', value: matchRule('r2', 'DE') }]))).toEqual({
      status: 200,
      body: { success: true, errors: [], data: true },
    });
    expect((await read(web.env.prod, s.id)).rules).toEqual([matchRule('r1'), matchRule('r2', 'DE')]);
  });

  it('a segment named by a flag cannot be archived (422 SegmentIsBeingUsed); flag-references lists the flags', async () => {
    const s = await b.segment(web.env.prod, 'vips');
    const unused = await b.segment(web.env.prod, 'unused');
    const f = await flagUsing(web.env.prod, 'checkout', [s.id, unused.id]);
    const g = await flagUsing(web.env.prod, 'search', [s.id]);
    expect(expectOk(await owner('GET', segUrl(web.env.prod, s.id, '/flag-references')))).toEqual([
      { id: f.id, envId: web.env.prod, name: 'checkout', key: 'checkout' },
      { id: g.id, envId: web.env.prod, name: 'search', key: 'search' },
    ]);
    const res = await owner('PUT', segUrl(web.env.prod, s.id, '/archive'), { comment: 'cleanup' });
    expect(strip(res)).toEqual({ status: 422, body: { success: false, errors: ['SegmentIsBeingUsed'], data: null } });
    expect(await read(web.env.prod, s.id)).toEqual(s);
    expect((await entries(s.id)).map((e: any) => e.action)).toEqual(['CreateSegment']);

    // Once no rule names it, it can be archived, with the comment recorded.
    for (const flag of [f, g]) {
      expectOk(await owner('PUT', `/envs/${web.env.prod}/feature-flags/${flag.key}/targeting`, { revision: flag.revision, targeting: { targetUsers: [], rules: [], fallthrough: flag.fallthrough } }));
    }
    expect(expectOk(await owner('GET', segUrl(web.env.prod, s.id, '/flag-references')))).toEqual([]);
    expect(expectOk(await owner('PUT', segUrl(web.env.prod, s.id, '/archive'), { comment: 'cleanup' }))).toBe(true);
    expect((await read(web.env.prod, s.id)).isArchived).toBe(true);
    expect((await entries(s.id))[0]).toMatchObject({ action: 'ArchiveSegment', comment: 'cleanup' });
    // And an archived segment cannot be named again.
    const h = await b.flag(web.env.prod, 'late');
    const rule = { conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([s.id]) }], variations: [{ id: h.enabledVariationId, rollout: [0, 1] }] };
    const again = await owner('PUT', `/envs/${web.env.prod}/feature-flags/late/targeting`, { revision: h.revision, targeting: { targetUsers: [], rules: [rule], fallthrough: h.fallthrough } });
    expect({ status: again.status, errors: again.body.errors }).toEqual({ status: 400, errors: ['segment_is_invalid'] });
  });

  it("changing a segment's users or rules gives the flags naming it a new revision and a later updatedAt; a rename does not", async () => {
    const s = await b.segment(web.env.prod, 'vips');
    const f = await flagUsing(web.env.prod, 'checkout', [s.id]);
    const bystander = await b.flag(web.env.prod, 'bystander');
    const flagNow = async (key: string) => expectOk(await owner('GET', `/envs/${web.env.prod}/feature-flags/${key}`));
    expect(await flagNow('checkout')).toEqual(f); // cached now: the segment change must drop it

    expectOk(await owner('PUT', segUrl(web.env.prod, s.id, '/targeting'), { included: ['u1'] }));
    const after = await flagNow('checkout');
    expect(after.revision).not.toBe(f.revision);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(f.updatedAt));
    expect({ ...after, revision: f.revision, updatedAt: f.updatedAt }).toEqual(f);
    expect(await flagNow('bystander')).toEqual(bystander);

    expectOk(await owner('PUT', segUrl(web.env.prod, s.id, '/name'), { name: 'Renamed' }));
    expect(await flagNow('checkout')).toEqual(after);
  });

  it('by-ids and all-tags answer for the environment', async () => {
    const a = await b.segment(web.env.prod, 'a', { tags: ['gold', 'eu'] });
    const c = await b.segment(web.env.prod, 'c', { tags: ['eu'] });
    await b.archivedSegment(web.env.prod, 'old', { tags: ['legacy'] });
    const devOnly = await b.segment(web.env.dev, 'dev', { tags: ['dev'] });
    expect(expectOk(await owner('GET', `${segUrl(web.env.prod)}/by-ids?ids=${c.id},${a.id}&ids=${devOnly.id}`)).map((s: any) => s.key)).toEqual(['c', 'a']);
    expect((await owner('GET', `${segUrl(web.env.prod)}/by-ids?ids=bad%20id`)).body.errors).toEqual(['ids_is_invalid']);
    expect(expectOk(await owner('GET', `${segUrl(web.env.prod)}/all-tags`))).toEqual(['eu', 'gold']);
  });

  it('JSON Patch changes name, description, tags, included, excluded and rules, and refuses the rest', async () => {
    const s = await b.segment(web.env.prod, 'vips');
    expectOk(
      await owner('PATCH', segUrl(web.env.prod, s.id), [
        { op: 'replace', path: '/name', value: 'VIPs' },
        { op: 'add', path: '/included/-', value: 'u1' },
        { op: 'add', path: '/rules/-', value: matchRule('r1') },
      ]),
    );
    const after = await read(web.env.prod, s.id);
    expect(after).toMatchObject({ name: 'VIPs', included: ['u1'], rules: [matchRule('r1')] });
    const bad: [unknown[], string[]][] = [
      [[{ op: 'replace', path: '/type', value: 'shared' }], ['path_is_invalid']],
      [[{ op: 'replace', path: '/rules/0/conditions/0/op', value: 'Nope' }], ['op_is_invalid']],
      [[{ op: 'add', path: '/excluded/-', value: 'u1' }], ['excluded_is_invalid']],
    ];
    for (const [ops, errors] of bad) {
      const res = await owner('PATCH', segUrl(web.env.prod, s.id), ops);
      expect({ ops, status: res.status, errors: res.body.errors }).toEqual({ ops, status: 400, errors });
    }
    expect(await read(web.env.prod, s.id)).toEqual(after);
  });

  it('every segment update route takes a comment and the audit entry keeps it', async () => {
    const s = await b.segment(web.env.prod, 'vips');
    const calls: [string, unknown, string][] = [
      ['/name', { name: 'N', comment: 'c-name' }, 'UpdateSegmentName'],
      ['/description', { description: 'D', comment: 'c-description' }, 'UpdateSegmentDescription'],
      ['/tags', { tags: ['x'], comment: 'c-tags' }, 'UpdateSegmentTags'],
      ['/targeting', { included: ['u1'], comment: 'c-targeting' }, 'UpdateSegmentTargetingUsers'],
      ['/archive', { comment: 'c-archive' }, 'ArchiveSegment'],
      ['/restore', { comment: 'c-restore' }, 'RestoreSegment'],
    ];
    for (const [tail, body] of calls) expectOk(await owner('PUT', segUrl(web.env.prod, s.id, tail), body), tail);
    const log = (await entries(s.id)).reverse().slice(1);
    expect(log.map((e: any) => [e.action, e.comment])).toEqual(calls.map(([, body, action]) => [action, (body as any).comment]));
  });
});

// FeatBit's targeting model on flags: the shape, the targeting PUT, revisions (409), per-part IAM,
// validation (400, nothing changed), JSON Patch, comments in the audit log, updatedAt that always grows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { allow, as, builder, expectOk, member, personalToken, setupOrg, type Api, type Org, type ProjectInfo } from '../support/resource-fixtures.ts';

const FORBIDDEN = { status: 403, body: { success: false, errors: ['Forbidden'], data: null } };
const CONFLICT = { status: 409, body: { success: false, errors: ['Conflict'], data: null } };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(backends)('flag targeting (%s)', (backend) => {
  let t: TestApp;
  let org: Org;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  let web: ProjectInfo;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock });
    org = await setupOrg(t);
    owner = as(t, org.owner);
    b = builder(owner);
    web = await b.project('web');
  });
  afterEach(async () => t.close());

  const url = (key: string, tail = '') => `/envs/${web.env.prod}/feature-flags/${key}${tail}`;
  const read = async (key: string) => expectOk(await owner('GET', url(key)));
  /** A change answers the flag's revision after it (FeatBit's answer); the flag is then read back. */
  const changed = async (res: { status: number; body: any }, key: string) => {
    const revision = expectOk(res);
    const flag = await read(key);
    expect(revision).toBe(flag.revision);
    return flag;
  };
  const strip = (res: { status: number; body: any }) => ({ status: res.status, body: res.body });
  const entries = async (refId: string) => expectOk(await owner('GET', `/audit-logs?refId=${refId}&pageSize=100`)).items;
  /** A string flag with variations a, b, c, serving a when on and b when off. */
  const stringFlag = (key: string) =>
    b.flag(web.env.prod, key, {
      variationType: 'string',
      variations: [
        { id: 'a', name: 'A', value: 'a' },
        { id: 'b', name: 'B', value: 'b' },
        { id: 'c', name: 'C', value: 'c' },
      ],
      enabledVariationId: 'a',
      disabledVariationId: 'b',
    });
  const targetingOf = (f: any) => ({ targetUsers: f.targetUsers, rules: f.rules, fallthrough: f.fallthrough, exptIncludeAllTargets: f.exptIncludeAllTargets });
  const rule = (id: string, variation: string, conditions: object[] = [{ property: 'country', op: 'Equal', value: 'NL' }]) => ({
    id,
    name: `rule ${id}`,
    dispatchKey: null,
    includedInExpt: false,
    conditions,
    variations: [{ id: variation, rollout: [0, 1], exptRollout: 1 }],
  });

  it("a new flag carries FeatBit's targeting fields: no users, no rules, its on variation served to everyone", async () => {
    const f = await stringFlag('checkout');
    expect(f.revision).toMatch(GUID);
    expect(targetingOf(f)).toEqual({
      targetUsers: [],
      rules: [],
      fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'a', rollout: [0, 1], exptRollout: 1 }] },
      exptIncludeAllTargets: true,
    });
    expect({ creatorId: f.creatorId, updatorId: f.updatorId }).toEqual({ creatorId: org.owner.memberId, updatorId: org.owner.memberId });
    expect(await read('checkout')).toEqual(f);
  });

  it('PUT targeting replaces users, rules and fallthrough, with a new revision, a later updatedAt and the comment in the audit entry', async () => {
    const f = await stringFlag('checkout');
    await read('checkout'); // cached now: the change must drop it
    const targeting = {
      targetUsers: [{ variationId: 'c', keyIds: ['u1', 'u2'] }],
      rules: [rule('r1', 'b')],
      fallthrough: {
        dispatchKey: 'keyId',
        includedInExpt: false,
        variations: [
          { id: 'a', rollout: [0, 0.5], exptRollout: 0.5 },
          { id: 'c', rollout: [0.5, 1], exptRollout: 0.5 },
        ],
      },
      exptIncludeAllTargets: false,
    };
    const updated = await changed(await owner('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting, comment: 'roll out to half' }), 'checkout');
    expect(targetingOf(updated)).toEqual(targeting);
    expect(updated.revision).toMatch(GUID);
    expect(updated.revision).not.toBe(f.revision);
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(f.updatedAt));
    // The fallthrough splits now: enabledVariationId keeps what it was.
    expect(updated.enabledVariationId).toBe('a');
    expect(await read('checkout')).toEqual(updated);

    const [entry] = await entries(f.id);
    expect(entry).toMatchObject({
      action: 'UpdateFlagTargeting',
      comment: 'roll out to half',
      changes: { before: targetingOf(f), after: targeting },
    });
  });

  it('enabledVariationId follows the fallthrough while it serves one variation to everyone', async () => {
    const f = await stringFlag('checkout');
    const targeting = { ...targetingOf(f), fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'c', rollout: [0, 1], exptRollout: 1 }] } };
    const updated = await changed(await owner('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting }), 'checkout');
    expect(updated.enabledVariationId).toBe('c');
  });

  it('a stale revision is 409 Conflict on targeting, variations and off-variation, and nothing changes', async () => {
    const f = await stringFlag('checkout');
    const fresh = await changed(await owner('PUT', url('checkout', '/toggle/true')), 'checkout');
    expect(fresh.revision).not.toBe(f.revision);
    const before = await read('checkout');
    const auditBefore = (await entries(f.id)).length;

    const targeting = { ...targetingOf(f), targetUsers: [{ variationId: 'c', keyIds: ['u1'] }] };
    expect(strip(await owner('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting }))).toEqual(CONFLICT);
    expect(strip(await owner('PUT', url('checkout', '/variations'), { revision: f.revision, variations: [...f.variations, { id: 'd', name: 'D', value: 'd' }] }))).toEqual(CONFLICT);
    expect(strip(await owner('PUT', url('checkout', '/off-variation'), { revision: f.revision, offVariationId: 'c' }))).toEqual(CONFLICT);
    expect(await read('checkout')).toEqual(before);
    expect(await entries(f.id)).toHaveLength(auditBefore);

    // The current revision goes through.
    expect((await owner('PUT', url('checkout', '/off-variation'), { revision: before.revision, offVariationId: 'c' })).status).toBe(200);
  });

  it('refuses bad targeting with 400 and its codes, and changes nothing', async () => {
    const f = await stringFlag('checkout');
    const other = await b.project('other');
    const foreignSegment = await b.segment(other.env.prod, 'elsewhere');
    const devSegment = await b.segment(web.env.dev, 'dev-only');
    const base = targetingOf(f);
    const fall = (variations: object[]) => ({ ...base, fallthrough: { ...base.fallthrough, variations } });
    const cases: [object, string[]][] = [
      [{ ...base, targetUsers: [{ variationId: 'zz', keyIds: ['u1'] }] }, ['variationId_is_invalid']],
      [
        {
          ...base,
          targetUsers: [
            { variationId: 'a', keyIds: ['u1'] },
            { variationId: 'c', keyIds: ['u1'] },
          ],
        },
        ['targetUsers_is_invalid'],
      ],
      [fall([{ id: 'a', rollout: [0, 1.5], exptRollout: 1 }]), ['rollout_is_invalid']],
      [fall([{ id: 'a', rollout: [0.7, 0.2], exptRollout: 1 }]), ['rollout_is_invalid']],
      [fall([{ id: 'a', rollout: [-0.1, 1], exptRollout: 1 }]), ['rollout_is_invalid']],
      [fall([{ id: 'nope', rollout: [0, 1], exptRollout: 1 }]), ['variationId_is_invalid']],
      [fall([]), ['variations_is_required']],
      [{ ...base, rules: [rule('r1', 'a', [{ property: 'age', op: 'Older', value: '3' }])] }, ['op_is_invalid']],
      [{ ...base, rules: [rule('r1', 'a', [{ property: 'plan', op: 'IsOneOf', value: 'pro' }])] }, ['value_is_invalid']],
      [{ ...base, rules: [rule('r1', 'a', [{ property: 'email', op: 'MatchRegex', value: '(' }])] }, ['value_is_invalid']],
      [{ ...base, rules: [rule('r1', 'a'), rule('r1', 'c')] }, ['rules_is_invalid']],
      [{ ...base, rules: [rule('r1', 'a', [{ property: 'User is in segment', op: '', value: JSON.stringify([foreignSegment.id]) }])] }, ['segment_is_invalid']],
      [{ ...base, rules: [rule('r1', 'a', [{ property: 'User is in segment', op: '', value: JSON.stringify([devSegment.id]) }])] }, ['segment_is_invalid']],
      [{ ...base, rules: [rule('r1', 'a', [{ property: 'User is not in segment', op: '', value: JSON.stringify(['00000000-0000-0000-0000-000000000000']) }])] }, ['segment_is_invalid']],
      [{ ...base, rules: [rule('r1', 'a', [{ property: 'User is in segment', op: '', value: 'not json' }])] }, ['segment_is_invalid']],
    ];
    const before = await read('checkout');
    for (const [targeting, errors] of cases) {
      const res = await owner('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting });
      expect({ targeting, status: res.status, errors: res.body.errors }).toEqual({ targeting, status: 400, errors });
    }
    // Shape errors come from the schema, as everywhere else.
    const shape = await owner('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting: { ...base, rules: [{ conditions: [], variations: [{ id: 'a', rollout: [0] }] }] } });
    expect(shape.status).toBe(400);
    expect((await owner('PUT', url('checkout', '/targeting'), { targeting: base })).body.errors).toEqual(['revision_is_required']);
    expect(await read('checkout')).toEqual(before);
  });

  it('a variation still served by targeting cannot be removed (422 VariationInUse)', async () => {
    const f = await stringFlag('checkout');
    const withRule = await changed(await owner('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting: { ...targetingOf(f), rules: [rule('r1', 'c')] } }), 'checkout');
    const res = await owner('PUT', url('checkout', '/variations'), { revision: withRule.revision, variations: withRule.variations.filter((v: any) => v.id !== 'c') });
    expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 422, errors: ['VariationInUse'] });
    expect(await read('checkout')).toEqual(withRule);
  });

  /**
   * Each part of the targeting and the action it needs: `value` is what a change sets it to (the new flag has no
   * users, no rules, a fallthrough serving a and exptIncludeAllTargets on, so each value is a change).
   */
  const PARTS: { field: 'targetUsers' | 'rules' | 'fallthrough' | 'exptIncludeAllTargets'; action: string; value: (f: any) => unknown }[] = [
    { field: 'targetUsers', action: 'UpdateFlagIndividualTargeting', value: () => [{ variationId: 'c', keyIds: ['beta-user'] }] },
    { field: 'rules', action: 'UpdateFlagTargetingRules', value: () => [rule('r1', 'b')] },
    { field: 'fallthrough', action: 'UpdateFlagDefaultRule', value: (f) => ({ ...f.fallthrough, variations: [{ id: 'c', rollout: [0, 1], exptRollout: 1 }] }) },
    { field: 'exptIncludeAllTargets', action: 'UpdateFlagDefaultRule', value: () => false },
  ];
  /** For each action: the part it changes (with a comment), and a JSON Patch it may apply with the value it leaves. */
  const OWN = {
    UpdateFlagIndividualTargeting: {
      field: 'targetUsers',
      comment: 'let beta-user in',
      patch: [{ op: 'add', path: '/targetUsers/0/keyIds/-', value: 'second' }],
      patchedField: 'targetUsers',
      patched: [{ variationId: 'c', keyIds: ['beta-user', 'second'] }],
    },
    UpdateFlagTargetingRules: {
      field: 'rules',
      comment: 'Dutch users get b',
      patch: [{ op: 'add', path: '/rules/-', value: rule('r2', 'c') }],
      patchedField: 'rules',
      patched: [rule('r1', 'b'), rule('r2', 'c')],
    },
    UpdateFlagDefaultRule: {
      field: 'fallthrough',
      comment: 'serve c by default',
      patch: [{ op: 'replace', path: '/exptIncludeAllTargets', value: false }],
      patchedField: 'exptIncludeAllTargets',
      patched: false,
    },
  } as const;

  it.each(Object.keys(OWN) as (keyof typeof OWN)[])('a token holding only %s on the flag can change its part and nothing else', async (action) => {
    const own = OWN[action];
    const ownPart = PARTS.find((x) => x.field === own.field)!;
    const f = await stringFlag('checkout');
    await stringFlag('other');
    const token = as(t, await personalToken(t, org.owner, `${action} only`, [allow('flag', [action], ['project/web:env/prod:flag/checkout'])]));

    const added = await token('PUT', url('checkout', '/targeting'), {
      revision: f.revision,
      targeting: { ...targetingOf(f), [own.field]: ownPart.value(f) },
      comment: own.comment,
    });
    expect((await changed(added, 'checkout'))[own.field]).toEqual(ownPart.value(f));
    const [entry] = await entries(f.id);
    expect(entry).toMatchObject({ action, comment: own.comment, actor: { kind: 'token' } });

    const now = await read('checkout');
    const auditBefore = (await entries(f.id)).length;
    const current = targetingOf(now);
    const others = PARTS.filter((x) => x.action !== action);
    const refusals: [string, string, unknown][] = [
      ...others.map((x): [string, string, unknown] => [x.field, 'PUT', { revision: now.revision, targeting: { ...current, [x.field]: x.value(now) } }]),
      // Its own part moving back, together with another part.
      ...others.map((x): [string, string, unknown] => [
        `${own.field} and ${x.field} together`,
        'PUT',
        { revision: now.revision, targeting: { ...current, [own.field]: (f as any)[own.field], [x.field]: x.value(now) } },
      ]),
    ];
    for (const [why, method, body] of refusals) expect({ why, ...strip(await token(method, url('checkout', '/targeting'), body)) }).toEqual({ why, ...FORBIDDEN });
    expect(strip(await token('PUT', url('checkout', '/toggle/true')))).toEqual(FORBIDDEN);
    expect(strip(await token('PUT', url('checkout', '/name'), { name: 'Nope' }))).toEqual(FORBIDDEN);
    expect(strip(await token('PUT', url('checkout', '/off-variation'), { offVariationId: 'c' }))).toEqual(FORBIDDEN);
    for (const x of others)
      expect({ why: x.field, ...strip(await token('PATCH', url('checkout'), [{ op: 'replace', path: `/${x.field}`, value: x.value(now) }])) }).toEqual({ why: x.field, ...FORBIDDEN });
    expect(strip(await token('PATCH', url('checkout'), [{ op: 'replace', path: '/isEnabled', value: true }]))).toEqual(FORBIDDEN);
    // Another flag is out of reach even for its own part.
    const other = await read('other');
    expect(strip(await token('PUT', url('other', '/targeting'), { revision: other.revision, targeting: { ...targetingOf(other), [own.field]: ownPart.value(other) } }))).toEqual(FORBIDDEN);
    expect(await read('checkout')).toEqual(now);
    expect(await read('other')).toEqual(other);
    expect(await entries(f.id)).toHaveLength(auditBefore);

    // Through PATCH too, only its own part.
    const patched = await token('PATCH', url('checkout'), own.patch);
    expect(strip(patched)).toEqual({ status: 200, body: { success: true, errors: [], data: true } });
    expect((await read('checkout'))[own.patchedField]).toEqual(own.patched);
  });

  it('a caller holding none of the targeting actions is refused even for an unchanged targeting', async () => {
    const f = await stringFlag('checkout');
    const m = as(t, await member(t, org, [allow('flag', ['ToggleFlag'], ['project/web:env/prod:flag/*'])]));
    expect(strip(await m('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting: targetingOf(f) }))).toEqual(FORBIDDEN);
    // Someone holding one of them may send an unchanged targeting: nothing is written.
    const r = as(t, await member(t, org, [allow('flag', ['UpdateFlagTargetingRules'], ['project/web:env/prod:flag/*'])]));
    const same = await r('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting: targetingOf(f) });
    // FeatBit's answer for an unchanged flag: its revision, as it was.
    expect(same.status).toBe(200);
    expect(same.body.data).toBe(f.revision);
    expect(await read('checkout')).toEqual(f);
  });

  it('updatedAt grows by at least a millisecond on every change, even within one millisecond', async () => {
    const f = await stringFlag('checkout');
    const stamps = [Date.parse(f.updatedAt)];
    let revision = f.revision;
    for (const [i, tail, body] of [
      [0, '/toggle/true', undefined],
      [1, '/name', { name: 'Renamed' }],
      [2, '/targeting', null],
    ] as const) {
      const res = await changed(
        await owner('PUT', url('checkout', tail), body === null ? { revision, targeting: { ...targetingOf(f), targetUsers: [{ variationId: 'c', keyIds: [`u${i}`] }] } } : body),
        'checkout',
      );
      stamps.push(Date.parse(res.updatedAt));
      revision = res.revision;
    }
    expect(stamps).toEqual([clock.now(), clock.now() + 1, clock.now() + 2, clock.now() + 3]);
    clock.advance(1000);
    const later = await changed(await owner('PUT', url('checkout', '/toggle/false')), 'checkout');
    expect(Date.parse(later.updatedAt)).toBe(clock.now());
  });

  it('JSON Patch changes the editable fields, checks the result like the dedicated routes, and refuses the rest', async () => {
    const f = await stringFlag('checkout');
    const ok = await owner('PATCH', url('checkout'), [
      { op: 'replace', path: '/name', value: 'Checkout v2' },
      { op: 'add', path: '/tags/-', value: 'pay' },
      { op: 'add', path: '/rules/-', value: rule('r1', 'c') },
      { op: 'test', path: '/isEnabled', value: false },
    ]);
    expect(strip(ok)).toEqual({ status: 200, body: { success: true, errors: [], data: true } });
    const after = await read('checkout');
    expect({ name: after.name, tags: after.tags, rules: after.rules }).toEqual({ name: 'Checkout v2', tags: ['pay'], rules: [rule('r1', 'c')] });
    expect(after.revision).not.toBe(f.revision);

    const bad: [unknown[], string[]][] = [
      [[{ op: 'replace', path: '/isArchived', value: true }], ['path_is_invalid']],
      [[{ op: 'replace', path: '/key', value: 'other' }], ['path_is_invalid']],
      [[{ op: 'remove', path: '/nothing' }], ['path_is_invalid']],
      [[{ op: 'test', path: '/name', value: 'Checkout' }], ['test_failed']],
      [[{ op: 'jump', path: '/name' }], ['op_is_invalid']],
      [[{ op: 'replace', path: '/isEnabled', value: 'yes' }], ['isEnabled_is_invalid']],
      [[{ op: 'replace', path: '/rules/0/conditions/0/op', value: 'Nope' }], ['op_is_invalid']],
      [[{ op: 'replace', path: '/disabledVariationId', value: 'zz' }], ['disabledVariationId_is_invalid']],
      [[{ op: 'replace', path: '/name', value: '   ' }], ['name_is_required']],
      // A valid first step does not survive a failing second one.
      [
        [
          { op: 'replace', path: '/description', value: 'x' },
          { op: 'remove', path: '/tags/5' },
        ],
        ['path_is_invalid'],
      ],
    ];
    for (const [ops, errors] of bad) {
      const res = await owner('PATCH', url('checkout'), ops);
      expect({ ops, status: res.status, errors: res.body.errors }).toEqual({ ops, status: 400, errors });
    }
    expect(await read('checkout')).toEqual(after);
  });

  it('all-tags lists the distinct tags of unarchived flags; pending-changes is an empty list', async () => {
    await b.flag(web.env.prod, 'one', { tags: ['pay', 'beta'] });
    await b.flag(web.env.prod, 'two', { tags: ['beta', 'web'] });
    await b.archivedFlag(web.env.prod, 'old', { tags: ['legacy'] });
    await b.flag(web.env.dev, 'dev', { tags: ['dev-only'] });
    expect(expectOk(await owner('GET', `/envs/${web.env.prod}/feature-flags/all-tags`))).toEqual(['beta', 'pay', 'web']);
    expect(expectOk(await owner('GET', url('one', '/pending-changes')))).toEqual([]);
    expect((await owner('GET', url('missing', '/pending-changes'))).status).toBe(404);
  });

  it('every update route takes a comment and the audit entry keeps it', async () => {
    const f = await stringFlag('checkout');
    const calls: [string, string, unknown, string][] = [
      ['PUT', '/toggle/true', { comment: 'c-toggle' }, 'ToggleFlag'],
      ['PUT', '/name', { name: 'N', comment: 'c-name' }, 'UpdateFlagName'],
      ['PUT', '/description', { description: 'D', comment: 'c-description' }, 'UpdateFlagDescription'],
      ['PUT', '/tags', { tags: ['x'], comment: 'c-tags' }, 'UpdateFlagTags'],
      ['PUT', '/variations', { variations: [...f.variations, { id: 'd', name: 'D', value: 'd' }], comment: 'c-variations' }, 'UpdateFlagVariations'],
      ['PUT', '/off-variation', { offVariationId: 'c', comment: 'c-off' }, 'UpdateFlagOffVariation'],
      ['PUT', '/archive', { comment: 'c-archive' }, 'ArchiveFlag'],
      ['PUT', '/restore', { comment: 'c-restore' }, 'RestoreFlag'],
    ];
    for (const [method, tail, body] of calls) expectOk(await owner(method, url('checkout', tail), body), tail);
    const log = (await entries(f.id)).reverse().slice(1);
    expect(log.map((e: any) => [e.action, e.comment])).toEqual(calls.map(([, , body, action]) => [action, (body as any).comment]));
  });
});

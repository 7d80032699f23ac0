// The audit log: a scripted sequence of changes by a member, its personal token and the owner,
// read back entry by entry; filters; and visibility (an entry shows only to who could read its subject).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { allow, as, builder, expectOk, member, personalToken, setupOrg, type Api, type Caller, type Org } from '../support/resource-fixtures.ts';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
class SteppingClock {
  t = T0;
  now = () => this.t;
  /** Moves to T0 + n seconds, so each step of the script has its own exact time. */
  at(n: number) {
    this.t = T0 + n * 1000;
  }
}
const at = (n: number) => new Date(T0 + n * 1000).toISOString();

describe.each(backends)('audit log (%s)', (backend) => {
  let t: TestApp;
  let clock: SteppingClock;
  let org: Org;
  let owner: Api;
  beforeEach(async () => {
    clock = new SteppingClock();
    t = await makeApp(backend, { clock });
    org = await setupOrg(t);
    owner = as(t, org.owner);
  });
  afterEach(async () => t.close());

  const RESOURCE_TYPES = ['project', 'env', 'flag', 'segment'];
  const resourceEntries = async (api: Api, query = '') => expectOk(await api('GET', `/audit-logs?pageSize=100${query}`)).items.filter((e: any) => RESOURCE_TYPES.includes(e.refType));

  it('records who, what, where, when and the changed fields of every change, newest first', async () => {
    const dana = await member(
      t,
      org,
      [
        allow('project', ['CanAccessProject'], ['project/*']),
        allow('env', ['CanAccessEnv'], ['project/*:env/*']),
        allow('flag', ['ManageFeatureFlag'], ['project/*:env/*:flag/*']),
        allow('segment', ['ManageSegment'], ['project/*:env/*:segment/*']),
        allow('access-token', ['ManagePersonalAccessTokens'], ['access-token/*']),
      ],
      'Dana Dev',
    );
    const d = as(t, dana);
    const token: Caller = await personalToken(t, dana, 'dana-cli');
    const k = as(t, token);
    const ownerActor = { kind: 'member', memberId: org.owner.memberId, memberName: 'Olivia Owner', tokenId: null, tokenName: null };
    const danaActor = { kind: 'member', memberId: dana.memberId, memberName: 'Dana Dev', tokenId: null, tokenName: null };
    const tokenActor = { kind: 'token', memberId: dana.memberId, memberName: 'Dana Dev', tokenId: token.tokenId, tokenName: 'dana-cli' };

    clock.at(1);
    const web = expectOk(await owner('POST', '/projects', { key: 'web', name: 'Web' }));
    const prod = web.environments.find((e: any) => e.key === 'prod').id;
    clock.at(2);
    expectOk(await owner('PUT', `/projects/${web.id}`, { name: 'Web site' }));
    clock.at(3);
    const qa = expectOk(await owner('POST', `/projects/${web.id}/envs`, { key: 'qa', name: 'QA' }));
    clock.at(4);
    const variations = [
      { id: 'a', name: 'A', value: 'alpha' },
      { id: 'b', name: 'B', value: 'beta' },
    ];
    const flag = expectOk(
      await d('POST', `/envs/${prod}/feature-flags`, { key: 'checkout', name: 'Checkout', tags: ['beta'], variationType: 'string', variations, enabledVariationId: 'a', disabledVariationId: 'b' }),
    );
    clock.at(5);
    expectOk(await d('PUT', `/envs/${prod}/feature-flags/checkout/toggle/true`));
    clock.at(6);
    // Changing nothing records nothing; neither does a refused request.
    expectOk(await d('PUT', `/envs/${prod}/feature-flags/checkout/toggle/true`));
    expect((await d('PUT', `/projects/${web.id}`, { name: 'Nope' })).status).toBe(403);
    clock.at(7);
    expectOk(await k('PUT', `/envs/${prod}/feature-flags/checkout/name`, { name: 'Checkout v2' }));
    clock.at(8);
    expectOk(await d('PUT', `/envs/${prod}/feature-flags/checkout/tags`, ['beta', 'pay']));
    clock.at(9);
    const three = [...variations, { id: 'c', name: 'C', value: 'gamma' }];
    expectOk(await d('PUT', `/envs/${prod}/feature-flags/checkout/variations`, { variations: three }));
    clock.at(10);
    expectOk(await d('PUT', `/envs/${prod}/feature-flags/checkout/off-variation`, { offVariationId: 'c' }));
    clock.at(11);
    expect(expectOk(await k('POST', `/envs/${prod}/feature-flags/clone/checkout`, { key: 'checkout-copy', name: 'Copy' }))).toBe(true);
    const copy = expectOk(await k('GET', `/envs/${prod}/feature-flags/checkout-copy`));
    clock.at(12);
    expectOk(await d('PUT', `/envs/${prod}/feature-flags/checkout/archive`));
    clock.at(13);
    expectOk(await d('DELETE', `/envs/${prod}/feature-flags/checkout`));
    clock.at(14);
    const segment = expectOk(await d('POST', `/envs/${prod}/segments`, { key: 'vips', name: 'VIPs', included: ['u1'], tags: ['gold'] }));
    clock.at(15);
    expectOk(await d('PUT', `/envs/${prod}/segments/${segment.id}/targeting`, { included: ['u1', 'u2'], excluded: ['u3'] }));
    clock.at(16);
    expectOk(await owner('DELETE', `/projects/${web.id}/envs/${qa.id}`));

    const where = { projectId: web.id, envId: prod };
    const flagRef = { refType: 'flag', refId: flag.id, refKey: 'checkout', ...where };
    const full = {
      key: 'checkout',
      name: 'Checkout',
      description: '',
      isEnabled: false,
      variationType: 'string',
      variations,
      enabledVariationId: 'a',
      disabledVariationId: 'b',
      tags: ['beta'],
      isArchived: false,
      targetUsers: [],
      rules: [],
      fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'a', rollout: [0, 1], exptRollout: 1 }] },
      exptIncludeAllTargets: true,
    };
    const final = { ...full, name: 'Checkout v2', isEnabled: true, variations: three, disabledVariationId: 'c', tags: ['beta', 'pay'] };
    const expected = [
      {
        createdAt: at(16),
        action: 'DeleteEnv',
        refType: 'env',
        refId: qa.id,
        refKey: 'qa',
        projectId: web.id,
        envId: qa.id,
        actor: ownerActor,
        changes: { before: { key: 'qa', name: 'QA', description: '', settings: { requireChangeComment: false } }, after: null },
      },
      {
        createdAt: at(15),
        action: 'UpdateSegmentTargetingUsers',
        refType: 'segment',
        refId: segment.id,
        refKey: 'vips',
        ...where,
        actor: danaActor,
        changes: { before: { included: ['u1'], excluded: [] }, after: { included: ['u1', 'u2'], excluded: ['u3'] } },
      },
      {
        createdAt: at(14),
        action: 'CreateSegment',
        refType: 'segment',
        refId: segment.id,
        refKey: 'vips',
        ...where,
        actor: danaActor,
        changes: {
          before: null,
          after: {
            key: 'vips',
            name: 'VIPs',
            description: '',
            type: 'environment-specific',
            scopes: ['project/web:env/prod'],
            included: ['u1'],
            excluded: [],
            rules: [],
            tags: ['gold'],
            isArchived: false,
          },
        },
      },
      { createdAt: at(13), action: 'DeleteFlag', ...flagRef, actor: danaActor, changes: { before: { ...final, isArchived: true }, after: null } },
      { createdAt: at(12), action: 'ArchiveFlag', ...flagRef, actor: danaActor, changes: { before: { isArchived: false }, after: { isArchived: true } } },
      {
        createdAt: at(11),
        action: 'CloneFlag',
        refType: 'flag',
        refId: copy.id,
        refKey: 'checkout-copy',
        ...where,
        actor: tokenActor,
        changes: { before: null, after: { ...final, key: 'checkout-copy', name: 'Copy', clonedFrom: 'checkout' } },
      },
      { createdAt: at(10), action: 'UpdateFlagOffVariation', ...flagRef, actor: danaActor, changes: { before: { disabledVariationId: 'b' }, after: { disabledVariationId: 'c' } } },
      { createdAt: at(9), action: 'UpdateFlagVariations', ...flagRef, actor: danaActor, changes: { before: { variations }, after: { variations: three } } },
      { createdAt: at(8), action: 'UpdateFlagTags', ...flagRef, actor: danaActor, changes: { before: { tags: ['beta'] }, after: { tags: ['beta', 'pay'] } } },
      { createdAt: at(7), action: 'UpdateFlagName', ...flagRef, actor: tokenActor, changes: { before: { name: 'Checkout' }, after: { name: 'Checkout v2' } } },
      { createdAt: at(5), action: 'ToggleFlag', ...flagRef, actor: danaActor, changes: { before: { isEnabled: false }, after: { isEnabled: true } } },
      { createdAt: at(4), action: 'CreateFlag', ...flagRef, actor: danaActor, changes: { before: null, after: full } },
      {
        createdAt: at(3),
        action: 'CreateEnv',
        refType: 'env',
        refId: qa.id,
        refKey: 'qa',
        projectId: web.id,
        envId: qa.id,
        actor: ownerActor,
        changes: { before: null, after: { key: 'qa', name: 'QA', description: '', settings: { requireChangeComment: false } } },
      },
      {
        createdAt: at(2),
        action: 'UpdateProjectSettings',
        refType: 'project',
        refId: web.id,
        refKey: 'web',
        projectId: web.id,
        envId: null,
        actor: ownerActor,
        changes: { before: { name: 'Web' }, after: { name: 'Web site' } },
      },
      {
        createdAt: at(1),
        action: 'CreateProject',
        refType: 'project',
        refId: web.id,
        refKey: 'web',
        projectId: web.id,
        envId: null,
        actor: ownerActor,
        changes: { before: null, after: { key: 'web', name: 'Web', environments: ['dev', 'prod'] } },
      },
    ];

    const entries = await resourceEntries(owner);
    expect(entries.map((e: any) => e.action)).toEqual(expected.map((e) => e.action));
    entries.forEach((entry: any, i: number) => {
      expect(entry.id).toEqual(expect.any(String));
      const { id: _id, ...rest } = entry;
      expect(rest, `entry ${i} (${expected[i].action})`).toEqual({ ...expected[i], comment: '' });
    });

    // Filters: by subject, by type, by member (a personal token acts for its owner), by token, by time.
    const actions = (items: any[]) => items.map((e: any) => e.action);
    expect(actions(await resourceEntries(owner, `&refId=${flag.id}`))).toEqual([
      'DeleteFlag',
      'ArchiveFlag',
      'UpdateFlagOffVariation',
      'UpdateFlagVariations',
      'UpdateFlagTags',
      'UpdateFlagName',
      'ToggleFlag',
      'CreateFlag',
    ]);
    expect(actions(await resourceEntries(owner, '&refType=env'))).toEqual(['DeleteEnv', 'CreateEnv']);
    expect(actions(await resourceEntries(owner, `&creatorId=${dana.memberId}`))).toHaveLength(11);
    expect(actions(await resourceEntries(owner, `&tokenId=${token.tokenId}`))).toEqual(['CloneFlag', 'UpdateFlagName']);
    expect(actions(await resourceEntries(owner, `&from=${encodeURIComponent(at(9))}&to=${encodeURIComponent(at(12))}`))).toEqual(['CloneFlag', 'UpdateFlagOffVariation', 'UpdateFlagVariations']);
    // Paging: newest first, totalCount over the whole filtered set.
    const page = expectOk(await owner('GET', `/audit-logs?refId=${flag.id}&pageIndex=1&pageSize=3`));
    expect(page.totalCount).toBe(8);
    expect(actions(page.items)).toEqual(['UpdateFlagVariations', 'UpdateFlagTags', 'UpdateFlagName']);
  });

  it('shows an entry only to a caller who could read what it refers to, and pages over what it can see', async () => {
    const b = builder(owner);
    const web = await b.project('web');
    const api = await b.project('api');
    clock.at(1);
    for (const [i, envId] of [web.env.dev, web.env.prod, api.env.dev, web.env.dev, api.env.prod, web.env.dev].entries()) await b.flag(envId, `f${i}`);
    // Entries of other features, written the way they write them.
    const record = (refType: string, rn: string) =>
      t.app.ctx.audit.record(t.db.kysely, {
        orgId: org.id,
        actor: { kind: 'member', memberId: org.owner.memberId, name: 'Olivia Owner', tokenId: null, tokenName: null },
        action: `Touch-${refType}`,
        refType,
        refId: 'x',
        refKey: 'x',
        rn,
      });
    await record('iam', `iam/${org.key}`);
    await record('access-token', 'access-token/abc');
    await record('organization', `organization/${org.key}`);

    const devReader = await member(t, org, [allow('env', ['CanAccessEnv'], ['project/web:env/dev'])]);
    const seen = expectOk(await as(t, devReader)('GET', '/audit-logs?pageSize=100'));
    expect(seen.items.map((e: any) => e.refKey)).toEqual(['x', 'f5', 'f3', 'f0']);
    expect(seen.items[0].action).toBe('Touch-organization');
    expect(seen.totalCount).toBe(4);
    // Pages are cut from the visible entries, not from the whole log.
    const second = expectOk(await as(t, devReader)('GET', '/audit-logs?pageIndex=1&pageSize=2'));
    expect({ total: second.totalCount, keys: second.items.map((e: any) => e.refKey) }).toEqual({ total: 4, keys: ['f3', 'f0'] });

    const projectReader = await member(t, org, [allow('project', ['CanAccessProject'], ['project/api'])]);
    expect(expectOk(await as(t, projectReader)('GET', '/audit-logs?pageSize=100')).items.map((e: any) => e.action)).toEqual(['Touch-organization', 'CreateProject']);

    const iamManager = await member(t, org, [allow('iam', ['CanManageIAM'], [`iam/${org.key}`]), allow('access-token', ['ListAccessTokens'], ['access-token/*'])]);
    expect(expectOk(await as(t, iamManager)('GET', '/audit-logs?pageSize=100')).items.map((e: any) => e.action)).toEqual(['Touch-organization', 'Touch-access-token', 'Touch-iam']);

    // Denying CanAccessEnv on one environment hides its entries even under a broad allow.
    const mostly = await member(t, org, [allow('env', ['CanAccessEnv'], ['project/*:env/*']), { resourceType: 'env', effect: 'deny', actions: ['CanAccessEnv'], resources: ['project/web:env/dev'] }]);
    expect(expectOk(await as(t, mostly)('GET', '/audit-logs?pageSize=100&refType=flag')).items.map((e: any) => e.refKey)).toEqual(['f4', 'f2', 'f1']);
  });

  it('pages over visible entries correctly across scan batches', async () => {
    const b = builder(owner);
    const web = await b.project('web');
    const actor = { kind: 'member' as const, memberId: org.owner.memberId, name: 'Olivia Owner', tokenId: null, tokenName: null };
    // 2,500 entries at one instant (ordered by sequence), every third about prod (visible to the reader).
    const rows = Array.from({ length: 2500 }, (_, i) => ({ i, env: i % 3 === 0 ? 'prod' : 'dev' }));
    await t.db.kysely.transaction().execute(async (trx) => {
      for (const r of rows) {
        await t.app.ctx.audit.record(trx, {
          orgId: org.id,
          actor,
          action: 'Bulk',
          refType: 'flag',
          refId: `r${r.i}`,
          refKey: `k${r.i}`,
          rn: `project/web:env/${r.env}:flag/k${r.i}`,
          projectId: web.id,
        });
      }
    });
    const reader = as(t, await member(t, org, [allow('env', ['CanAccessEnv'], ['project/web:env/prod'])]));
    const visible = rows
      .filter((r) => r.env === 'prod')
      .reverse()
      .map((r) => `k${r.i}`);
    expect(visible).toHaveLength(834);
    const page = expectOk(await reader('GET', '/audit-logs?refType=flag&pageIndex=5&pageSize=100'));
    expect(page.totalCount).toBe(834);
    expect(page.items.map((e: any) => e.refKey)).toEqual(visible.slice(500, 600));
    const last = expectOk(await reader('GET', '/audit-logs?refType=flag&pageIndex=8&pageSize=100'));
    expect(last.items.map((e: any) => e.refKey)).toEqual(visible.slice(800));
  });

  it('rejects malformed filters with 400', async () => {
    const res = await owner('GET', '/audit-logs?from=yesterday&pageSize=0');
    expect(res.status).toBe(400);
    expect(res.body.errors.sort()).toEqual(['from_is_invalid', 'pageSize_is_invalid']);
  });
});

// A script written for FeatBit's IAM and audit-log API, replayed unchanged against Ensign: a raw `Authorization: <token>`
// header (no scheme word, no Organization header), FeatBit's bodies, and checks of FeatBit's field names and answers
// (GroupController, PolicyController, AuditLogController and their handlers).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
class SteppingClock {
  t = T0;
  now = () => this.t;
  at(n: number) {
    this.t = T0 + n * 1000;
  }
}

const EVERYTHING = [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }];
const IAM_ONLY = [{ resourceType: 'iam', effect: 'allow', actions: ['CanManageIAM'], resources: ['iam/*'] }];
const failure = (...errors: string[]) => ({ success: false, errors, data: null });
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

type Script = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** A FeatBit client: `Authorization: <token>` exactly as FeatBit's docs show it. */
const featbitClient =
  (t: TestApp, token: string): Script =>
  (method, path, body) =>
    t.call(method, `/api/v1${path}`, { auth: token, body });

async function serviceToken(t: TestApp, owner: Session, name: string, permissions: unknown[]): Promise<string> {
  const created = expectOk(await as(t, owner)('POST', '/access-tokens', { name, type: 'Service', permissions }));
  return created.token as string;
}

/** FeatBit's ApiResponse: {success: true, errors: [], data}. */
function data(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.success).toBe(true);
  expect(res.body.errors).toEqual([]);
  return res.body.data;
}

describe.each(backends)('FeatBit scripts: groups, policies, audit log (%s)', (backend) => {
  let t: TestApp;
  let clock: SteppingClock;
  let owner: Session;
  let fb: Script;

  beforeEach(async () => {
    clock = new SteppingClock();
    t = await makeApp(backend, { clock });
    owner = await setupOwner(t);
    fb = featbitClient(t, await serviceToken(t, owner, 'featbit-script', EVERYTHING));
  });
  afterEach(async () => t.close());

  it('groups: create and update answer GroupVm; list, members and policies are paged with FeatBit filters; the PUTs and DELETE answer true', async () => {
    const dana = await addMember(t, owner, { email: 'dana@example.com' });
    clock.at(1);
    const platform = data(await fb('POST', '/groups', { name: 'Platform', description: 'The platform team' }));
    expect(platform).toEqual({ id: expect.any(String), name: 'Platform', description: 'The platform team', updatedAt: new Date(T0 + 1000).toISOString() });
    clock.at(2);
    const support = data(await fb('POST', '/groups', { name: 'Support', description: null }));
    expect(support).toEqual({ id: expect.any(String), name: 'Support', description: '', updatedAt: ISO });
    expect(await fb('POST', '/groups', { name: '' })).toMatchObject({ status: 400, body: failure('name_is_required') });

    clock.at(3);
    const updated = data(await fb('PUT', `/groups/${platform.id}`, { name: 'Platform team', description: 'Builds the platform' }));
    expect(updated).toEqual({ id: platform.id, name: 'Platform team', description: 'Builds the platform', updatedAt: new Date(T0 + 3000).toISOString() });
    expect(data(await fb('GET', `/groups/${platform.id}`))).toEqual(updated);
    expect(data(await fb('GET', '/groups/is-name-used?name=platform%20TEAM'))).toBe(true);
    expect(data(await fb('GET', '/groups/is-name-used?name=Nobody'))).toBe(false);

    // PagedResult<GroupVm>, newest first; `name` matches part of the name; pageIndex is 0-based.
    expect(data(await fb('GET', '/groups'))).toEqual({ totalCount: 2, items: [support, updated] });
    expect(data(await fb('GET', '/groups?name=TEAM&pageIndex=0&pageSize=10'))).toEqual({ totalCount: 1, items: [updated] });
    expect(data(await fb('GET', '/groups?pageIndex=1&pageSize=1'))).toEqual({ totalCount: 2, items: [updated] });

    // add-member / add-policy answer true, and again true when already there.
    expect(data(await fb('PUT', `/groups/${platform.id}/add-member/${dana.memberId}`))).toBe(true);
    expect(data(await fb('PUT', `/groups/${platform.id}/add-member/${dana.memberId}`))).toBe(true);
    const policies = data(await fb('GET', '/policies?pageSize=100')).items;
    const developer = policies.find((p: any) => p.key === 'developer');
    expect(data(await fb('PUT', `/groups/${platform.id}/add-policy/${developer.id}`))).toBe(true);

    // GroupMemberVm: only the group's members, or every member (getAllMembers) marked with isGroupMember; searchText matches the email.
    const danaRow = { id: dana.memberId, name: 'dana', email: 'dana@example.com', isGroupMember: true };
    expect(data(await fb('GET', `/groups/${platform.id}/members`))).toEqual({ totalCount: 1, items: [danaRow] });
    const everyone = data(await fb('GET', `/groups/${platform.id}/members?getAllMembers=true`));
    expect(everyone.totalCount).toBe(2);
    expect(everyone.items).toEqual(expect.arrayContaining([danaRow, { id: owner.memberId, name: 'Olivia Owner', email: 'owner@example.com', isGroupMember: false }]));
    expect(data(await fb('GET', `/groups/${platform.id}/members?getAllMembers=true&searchText=OWNER@`)).items.map((m: any) => m.id)).toEqual([owner.memberId]);
    expect(data(await fb('GET', `/groups/${support.id}/members`))).toEqual({ totalCount: 0, items: [] });

    // GroupPolicyVm: id, name, type, description, isGroupPolicy; `name` filter; getAllPolicies lists every policy.
    expect(data(await fb('GET', `/groups/${platform.id}/policies`))).toEqual({
      totalCount: 1,
      items: [{ id: developer.id, name: 'Developer', type: 'SysManaged', description: developer.description, isGroupPolicy: true }],
    });
    const allPolicies = data(await fb('GET', `/groups/${platform.id}/policies?getAllPolicies=true&name=ER`));
    expect(allPolicies.items.map((p: any) => [p.name, p.isGroupPolicy]).sort()).toEqual([
      ['Developer', true],
      ['Owner', false],
    ]);

    expect(data(await fb('PUT', `/groups/${platform.id}/remove-member/${dana.memberId}`))).toBe(true);
    expect(data(await fb('PUT', `/groups/${platform.id}/remove-policy/${developer.id}`))).toBe(true);
    expect(data(await fb('GET', `/groups/${platform.id}/members`))).toEqual({ totalCount: 0, items: [] });
    expect(data(await fb('GET', `/groups/${platform.id}/policies`))).toEqual({ totalCount: 0, items: [] });

    expect(data(await fb('DELETE', `/groups/${platform.id}`))).toBe(true);
    expect(await fb('GET', `/groups/${platform.id}`)).toMatchObject({ status: 404, body: failure('ResourceNotFound') });
    expect(data(await fb('GET', '/groups')).items).toEqual([support]);
  });

  it('members: MemberVm with MemberGroupVm groups; paged groups, direct-policies and inherited-policies with FeatBit filters; policies as PolicyVm', async () => {
    const dana = await addMember(t, owner, { email: 'dana@example.com' });
    const all = data(await fb('GET', '/policies?pageSize=100')).items;
    const developer = all.find((p: any) => p.key === 'developer');
    const owners = all.find((p: any) => p.key === 'owner');
    clock.at(1);
    const platform = data(await fb('POST', '/groups', { name: 'Platform', description: 'The platform team' }));
    clock.at(2);
    const support = data(await fb('POST', '/groups', { name: 'Support', description: null }));
    expect(data(await fb('PUT', `/groups/${platform.id}/add-member/${dana.memberId}`))).toBe(true);
    expect(data(await fb('PUT', `/groups/${platform.id}/add-policy/${owners.id}`))).toBe(true);
    data(await fb('PUT', `/members/${dana.memberId}/add-policy/${developer.id}`));

    // MemberVm: id, email, name, invitorId, initialPassword, groups (MemberGroupVm).
    const vm = data(await fb('GET', `/members/${dana.memberId}`));
    expect(vm).toMatchObject({ id: dana.memberId, email: 'dana@example.com', name: 'dana', invitorId: owner.memberId, initialPassword: null });
    expect(vm.groups).toEqual([{ id: platform.id, name: 'Platform', description: 'The platform team', memberId: dana.memberId, isGroupMember: true }]);

    // MemberGroupVm pages: only the member's groups, or every group (getAllGroups) marked; `name` matches part of the name.
    expect(data(await fb('GET', `/members/${dana.memberId}/groups`))).toEqual({
      totalCount: 1,
      items: [{ id: platform.id, name: 'Platform', description: 'The platform team', memberId: dana.memberId, isGroupMember: true }],
    });
    expect(data(await fb('GET', `/members/${dana.memberId}/groups?getAllGroups=true&pageIndex=0&pageSize=10`))).toEqual({
      totalCount: 2,
      items: [
        { id: support.id, name: 'Support', description: '', memberId: dana.memberId, isGroupMember: false },
        { id: platform.id, name: 'Platform', description: 'The platform team', memberId: dana.memberId, isGroupMember: true },
      ],
    });
    expect(data(await fb('GET', `/members/${dana.memberId}/groups?getAllGroups=true&name=SUPP`)).items.map((g: any) => g.id)).toEqual([support.id]);

    // MemberPolicyVm pages: id, name, type, description, isMemberPolicy.
    expect(data(await fb('GET', `/members/${dana.memberId}/direct-policies`))).toEqual({
      totalCount: 1,
      items: [{ id: developer.id, name: 'Developer', type: 'SysManaged', description: developer.description, isMemberPolicy: true }],
    });
    const everyPolicy = data(await fb('GET', `/members/${dana.memberId}/direct-policies?getAllPolicies=true&name=er`));
    expect(everyPolicy.items.map((p: any) => [p.name, p.isMemberPolicy]).sort()).toEqual([
      ['Developer', true],
      ['Owner', false],
    ]);

    // InheritedMemberPolicy pages: id, name, type, description, createdAt, groupName.
    expect(data(await fb('GET', `/members/${dana.memberId}/inherited-policies`))).toEqual({
      totalCount: 1,
      items: [{ id: owners.id, name: 'Owner', type: 'SysManaged', description: owners.description, createdAt: ISO, groupName: 'Platform' }],
    });
    expect(data(await fb('GET', `/members/${dana.memberId}/inherited-policies?name=dev`))).toEqual({ totalCount: 0, items: [] });

    // GET /members/{id}/policies: PolicyVm items (Ensign adds where each comes from).
    const held = data(await fb('GET', `/members/${dana.memberId}/policies`));
    expect(held).toEqual([
      {
        id: developer.id,
        key: 'developer',
        name: 'Developer',
        type: 'SysManaged',
        description: developer.description,
        statements: developer.statements,
        updatedAt: developer.updatedAt,
        inherited: false,
        groupId: null,
        groupName: null,
      },
      {
        id: owners.id,
        key: 'owner',
        name: 'Owner',
        type: 'SysManaged',
        description: owners.description,
        statements: owners.statements,
        updatedAt: owners.updatedAt,
        inherited: true,
        groupId: platform.id,
        groupName: 'Platform',
      },
    ]);

    expect(await fb('GET', '/members/00000000-0000-0000-0000-000000000000/groups')).toMatchObject({ status: 404, body: failure('ResourceNotFound') });
  });

  it('policies: create answers PolicyVm; statements, settings, paged list, clone/{key}, members and groups, delete as FeatBit', async () => {
    const dana = await addMember(t, owner, { email: 'dana@example.com' });
    clock.at(1);
    // FeatBit's CreatePolicy body: {name, key, description}; no statements yet.
    const created = data(await fb('POST', '/policies', { name: 'Web flags', key: 'web-flags', description: 'Flags of web' }));
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Web flags',
      key: 'web-flags',
      type: 'CustomerManaged',
      description: 'Flags of web',
      statements: [],
      updatedAt: new Date(T0 + 1000).toISOString(),
    });
    expect(await fb('POST', '/policies', { name: 'Again', key: 'web-flags', description: '' })).toMatchObject({ status: 422, body: failure('KeyHasBeenUsed') });
    expect(await fb('POST', '/policies', { name: 'No key', key: '', description: '' })).toMatchObject({ status: 400, body: failure('key_is_required') });
    expect(await fb('POST', '/policies', { name: ' ', key: 'blank', description: '' })).toMatchObject({ status: 400, body: failure('name_is_required') });
    expect(data(await fb('GET', '/policies/is-key-used?key=WEB-FLAGS'))).toBe(true);

    // PUT {id}/statements takes the PolicyStatement array and answers PolicyVm.
    clock.at(2);
    const statements = [
      { id: 'st-1', resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/web:env/*:flag/*'] },
      { id: 'st-2', resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/*'] },
    ];
    const withStatements = data(await fb('PUT', `/policies/${created.id}/statements`, statements));
    expect(withStatements).toEqual({ ...created, statements, updatedAt: new Date(T0 + 2000).toISOString() });

    clock.at(3);
    const renamed = data(await fb('PUT', `/policies/${created.id}/settings`, { name: 'Web', description: 'All web flags' }));
    expect(renamed).toEqual({ ...withStatements, name: 'Web', description: 'All web flags', updatedAt: new Date(T0 + 3000).toISOString() });
    expect(data(await fb('GET', `/policies/${created.id}`))).toEqual(renamed);

    // PagedResult<PolicyVm>, newest first, built-in ones included; `name` matches part of the name.
    const list = data(await fb('GET', '/policies?pageIndex=0&pageSize=2'));
    expect(list.totalCount).toBe(4);
    expect(list.items[0]).toEqual(renamed);
    expect(data(await fb('GET', '/policies?name=WE')).items).toEqual([renamed]);

    // Clone: the path names the origin's key, originPolicyType which kind; the answer is the new PolicyVm.
    clock.at(4);
    const devClone = data(await fb('POST', '/policies/clone/developer', { originPolicyType: 'SysManaged', name: 'My developer', key: 'my-dev', description: 'Developer, editable' }));
    const builtinDev = data(await fb('GET', '/policies?name=Developer')).items.find((p: any) => p.key === 'developer');
    expect(devClone).toEqual({
      id: expect.any(String),
      name: 'My developer',
      key: 'my-dev',
      type: 'CustomerManaged',
      description: 'Developer, editable',
      statements: builtinDev.statements,
      updatedAt: new Date(T0 + 4000).toISOString(),
    });
    const webClone = data(await fb('POST', '/policies/clone/web-flags', { originPolicyType: 'CustomerManaged', name: 'Web copy', key: 'web-copy', description: null }));
    expect(webClone).toMatchObject({ name: 'Web copy', key: 'web-copy', type: 'CustomerManaged', description: '', statements });
    // FeatBit's answers: a taken key 422, an unknown origin (or the wrong type for it) 404, a bad type 400.
    expect(await fb('POST', '/policies/clone/developer', { originPolicyType: 'SysManaged', name: 'X', key: 'MY-DEV' })).toMatchObject({ status: 422, body: failure('KeyHasBeenUsed') });
    expect(await fb('POST', '/policies/clone/developer', { originPolicyType: 'CustomerManaged', name: 'X', key: 'x' })).toMatchObject({ status: 404, body: failure('ResourceNotFound') });
    expect(await fb('POST', '/policies/clone/nope', { originPolicyType: 'SysManaged', name: 'X', key: 'x' })).toMatchObject({ status: 404, body: failure('ResourceNotFound') });
    expect(await fb('POST', '/policies/clone/developer', { originPolicyType: 'Mine', name: 'X', key: 'x' })).toMatchObject({ status: 400, body: failure('originPolicyType_is_invalid') });
    expect(await fb('POST', '/policies/clone/developer', { originPolicyType: '', name: 'X', key: 'x' })).toMatchObject({ status: 400, body: failure('originPolicyType_is_required') });
    expect(data(await fb('GET', '/policies?name=x')).items.map((p: any) => p.key)).toEqual([]);

    // Members holding it directly (PolicyMember) and groups holding it (PolicyGroup), each with FeatBit's getAll* flag.
    const group = data(await fb('POST', '/groups', { name: 'Web team', description: 'Builds web' }));
    expect(data(await fb('PUT', `/groups/${group.id}/add-policy/${created.id}`))).toBe(true);
    expectOk(await as(t, owner)('PUT', `/members/${dana.memberId}/add-policy/${created.id}`));
    expect(data(await fb('GET', `/policies/${created.id}/members`))).toEqual({ totalCount: 1, items: [{ id: dana.memberId, name: 'dana', email: 'dana@example.com', isPolicyMember: true }] });
    const members = data(await fb('GET', `/policies/${created.id}/members?getAllMembers=true&searchText=example.com`));
    expect(members.items.map((m: any) => [m.email, m.isPolicyMember]).sort()).toEqual([
      ['dana@example.com', true],
      ['owner@example.com', false],
    ]);
    expect(data(await fb('GET', `/policies/${created.id}/groups`))).toEqual({ totalCount: 1, items: [{ id: group.id, name: 'Web team', description: 'Builds web', isPolicyGroup: true }] });
    expect(data(await fb('GET', `/policies/${devClone.id}/groups`))).toEqual({ totalCount: 0, items: [] });
    expect(data(await fb('GET', `/policies/${devClone.id}/groups?getAllGroups=true&name=web`))).toEqual({
      totalCount: 1,
      items: [{ id: group.id, name: 'Web team', description: 'Builds web', isPolicyGroup: false }],
    });

    expect(data(await fb('DELETE', `/policies/${created.id}`))).toBe(true);
    expect(await fb('GET', `/policies/${created.id}`)).toMatchObject({ status: 404, body: failure('ResourceNotFound') });
    expect(data(await fb('GET', `/groups/${group.id}/policies`)).items).toEqual([]);
    // Built-in policies stay read-only, as FeatBit's.
    expect(await fb('PUT', `/policies/${builtinDev.id}/settings`, { name: 'Mine', description: '' })).toMatchObject({ status: 422, body: failure('CannotModifySysManagedPolicy') });
  });

  it('clone/{key} hands out only what the token covers: a token with CanManageIAM alone cannot clone Developer, and nothing is created', async () => {
    const narrow = featbitClient(t, await serviceToken(t, owner, 'iam-only', IAM_ONLY));
    const before = data(await fb('GET', '/policies?pageSize=100'));
    expect(await narrow('POST', '/policies/clone/developer', { originPolicyType: 'SysManaged', name: 'Dev', key: 'dev-copy', description: '' })).toMatchObject({
      status: 403,
      body: failure('Forbidden', 'PermissionsExceedCaller'),
    });
    expect(data(await fb('GET', '/policies?pageSize=100'))).toEqual(before);
    // What it does cover, it may clone.
    data(await fb('POST', '/policies', { name: 'IAM', key: 'iam-copyable', description: '' }));
    expect(data(await narrow('POST', '/policies/clone/iam-copyable', { originPolicyType: 'CustomerManaged', name: 'IAM 2', key: 'iam-2', description: '' }))).toMatchObject({
      key: 'iam-2',
      statements: [],
    });
    // A token without CanManageIAM is refused every IAM route.
    const flagsOnly = featbitClient(t, await serviceToken(t, owner, 'flags', [{ resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/*:env/*:flag/*'] }]));
    for (const [method, path, body] of [
      ['GET', '/groups'],
      ['POST', '/groups', { name: 'X', description: '' }],
      ['GET', '/policies'],
      ['POST', '/policies', { name: 'X', key: 'x', description: '' }],
      ['POST', '/policies/clone/iam-copyable', { originPolicyType: 'CustomerManaged', name: 'X', key: 'x', description: '' }],
    ] as const) {
      expect(await flagsOnly(method, path, body), `${method} ${path}`).toMatchObject({ status: 403, body: failure('Forbidden') });
    }
    expect(data(await fb('GET', '/groups'))).toEqual({ totalCount: 0, items: [] });
  });

  it('a pageSize above 1,000 is served 1,000 items, never refused', async () => {
    const org = await t.db.kysely.selectFrom('members').select('org_id').where('id', '=', owner.memberId).executeTakeFirstOrThrow();
    const rows = Array.from({ length: 1001 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      org_id: org.org_id,
      name: `g${i}`,
      description: '',
      created_at: T0,
      updated_at: T0,
    }));
    for (let i = 0; i < rows.length; i += 200)
      await t.db.kysely
        .insertInto('groups')
        .values(rows.slice(i, i + 200))
        .execute();
    const page = data(await fb('GET', '/groups?pageSize=5000'));
    expect(page.totalCount).toBe(1001);
    expect(page.items).toHaveLength(1000);
    expect(data(await fb('GET', '/groups?pageSize=5000&pageIndex=1')).items).toHaveLength(1);
    expect(data(await fb('GET', '/groups?pageSize=2147483648')).items).toHaveLength(1000);
  });

  it('audit log of an environment: AuditLogVm, only that environment, with FeatBit filters (refType, refId, query, creatorId, from/to)', async () => {
    const o = as(t, owner);
    clock.at(1);
    const web = expectOk(await o('POST', '/projects', { key: 'web', name: 'Web' }));
    const prod = web.environments.find((e: any) => e.key === 'prod').id;
    const dev = web.environments.find((e: any) => e.key === 'dev').id;
    clock.at(2);
    const flag = data(await fb('POST', `/envs/${prod}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
    clock.at(3);
    expectOk(await o('PUT', `/envs/${prod}/feature-flags/checkout/toggle/true`));
    clock.at(4);
    data(await fb('PUT', `/envs/${prod}/feature-flags/checkout/archive`));
    clock.at(5);
    const segment = data(await fb('POST', `/envs/${prod}/segments`, { key: 'vips', name: 'VIPs' }));
    clock.at(6);
    data(await fb('POST', `/envs/${dev}/feature-flags`, { key: 'dev-only', name: 'Dev only' }));
    clock.at(7);
    data(await fb('POST', '/groups', { name: 'Not an environment entry' }));

    const page = data(await fb('GET', `/envs/${prod}/audit-logs?pageIndex=0&pageSize=50`));
    const ensign = expectOk(await o('GET', '/audit-logs?pageSize=100')).items.filter((e: any) => e.envId === prod);
    expect(page.totalCount).toBe(ensign.length);
    expect(page.items.map((e: any) => e.id)).toEqual(ensign.map((e: any) => e.id));

    const flagEntries = data(await fb('GET', `/envs/${prod}/audit-logs?refType=FeatureFlag`));
    const tokenCreator = { creatorId: expect.any(String), creatorName: 'featbit-script', creatorEmail: 'Access token' };
    expect(flagEntries.totalCount).toBe(3);
    expect(flagEntries.items.map((e: any) => e.operation)).toEqual(['Archive', 'Update', 'Create']);
    const [archive, toggle, create] = flagEntries.items;
    expect(Object.keys(create).sort()).toEqual(['comment', 'createdAt', 'creatorEmail', 'creatorId', 'creatorName', 'dataChange', 'id', 'instructions', 'operation', 'refId', 'refType'].sort());
    expect(create).toMatchObject({ refId: flag.id, refType: 'FeatureFlag', operation: 'Create', createdAt: new Date(T0 + 2000).toISOString(), instructions: [], ...tokenCreator });
    expect(create.dataChange.previous).toBe('');
    expect(JSON.parse(create.dataChange.current)).toMatchObject({ key: 'checkout', name: 'Checkout' });
    expect(toggle).toMatchObject({ refId: flag.id, operation: 'Update', creatorId: owner.memberId, creatorName: 'Olivia Owner', creatorEmail: 'owner@example.com' });
    expect([JSON.parse(toggle.dataChange.previous).isEnabled, JSON.parse(toggle.dataChange.current).isEnabled]).toEqual([false, true]);
    expect(archive).toMatchObject({ operation: 'Archive', ...tokenCreator });
    expect(create.comment === null || typeof create.comment === 'string').toBe(true);

    // refId, query (key or name, any case), creatorId, and a from/to range in unix ms, both ends inclusive.
    expect(data(await fb('GET', `/envs/${prod}/audit-logs?refType=Segment&refId=${segment.id}`)).items).toEqual([
      expect.objectContaining({ refId: segment.id, refType: 'Segment', operation: 'Create' }),
    ]);
    expect(data(await fb('GET', `/envs/${prod}/audit-logs?query=CHECK`)).items.map((e: any) => e.id)).toEqual(flagEntries.items.map((e: any) => e.id));
    expect(data(await fb('GET', `/envs/${prod}/audit-logs?query=vip`)).items.map((e: any) => e.refId)).toEqual([segment.id]);
    expect(data(await fb('GET', `/envs/${prod}/audit-logs?creatorId=${owner.memberId}`)).items.map((e: any) => e.id)).toEqual(
      ensign.filter((e: any) => e.actor.kind === 'member').map((e: any) => e.id),
    );
    expect(data(await fb('GET', `/envs/${prod}/audit-logs?refType=FeatureFlag&from=${T0 + 3000}&to=${T0 + 4000}`)).items.map((e: any) => e.operation)).toEqual(['Archive', 'Update']);
    // Empty filters are no filters, as FeatBit's.
    expect(data(await fb('GET', `/envs/${prod}/audit-logs?refType=&refId=&query=`)).totalCount).toBe(page.totalCount);
    // The dev entry shows only across environments.
    expect(page.items.some((e: any) => e.refType === 'FeatureFlag' && JSON.parse(e.dataChange.current || '{}').key === 'dev-only')).toBe(false);
    const across = data(await fb('GET', `/envs/${prod}/audit-logs?crossEnvironment=true&refType=FeatureFlag&query=dev-only`));
    expect(across.totalCount).toBe(1);
  });

  it('audit log guard: CanAccessEnv on that environment; across environments only entries the caller could read; other organizations are 404', async () => {
    const o = as(t, owner);
    const web = expectOk(await o('POST', '/projects', { key: 'web', name: 'Web' }));
    const prod = web.environments.find((e: any) => e.key === 'prod').id;
    const dev = web.environments.find((e: any) => e.key === 'dev').id;
    data(await fb('POST', `/envs/${prod}/feature-flags`, { key: 'open', name: 'Open' }));
    data(await fb('POST', `/envs/${dev}/feature-flags`, { key: 'in-dev', name: 'In dev' }));
    const reader = featbitClient(t, await serviceToken(t, owner, 'prod-reader', [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }]));
    const seen = data(await reader('GET', `/envs/${prod}/audit-logs?refType=FeatureFlag`));
    expect(seen.items.map((e: any) => JSON.parse(e.dataChange.current).key)).toEqual(['open']);
    expect(await reader('GET', `/envs/${dev}/audit-logs`)).toMatchObject({ status: 403, body: failure('Forbidden') });
    // crossEnvironment widens the environments, never the rights: the dev flag stays hidden from this reader.
    const across = data(await reader('GET', `/envs/${prod}/audit-logs?crossEnvironment=true&refType=FeatureFlag`));
    expect(across.items.map((e: any) => JSON.parse(e.dataChange.current).key)).toEqual(['open']);
    expect(data(await fb('GET', `/envs/${prod}/audit-logs?crossEnvironment=true&refType=FeatureFlag`)).items.map((e: any) => JSON.parse(e.dataChange.current).key)).toEqual(['in-dev', 'open']);

    const other = expectOk(await o('POST', '/organizations', { name: 'Other' }));
    const inOther = as(t, { auth: owner.auth, orgId: other.id });
    const otherProd = expectOk(await inOther('POST', '/projects', { key: 'web', name: 'Web' })).environments[0].id;
    expect(await fb('GET', `/envs/${otherProd}/audit-logs`)).toMatchObject({ status: 404, body: failure('ResourceNotFound') });
    expect(await fb('GET', '/envs/00000000-0000-0000-0000-000000000000/audit-logs')).toMatchObject({ status: 404, body: failure('ResourceNotFound') });
  });
});

// The IAM API, one integration test group per route family, with the denied cases and escalation attempts named after the attack.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_POLICIES } from '../../src/policy/builtin-policies.ts';
import type { Statement } from '../../src/policy/statement.ts';
import { addMember, as, expectOk, login, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

type Caller = ReturnType<typeof as>;
type NewStatement = Omit<Statement, 'id'>;

const failure = (...errors: string[]) => ({ success: false, errors, data: null });
const FORBIDDEN = failure('Forbidden');
const EXCEEDS = failure('Forbidden', 'PermissionsExceedCaller');
const NOT_FOUND = failure('ResourceNotFound');
const LAST_OWNER = failure('LastOwner');
const SYS_MANAGED = failure('CannotModifySysManagedPolicy');

const IAM_ONLY: NewStatement[] = [{ resourceType: 'iam', effect: 'allow', actions: ['CanManageIAM'], resources: ['iam/*'] }];
const EVERYTHING: NewStatement[] = [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }];
const WEB_FLAGS: NewStatement[] = [{ resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/web:env/*:flag/*'] }];

interface World {
  t: TestApp;
  owner: Session;
  /** The owner acting in the first organization. */
  call: Caller;
  builtin: { owner: string; administrator: string; developer: string };
  /** A second organization (the same owner created it), with a member, a group and a custom policy of its own. */
  other: { orgId: string; ownerMemberId: string; memberId: string; groupId: string; policyId: string; builtinOwnerId: string };
}

async function world(t: TestApp): Promise<World> {
  const owner = await setupOwner(t);
  const call = as(t, owner);
  const policies = expectOk(await call('GET', '/policies?pageSize=100')).items;
  const id = (key: string) => policies.find((p: any) => p.key === key).id as string;
  const builtin = { owner: id('owner'), administrator: id('administrator'), developer: id('developer') };

  const org = expectOk(await call('POST', '/organizations', { name: 'Other' }));
  const inOther = as(t, { auth: owner.auth, orgId: org.id });
  const otherPolicies = expectOk(await inOther('GET', '/policies?pageSize=100')).items;
  const otherMembers = expectOk(await inOther('GET', '/members')).items;
  const { member } = expectOk(await inOther('POST', '/members', { email: 'other-member@example.com', name: 'Other Member' }));
  const group = expectOk(await inOther('POST', '/groups', { name: 'Other group' }));
  const policy = expectOk(await inOther('POST', '/policies', { name: 'Other policy', key: 'other-policy', statements: WEB_FLAGS }));
  return {
    t,
    owner,
    call,
    builtin,
    other: {
      orgId: org.id,
      ownerMemberId: otherMembers[0].id,
      memberId: member.id,
      groupId: group.id,
      policyId: policy.id,
      builtinOwnerId: otherPolicies.find((p: any) => p.key === 'owner').id,
    },
  };
}

/** Everything IAM holds in both organizations, read through the API as their owner, plus the user accounts. */
async function snapshot(w: World, viewer: Session = w.owner) {
  const orgs: Record<string, unknown> = {};
  for (const orgId of [w.owner.orgId, w.other.orgId]) {
    const c = as(w.t, { auth: orgId === w.owner.orgId ? viewer.auth : w.owner.auth, orgId });
    const members = expectOk(await c('GET', '/members?pageSize=100'));
    const policies = expectOk(await c('GET', '/policies?pageSize=100'));
    const groups = expectOk(await c('GET', '/groups?pageSize=100'));
    orgs[orgId] = {
      members,
      policies,
      groups: await Promise.all(
        groups.items.map(async (g: any) => ({
          group: expectOk(await c('GET', `/groups/${g.id}`)),
          members: expectOk(await c('GET', `/groups/${g.id}/members?pageSize=1000`)),
          policies: expectOk(await c('GET', `/groups/${g.id}/policies?pageSize=1000`)),
        })),
      ),
      memberPolicies: await Promise.all(members.items.map(async (m: any) => expectOk(await c('GET', `/members/${m.id}/policies`)))),
      orgs: expectOk(await c('GET', '/organizations')),
    };
  }
  const users = await w.t.db.kysely.selectFrom('users').select(['email', 'name', 'password_hash']).orderBy('email').execute();
  return { orgs, users };
}

/** Runs the attempt, expects it refused with exactly `body`, and checks that nothing at all changed. */
async function refusedAndUnchanged(w: World, attempt: () => Promise<{ status: number; body: any }>, status: number, body: unknown, viewer?: Session) {
  const before = await snapshot(w, viewer);
  const res = await attempt();
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual(body);
  expect(await snapshot(w, viewer)).toEqual(before);
}

const policyKeys = async (call: Caller, memberId: string) =>
  expectOk(await call('GET', `/members/${memberId}`))
    .policies.map((p: any) => p.key)
    .sort();

describe.each(backends)('IAM API (%s)', (backend) => {
  let t: TestApp;
  let w: World;

  beforeEach(async () => {
    t = await makeApp(backend);
    w = await world(t);
  });
  afterEach(async () => {
    await t.close();
  });

  describe('members', () => {
    it('add (default policies, or the given ones), list, search, read, refuse a duplicate, remove', async () => {
      const { call, builtin } = w;
      const added = expectOk(await call('POST', '/members', { email: 'Dana@Example.com', name: 'Dana' }));
      const dev = added.member;
      expect(dev).toMatchObject({
        id: expect.any(String),
        name: 'Dana',
        email: 'dana@example.com',
        status: 'Invited',
        initialPassword: null,
        invitorId: w.owner.memberId,
        policies: [{ id: builtin.developer, key: 'developer', name: 'Developer' }],
        groups: [],
      });
      expect(added.invitation).toEqual({ id: expect.any(String), code: expect.stringMatching(/^ens_inv_/), url: `/invite#${added.invitation.code}`, expiresAt: expect.any(String) });
      const group = expectOk(await call('POST', '/groups', { name: 'Ops' }));
      const { member: admin, invitation } = expectOk(await call('POST', '/members', { email: 'alex@example.com', name: 'Alex', policyIds: [builtin.administrator], groupIds: [group.id] }));
      expect(admin.policies.map((p: any) => p.key)).toEqual(['administrator']);
      // FeatBit's MemberGroupVm.
      expect(admin.groups).toEqual([{ id: group.id, name: 'Ops', description: '', memberId: admin.id, isGroupMember: true }]);
      // Alex redeems the code with a password of Alex's own, then signs in with it as an Active member.
      expectOk(await t.call('POST', '/api/v1/invitations/redeem', { body: { code: invitation.code, name: 'Alex', password: 'alexs-own-password' } }));
      await login(t, 'alex@example.com', 'alexs-own-password');
      expect(expectOk(await call('GET', `/members/${admin.id}`))).toMatchObject({ status: 'Active', name: 'Alex' });

      const all = expectOk(await call('GET', '/members'));
      expect(all.totalCount).toBe(3);
      expect(all.items.map((m: any) => m.email).sort()).toEqual(['alex@example.com', 'dana@example.com', 'owner@example.com']);
      const found = expectOk(await call('GET', '/members?searchText=DAN'));
      expect(found).toEqual({ totalCount: 1, items: [expect.objectContaining({ id: dev.id })] });
      // LIKE wildcards in the search text are literal.
      expect(expectOk(await call('GET', '/members?searchText=%25')).totalCount).toBe(0);
      expect(expectOk(await call('GET', '/members?searchText=_')).totalCount).toBe(0);
      const paged = expectOk(await call('GET', '/members?pageSize=2&pageIndex=1'));
      expect(paged.totalCount).toBe(3);
      expect(paged.items).toHaveLength(1);
      expect(expectOk(await call('GET', `/members/${dev.id}`))).toEqual(dev);

      const dup = await call('POST', '/members', { email: 'dana@example.com', name: 'Dana again' });
      expect(dup.status).toBe(409);
      expect(dup.body).toEqual(failure('Conflict'));

      expect(expectOk(await call('DELETE', `/members/${dev.id}`))).toBe(true);
      expect((await call('GET', `/members/${dev.id}`)).status).toBe(404);
      expect(expectOk(await call('GET', '/members')).totalCount).toBe(2);
    });

    it("a member may read their own record and policies without CanManageIAM, nobody else's", async () => {
      const dev = await addMember(t, w.owner, { policyIds: [w.builtin.developer] });
      const call = as(t, dev);
      expect(expectOk(await call('GET', `/members/${dev.memberId}`)).email).toBe(dev.email);
      expect(expectOk(await call('GET', `/members/${dev.memberId}/policies`)).map((p: any) => p.key)).toEqual(['developer']);
      expect(await call('GET', `/members/${w.owner.memberId}`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', `/members/${w.owner.memberId}/policies`)).toMatchObject({ status: 403, body: FORBIDDEN });
    });

    it('without a credential every member route is 401', async () => {
      const m = w.owner.memberId;
      const p = w.builtin.developer;
      for (const [method, url] of [
        ['GET', '/members'],
        ['POST', '/members'],
        ['GET', `/members/${m}`],
        ['DELETE', `/members/${m}`],
        ['PUT', `/members/${m}/add-policy/${p}`],
        ['PUT', `/members/${m}/remove-policy/${p}`],
        ['GET', `/members/${m}/policies`],
      ]) {
        const res = await t.call(method, `/api/v1${url}`, { headers: { organization: w.owner.orgId }, body: method === 'POST' ? { email: 'x@example.com', name: 'X' } : undefined });
        expect(res.status, `${method} ${url}`).toBe(401);
        expect(res.body).toEqual(failure('Unauthorized'));
      }
    });

    it('a Developer (no CanManageIAM) is refused every member change with 403, and nothing changes', async () => {
      const dev = await addMember(t, w.owner, { policyIds: [w.builtin.developer] });
      const call = as(t, dev);
      expect(await call('GET', '/members')).toMatchObject({ status: 403, body: FORBIDDEN });
      await refusedAndUnchanged(w, () => call('POST', '/members', { email: 'sneaky@example.com', name: 'Sneaky' }), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('DELETE', `/members/${w.owner.memberId}`), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('PUT', `/members/${dev.memberId}/add-policy/${w.builtin.administrator}`), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('PUT', `/members/${w.owner.memberId}/remove-policy/${w.builtin.owner}`), 403, FORBIDDEN);
      expect((await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: 'sneaky@example.com', password: 'member-password' } })).status).toBe(401);
    });

    it("another organization's member and policy ids are 404 from this organization, even for its owner, and nothing changes", async () => {
      const { call, other } = w;
      const mine = await addMember(t, w.owner, { policyIds: [w.builtin.developer] });
      for (const [method, url] of [
        ['GET', `/members/${other.memberId}`],
        ['GET', `/members/${other.memberId}/policies`],
        ['PUT', `/members/${other.memberId}/add-policy/${w.builtin.developer}`],
        ['PUT', `/members/${other.ownerMemberId}/remove-policy/${other.builtinOwnerId}`],
      ]) {
        expect(await call(method, url), `${method} ${url}`).toMatchObject({ status: 404, body: NOT_FOUND });
      }
      await refusedAndUnchanged(w, () => call('DELETE', `/members/${other.memberId}`), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('PUT', `/members/${mine.memberId}/add-policy/${other.policyId}`), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('PUT', `/members/${mine.memberId}/add-policy/${other.builtinOwnerId}`), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('POST', '/members', { email: 'x@example.com', name: 'X', policyIds: [other.policyId] }), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('POST', '/members', { email: 'x@example.com', name: 'X', groupIds: [other.groupId] }), 404, NOT_FOUND);
      // An id that exists nowhere gets the same answer.
      expect(await call('GET', '/members/00000000-0000-0000-0000-000000000000')).toMatchObject({ status: 404, body: NOT_FOUND });
    });

    it('escalation: an Administrator (CanManageIAM, not Owner) attaching Owner to themself is 403 and nothing changes', async () => {
      const admin = await addMember(t, w.owner, { policyIds: [w.builtin.administrator] });
      const call = as(t, admin);
      await refusedAndUnchanged(w, () => call('PUT', `/members/${admin.memberId}/add-policy/${w.builtin.owner}`), 403, EXCEEDS);
      expect(await policyKeys(w.call, admin.memberId)).toEqual(['administrator']);
      // Still an Administrator: the refusal was about Owner, not about IAM.
      expect((await call('GET', '/members')).status).toBe(200);
    });

    it('escalation: an Administrator inviting a new member with Owner (an accomplice) is 403 and no member or code appears', async () => {
      const admin = await addMember(t, w.owner, { policyIds: [w.builtin.administrator] });
      await refusedAndUnchanged(w, () => as(t, admin)('POST', '/members', { email: 'accomplice@example.com', name: 'Accomplice', policyIds: [w.builtin.owner] }), 403, EXCEEDS);
    });

    it('escalation: an Administrator cannot demote or remove the Owner', async () => {
      const admin = await addMember(t, w.owner, { policyIds: [w.builtin.administrator] });
      const call = as(t, admin);
      await refusedAndUnchanged(w, () => call('PUT', `/members/${w.owner.memberId}/remove-policy/${w.builtin.owner}`), 403, EXCEEDS);
      await refusedAndUnchanged(w, () => call('DELETE', `/members/${w.owner.memberId}`), 403, EXCEEDS);
    });

    it('escalation: a member holding only CanManageIAM cannot give themself anything more', async () => {
      const iam = await addMember(t, w.owner, { statements: IAM_ONLY });
      const call = as(t, iam);
      for (const policyId of [w.builtin.developer, w.builtin.administrator, w.builtin.owner]) {
        await refusedAndUnchanged(w, () => call('PUT', `/members/${iam.memberId}/add-policy/${policyId}`), 403, EXCEEDS);
      }
      // What they hold themselves they may hand out.
      const peer = expectOk(await call('POST', '/members', { email: 'peer@example.com', name: 'Peer', policyIds: [] })).member;
      const own = expectOk(await call('GET', `/members/${iam.memberId}`)).policies[0].id;
      expect(expectOk(await call('PUT', `/members/${peer.id}/add-policy/${own}`)).policies.map((p: any) => p.id)).toEqual([own]);
    });

    it('attaching and detaching a policy takes effect at once and is idempotent', async () => {
      const m = await addMember(t, w.owner, { policyIds: [] });
      expect((await as(t, m)('GET', '/members')).status).toBe(403);
      const iamPolicy = expectOk(await w.call('POST', '/policies', { name: 'IAM', key: 'iam', statements: IAM_ONLY })).id;
      expectOk(await w.call('PUT', `/members/${m.memberId}/add-policy/${iamPolicy}`));
      const again = expectOk(await w.call('PUT', `/members/${m.memberId}/add-policy/${iamPolicy}`));
      expect(again.policies.map((p: any) => p.key)).toEqual(['iam']);
      expect((await as(t, m)('GET', '/members')).status).toBe(200);
      expectOk(await w.call('PUT', `/members/${m.memberId}/remove-policy/${iamPolicy}`));
      expect(expectOk(await w.call('PUT', `/members/${m.memberId}/remove-policy/${iamPolicy}`)).policies).toEqual([]);
      expect((await as(t, m)('GET', '/members')).status).toBe(403);
    });

    it('removing the last Owner is 422 LastOwner (delete, remove-policy) and nothing changes; with a second Owner it works', async () => {
      const { call } = w;
      await refusedAndUnchanged(w, () => call('DELETE', `/members/${w.owner.memberId}`), 422, LAST_OWNER);
      await refusedAndUnchanged(w, () => call('PUT', `/members/${w.owner.memberId}/remove-policy/${w.builtin.owner}`), 422, LAST_OWNER);
      // Still the Owner, still able to act.
      expect(await policyKeys(call, w.owner.memberId)).toEqual(['owner']);

      const second = await addMember(t, w.owner, { policyIds: [w.builtin.owner] });
      expectOk(await call('PUT', `/members/${w.owner.memberId}/remove-policy/${w.builtin.owner}`));
      // Now the second Owner is the last one.
      await refusedAndUnchanged(w, () => as(t, second)('DELETE', `/members/${second.memberId}`), 422, LAST_OWNER, second);
    });

    it('removing a member ends their access: their session is 403 for that organization and their personal token stops working', async () => {
      const dev = await addMember(t, w.owner, { policyIds: [w.builtin.administrator] });
      const call = as(t, dev);
      const token = expectOk(await call('POST', '/access-tokens', { name: 'mine', type: 'Personal', permissions: [] }));
      expect((await call('GET', '/members')).status).toBe(200);
      expect((await t.call('GET', '/api/v1/members', { auth: token.secret })).status).toBe(200);

      expect(expectOk(await w.call('DELETE', `/members/${dev.memberId}`))).toBe(true);

      for (const url of ['/members', '/policies', '/user/permissions', `/members/${dev.memberId}`]) {
        expect(await call('GET', url), url).toMatchObject({ status: 403, body: FORBIDDEN });
      }
      expect(await call('POST', '/groups', { name: 'after removal' })).toMatchObject({ status: 403 });
      expect((await t.call('GET', '/api/v1/members', { auth: token.secret })).status).toBe(403);
      expect(expectOk(await w.call('GET', '/groups')).totalCount).toBe(0);
      // The account remains and can be invited back: a new member, with no access until the person accepts with their own session.
      const back = expectOk(await w.call('POST', '/members', { email: dev.email, name: 'Back', policyIds: [] }));
      expect(back.member).toMatchObject({ status: 'Invited' });
      expect(back.member.id).not.toBe(dev.memberId);
      const again = await login(t, dev.email, 'member-password');
      expect((await as(t, { auth: again, orgId: w.owner.orgId })('GET', '/user/permissions')).status).toBe(403);
      expectOk(await t.call('POST', '/api/v1/invitations/redeem', { auth: again, body: { code: back.invitation.code } }));
      expect(expectOk(await as(t, { auth: again, orgId: w.owner.orgId })('GET', '/user/permissions')).memberId).toBe(back.member.id);
    });
  });

  describe('groups', () => {
    it("create, list, read, rename, add/remove members and policies, delete; members inherit the group's policies", async () => {
      const { call } = w;
      const m = await addMember(t, w.owner, { policyIds: [] });
      const iamPolicy = expectOk(await call('POST', '/policies', { name: 'IAM', key: 'iam', statements: IAM_ONLY })).id;

      const g = expectOk(await call('POST', '/groups', { name: 'Platform', description: 'The platform team' }));
      expect(g).toEqual({ id: expect.any(String), name: 'Platform', description: 'The platform team', updatedAt: expect.any(String) });
      const groupMembers = async () => expectOk(await call('GET', `/groups/${g.id}/members`)).items;
      const groupPolicies = async () => expectOk(await call('GET', `/groups/${g.id}/policies`)).items;
      expect([await groupMembers(), await groupPolicies()]).toEqual([[], []]);
      // A taken name, in any letter case, is FeatBit's 422 NameHasBeenUsed.
      expect(await call('POST', '/groups', { name: 'Platform' })).toMatchObject({ status: 422, body: failure('NameHasBeenUsed') });
      expect(await call('POST', '/groups', { name: 'PLATFORM' })).toMatchObject({ status: 422, body: failure('NameHasBeenUsed') });
      expectOk(await call('POST', '/groups', { name: 'Support' }));

      expect(expectOk(await call('PUT', `/groups/${g.id}/add-member/${m.memberId}`))).toBe(true);
      expect(await groupMembers()).toEqual([{ id: m.memberId, name: expect.any(String), email: m.email, isGroupMember: true }]);
      expect((await as(t, m)('GET', '/members')).status).toBe(403);
      expect(expectOk(await call('PUT', `/groups/${g.id}/add-policy/${iamPolicy}`))).toBe(true);
      expect(await groupPolicies()).toEqual([{ id: iamPolicy, name: 'IAM', type: 'CustomerManaged', description: '', isGroupPolicy: true }]);
      // Inherited through the group, effective at once.
      expect((await as(t, m)('GET', '/members')).status).toBe(200);

      const list = expectOk(await call('GET', '/groups'));
      expect(list.totalCount).toBe(2);
      expect(list.items.find((x: any) => x.id === g.id)).toEqual({ id: g.id, name: 'Platform', description: 'The platform team', updatedAt: g.updatedAt });
      expect(expectOk(await call('GET', '/groups?name=plat')).items.map((x: any) => x.id)).toEqual([g.id]);

      const renamed = expectOk(await call('PUT', `/groups/${g.id}`, { name: 'Platform team' }));
      expect(renamed).toEqual({ id: g.id, name: 'Platform team', description: 'The platform team', updatedAt: expect.any(String) });
      expect(expectOk(await call('GET', `/groups/${g.id}`))).toEqual(renamed);
      expect(await call('PUT', `/groups/${g.id}`, { name: 'Support' })).toMatchObject({ status: 422, body: failure('NameHasBeenUsed') });
      expect(expectOk(await call('GET', `/groups/${g.id}`))).toEqual(renamed);

      expect(expectOk(await call('PUT', `/groups/${g.id}/remove-policy/${iamPolicy}`))).toBe(true);
      expect(await groupPolicies()).toEqual([]);
      expect((await as(t, m)('GET', '/members')).status).toBe(403);
      expectOk(await call('PUT', `/groups/${g.id}/add-policy/${iamPolicy}`));
      expect(expectOk(await call('PUT', `/groups/${g.id}/remove-member/${m.memberId}`))).toBe(true);
      expect(await groupMembers()).toEqual([]);
      expect((await as(t, m)('GET', '/members')).status).toBe(403);

      expectOk(await call('PUT', `/groups/${g.id}/add-member/${m.memberId}`));
      expect(expectOk(await call('DELETE', `/groups/${g.id}`))).toBe(true);
      expect(await call('GET', `/groups/${g.id}`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(expectOk(await call('GET', `/members/${m.memberId}`)).groups).toEqual([]);
      expect((await as(t, m)('GET', '/members')).status).toBe(403);
    });

    it('without a credential every group route is 401', async () => {
      const g = expectOk(await w.call('POST', '/groups', { name: 'G' })).id;
      for (const [method, url] of [
        ['GET', '/groups'],
        ['POST', '/groups'],
        ['GET', `/groups/${g}`],
        ['PUT', `/groups/${g}`],
        ['DELETE', `/groups/${g}`],
        ['PUT', `/groups/${g}/add-member/${w.owner.memberId}`],
        ['PUT', `/groups/${g}/remove-member/${w.owner.memberId}`],
        ['PUT', `/groups/${g}/add-policy/${w.builtin.developer}`],
        ['PUT', `/groups/${g}/remove-policy/${w.builtin.developer}`],
        ['GET', `/groups/${g}/members`],
        ['GET', `/groups/${g}/policies`],
        ['GET', '/groups/is-name-used?name=G'],
      ]) {
        const res = await t.call(method, `/api/v1${url}`, {
          headers: { organization: w.owner.orgId },
          body: method === 'POST' || (method === 'PUT' && url === `/groups/${g}`) ? { name: 'X' } : undefined,
        });
        expect(res.status, `${method} ${url}`).toBe(401);
        expect(res.body).toEqual(failure('Unauthorized'));
      }
    });

    it('a Developer (no CanManageIAM) is refused every group route with 403, and nothing changes', async () => {
      const dev = await addMember(t, w.owner, { policyIds: [w.builtin.developer] });
      const g = expectOk(await w.call('POST', '/groups', { name: 'G' })).id;
      const call = as(t, dev);
      expect(await call('GET', '/groups')).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', `/groups/${g}`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', `/groups/${g}/members`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', `/groups/${g}/policies?getAllPolicies=true`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', '/groups/is-name-used?name=G')).toMatchObject({ status: 403, body: FORBIDDEN });
      await refusedAndUnchanged(w, () => call('POST', '/groups', { name: 'Mine' }), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${g}`, { name: 'Renamed' }), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('DELETE', `/groups/${g}`), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${g}/add-member/${dev.memberId}`), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${g}/add-policy/${w.builtin.developer}`), 403, FORBIDDEN);
    });

    it("another organization's group, member and policy ids are 404, and nothing changes", async () => {
      const { call, other } = w;
      const g = expectOk(await call('POST', '/groups', { name: 'Mine' })).id;
      expect(await call('GET', `/groups/${other.groupId}`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await call('GET', `/groups/${other.groupId}/members?getAllMembers=true`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await call('GET', `/groups/${other.groupId}/policies?getAllPolicies=true`)).toMatchObject({ status: 404, body: NOT_FOUND });
      // Listing every member or policy "for" one's own group shows only one's own organization's.
      expect(expectOk(await call('GET', `/groups/${g}/members?getAllMembers=true`)).items.map((x: any) => x.id)).toEqual([w.owner.memberId]);
      expect(
        expectOk(await call('GET', `/groups/${g}/policies?getAllPolicies=true&pageSize=100`))
          .items.map((x: any) => x.id)
          .sort(),
      ).toEqual(Object.values(w.builtin).sort());
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${other.groupId}`, { name: 'Taken over' }), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('DELETE', `/groups/${other.groupId}`), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${other.groupId}/add-member/${w.owner.memberId}`), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${g}/add-member/${other.memberId}`), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${g}/add-policy/${other.policyId}`), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${other.groupId}/add-policy/${w.builtin.owner}`), 404, NOT_FOUND);
      expect(expectOk(await call('GET', '/groups')).items.map((x: any) => x.id)).toEqual([g]);
    });

    it('escalation: an Administrator adding themself to a group that holds Owner is 403 and nothing changes', async () => {
      const admin = await addMember(t, w.owner, { policyIds: [w.builtin.administrator] });
      const owners = expectOk(await w.call('POST', '/groups', { name: 'Owners' })).id;
      expectOk(await w.call('PUT', `/groups/${owners}/add-policy/${w.builtin.owner}`));
      const call = as(t, admin);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${owners}/add-member/${admin.memberId}`), 403, EXCEEDS);

      // Nor through a group of their own: attaching Owner to it is refused too.
      const mine = expectOk(await call('POST', '/groups', { name: 'Mine' })).id;
      expectOk(await call('PUT', `/groups/${mine}/add-member/${admin.memberId}`));
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${mine}/add-policy/${w.builtin.owner}`), 403, EXCEEDS);
      // Nor by creating a member straight into the Owners group.
      await refusedAndUnchanged(w, () => call('POST', '/members', { email: 'acc@example.com', name: 'Acc', policyIds: [], groupIds: [owners] }), 403, EXCEEDS);
      // Nor by tearing down the Owners group or pulling the Owner out of it.
      await refusedAndUnchanged(w, () => call('DELETE', `/groups/${owners}`), 403, EXCEEDS);
      expect(await policyKeys(w.call, admin.memberId)).toEqual(['administrator']);
    });

    it('removing the last Owner through a group is 422 LastOwner (remove-member, remove-policy, delete) and nothing changes', async () => {
      const { call } = w;
      const owners = expectOk(await call('POST', '/groups', { name: 'Owners' })).id;
      expectOk(await call('PUT', `/groups/${owners}/add-policy/${w.builtin.owner}`));
      expectOk(await call('PUT', `/groups/${owners}/add-member/${w.owner.memberId}`));
      const owner = BUILTIN_POLICIES.find((x) => x.key === 'owner')!;
      // Each item is FeatBit's PolicyVm, with where it comes from.
      const ownerPolicyVm = { id: w.builtin.owner, key: 'owner', name: 'Owner', type: 'SysManaged', description: owner.description, statements: owner.statements, updatedAt: expect.any(String) };
      // Owner only through the group now: dropping the direct policy is fine.
      expectOk(await call('PUT', `/members/${w.owner.memberId}/remove-policy/${w.builtin.owner}`));
      expect(expectOk(await call('GET', `/members/${w.owner.memberId}/policies`))).toEqual([{ ...ownerPolicyVm, inherited: true, groupId: owners, groupName: 'Owners' }]);

      await refusedAndUnchanged(w, () => call('PUT', `/groups/${owners}/remove-member/${w.owner.memberId}`), 422, LAST_OWNER);
      await refusedAndUnchanged(w, () => call('PUT', `/groups/${owners}/remove-policy/${w.builtin.owner}`), 422, LAST_OWNER);
      await refusedAndUnchanged(w, () => call('DELETE', `/groups/${owners}`), 422, LAST_OWNER);
      await refusedAndUnchanged(w, () => call('DELETE', `/members/${w.owner.memberId}`), 422, LAST_OWNER);
    });
  });

  describe('policies', () => {
    it('create, list, filter, read, change settings and statements, clone, delete (detaching it from everyone)', async () => {
      const { call } = w;
      const created = expectOk(await call('POST', '/policies', { name: 'Web flags', key: 'web-flags', description: 'flags of web', statements: WEB_FLAGS }));
      expect(created).toMatchObject({ key: 'web-flags', name: 'Web flags', description: 'flags of web', type: 'CustomerManaged' });
      expect(created.statements).toEqual([{ id: expect.any(String), ...WEB_FLAGS[0] }]);
      // A taken key, in any letter case, is FeatBit's 422 KeyHasBeenUsed.
      expect(await call('POST', '/policies', { name: 'Again', key: 'web-flags' })).toMatchObject({ status: 422, body: failure('KeyHasBeenUsed') });
      expect(await call('POST', '/policies', { name: 'Again', key: 'Web-Flags' })).toMatchObject({ status: 422, body: failure('KeyHasBeenUsed') });

      const list = expectOk(await call('GET', '/policies'));
      expect(list.totalCount).toBe(4);
      expect(list.items.map((p: any) => p.key)).toEqual(expect.arrayContaining(['owner', 'administrator', 'developer', 'web-flags']));
      expect(expectOk(await call('GET', '/policies?name=WEB')).items.map((p: any) => p.id)).toEqual([created.id]);
      expect(expectOk(await call('GET', `/policies/${created.id}`))).toEqual(created);

      const settings = expectOk(await call('PUT', `/policies/${created.id}/settings`, { name: 'Web', description: 'all web flags' }));
      expect(settings).toMatchObject({ key: 'web-flags', name: 'Web', description: 'all web flags', statements: created.statements });

      const newStatements = [...WEB_FLAGS, { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/*'] }, ...IAM_ONLY];
      const updated = expectOk(await call('PUT', `/policies/${created.id}/statements`, newStatements));
      expect(updated.statements.map(({ id, ...s }: any) => s)).toEqual(newStatements);
      expect(updated.name).toBe('Web');

      // A member holding it gains the new statements at once.
      const m = await addMember(t, w.owner, { policyIds: [created.id] });
      expect((await as(t, m)('GET', '/members')).status).toBe(200);

      const clone = expectOk(await call('POST', `/policies/${created.id}/clone`, { name: 'Web copy', key: 'web-copy' }));
      expect(clone).toMatchObject({ key: 'web-copy', name: 'Web copy', description: 'all web flags', type: 'CustomerManaged', statements: updated.statements });
      expect(clone.id).not.toBe(created.id);
      const devClone = expectOk(await call('POST', `/policies/${w.builtin.developer}/clone`, { name: 'My developer', key: 'my-dev' }));
      expect(devClone.type).toBe('CustomerManaged');
      expect(devClone.statements).toEqual(expectOk(await call('GET', `/policies/${w.builtin.developer}`)).statements);
      expect(await call('POST', `/policies/${created.id}/clone`, { name: 'Dup', key: 'web-flags' })).toMatchObject({ status: 422, body: failure('KeyHasBeenUsed') });

      const g = expectOk(await call('POST', '/groups', { name: 'G' })).id;
      expectOk(await call('PUT', `/groups/${g}/add-policy/${created.id}`));
      expect(expectOk(await call('DELETE', `/policies/${created.id}`))).toBe(true);
      expect(await call('GET', `/policies/${created.id}`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(expectOk(await call('GET', `/members/${m.memberId}`)).policies).toEqual([]);
      expect(expectOk(await call('GET', `/groups/${g}/policies`)).items).toEqual([]);
      expect((await as(t, m)('GET', '/members')).status).toBe(403);
      // The clone is independent of its source.
      expect(expectOk(await call('GET', `/policies/${clone.id}`)).statements).toEqual(updated.statements);
    });

    it('without a credential every policy route is 401', async () => {
      const p = w.builtin.developer;
      for (const [method, url, body] of [
        ['GET', '/policies'],
        ['POST', '/policies', { name: 'x', key: 'x' }],
        ['GET', `/policies/${p}`],
        ['DELETE', `/policies/${p}`],
        ['PUT', `/policies/${p}/settings`, { name: 'x' }],
        ['PUT', `/policies/${p}/statements`, []],
        ['POST', `/policies/${p}/clone`, { name: 'x', key: 'x' }],
        ['POST', '/policies/clone/developer', { originPolicyType: 'SysManaged', name: 'x', key: 'x' }],
        ['GET', `/policies/${p}/members`],
        ['GET', `/policies/${p}/groups`],
        ['GET', '/policies/is-key-used?key=x'],
      ] as const) {
        const res = await t.call(method, `/api/v1${url}`, { headers: { organization: w.owner.orgId }, body });
        expect(res.status, `${method} ${url}`).toBe(401);
        expect(res.body).toEqual(failure('Unauthorized'));
      }
    });

    it('a Developer (no CanManageIAM) is refused every policy route with 403, and nothing changes', async () => {
      const dev = await addMember(t, w.owner, { policyIds: [w.builtin.developer] });
      const custom = expectOk(await w.call('POST', '/policies', { name: 'Custom', key: 'custom', statements: WEB_FLAGS })).id;
      const call = as(t, dev);
      expect(await call('GET', '/policies')).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', `/policies/${custom}`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', `/policies/${custom}/members?getAllMembers=true`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', `/policies/${custom}/groups?getAllGroups=true`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await call('GET', '/policies/is-key-used?key=custom')).toMatchObject({ status: 403, body: FORBIDDEN });
      await refusedAndUnchanged(w, () => call('POST', '/policies/clone/custom', { originPolicyType: 'CustomerManaged', name: 'Copy', key: 'copy' }), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('POST', '/policies', { name: 'Mine', key: 'mine', statements: WEB_FLAGS }), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('PUT', `/policies/${custom}/settings`, { name: 'Renamed' }), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('PUT', `/policies/${custom}/statements`, EVERYTHING), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('POST', `/policies/${custom}/clone`, { name: 'Copy', key: 'copy' }), 403, FORBIDDEN);
      await refusedAndUnchanged(w, () => call('DELETE', `/policies/${custom}`), 403, FORBIDDEN);
    });

    it("another organization's policy ids are 404, and nothing changes", async () => {
      const { call, other } = w;
      expect(await call('GET', `/policies/${other.policyId}`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await call('GET', `/policies/${other.builtinOwnerId}`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await call('GET', `/policies/${other.policyId}/members?getAllMembers=true`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await call('GET', `/policies/${other.policyId}/groups?getAllGroups=true`)).toMatchObject({ status: 404, body: NOT_FOUND });
      // Clone by key looks only in the caller's organization: the other's custom key is not found here.
      await refusedAndUnchanged(w, () => call('POST', '/policies/clone/other-policy', { originPolicyType: 'CustomerManaged', name: 'Stolen', key: 'stolen' }), 404, NOT_FOUND);
      expect(expectOk(await call('GET', `/policies/${w.builtin.owner}/groups?getAllGroups=true`)).items).toEqual([]);
      await refusedAndUnchanged(w, () => call('PUT', `/policies/${other.policyId}/settings`, { name: 'Taken' }), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('PUT', `/policies/${other.policyId}/statements`, EVERYTHING), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('POST', `/policies/${other.policyId}/clone`, { name: 'Stolen', key: 'stolen' }), 404, NOT_FOUND);
      await refusedAndUnchanged(w, () => call('DELETE', `/policies/${other.policyId}`), 404, NOT_FOUND);
    });

    it('built-in policies cannot be changed, not even by the Owner: settings, statements, delete are 422 CannotModifySysManagedPolicy', async () => {
      for (const id of Object.values(w.builtin)) {
        await refusedAndUnchanged(w, () => w.call('PUT', `/policies/${id}/settings`, { name: 'Renamed', description: 'x' }), 422, SYS_MANAGED);
        await refusedAndUnchanged(w, () => w.call('PUT', `/policies/${id}/statements`, WEB_FLAGS), 422, SYS_MANAGED);
        await refusedAndUnchanged(w, () => w.call('PUT', `/policies/${id}/statements`, []), 422, SYS_MANAGED);
        await refusedAndUnchanged(w, () => w.call('DELETE', `/policies/${id}`), 422, SYS_MANAGED);
      }
    });

    it('invalid statements are a 400 and nothing changes: unknown action, action of another type, bad resource pattern, bad type or effect', async () => {
      const custom = expectOk(await w.call('POST', '/policies', { name: 'Custom', key: 'custom', statements: WEB_FLAGS })).id;
      const base = { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/prod:flag/*'] };
      const cases: [string, object, string][] = [
        ['unknown action', { ...base, actions: ['ToggleFlag', 'LaunchMissiles'] }, 'action_is_invalid'],
        ['action of another type', { ...base, actions: ['CreateProject'] }, 'action_is_invalid'],
        ['alias of another type', { ...base, actions: ['ManageSegment'] }, 'action_is_invalid'],
        ['resource without a key', { ...base, resources: ['project/web:env'] }, 'resource_is_invalid'],
        ['resource with an empty tag', { ...base, resources: ['project/web:env/prod:flag/x;'] }, 'resource_is_invalid'],
        ['resource with an empty type', { ...base, resources: ['/web'] }, 'resource_is_invalid'],
        ['tags on the * pattern', { ...base, resources: ['*;beta'] }, 'resource_is_invalid'],
        ['unknown resource type', { ...base, resourceType: 'database' }, 'resource_type_is_invalid'],
        ['unknown effect', { ...base, effect: 'maybe' }, 'effect_is_invalid'],
        ['no actions', { ...base, actions: [] }, 'actions_is_required'],
        ['no resources', { ...base, resources: [] }, 'resources_is_required'],
      ];
      for (const [what, statement, code] of cases) {
        const check = (res: { status: number; body: any }) => {
          expect(res.status, what).toBe(400);
          expect(res.body.errors, what).toContain(code);
          expect(res.body.data).toBeNull();
          return res;
        };
        const before = await snapshot(w);
        check(await w.call('PUT', `/policies/${custom}/statements`, [WEB_FLAGS[0], statement]));
        check(await w.call('POST', '/policies', { name: 'New', key: 'new', statements: [statement] }));
        expect(await snapshot(w), what).toEqual(before);
      }
      // An unknown field in a statement is refused by the schema.
      expect((await w.call('PUT', `/policies/${custom}/statements`, [{ ...base, condition: 'x' }])).status).toBe(400);
    });

    it('escalation: saving or creating statements the caller does not cover is 403 PermissionsExceedCaller, and nothing changes', async () => {
      const admin = await addMember(t, w.owner, { policyIds: [w.builtin.administrator] });
      const call = as(t, admin);
      // Administrator's patterns are per type; Owner's `*` is not inside any of them.
      await refusedAndUnchanged(w, () => call('POST', '/policies', { name: 'Root', key: 'root', statements: EVERYTHING }), 403, EXCEEDS);
      const mine = expectOk(await call('POST', '/policies', { name: 'Mine', key: 'mine', statements: WEB_FLAGS })).id;
      expectOk(await call('PUT', `/members/${admin.memberId}/add-policy/${mine}`));
      // Editing a policy one holds cannot widen it beyond what one holds.
      await refusedAndUnchanged(w, () => call('PUT', `/policies/${mine}/statements`, EVERYTHING), 403, EXCEEDS);
      await refusedAndUnchanged(w, () => call('POST', `/policies/${w.builtin.owner}/clone`, { name: 'Owner copy', key: 'owner-copy' }), 403, EXCEEDS);
      // FeatBit's clone by key is held to the same rule.
      await refusedAndUnchanged(w, () => call('POST', '/policies/clone/owner', { originPolicyType: 'SysManaged', name: 'Owner copy', key: 'owner-copy' }), 403, EXCEEDS);

      // A narrower IAM manager: CanManageIAM plus flags of project web only.
      const narrow = await addMember(t, w.owner, { statements: [...IAM_ONLY, ...WEB_FLAGS] });
      const n = as(t, narrow);
      const allFlags: NewStatement[] = [{ resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/*:env/*:flag/*'] }];
      await refusedAndUnchanged(w, () => n('POST', '/policies', { name: 'All flags', key: 'all-flags', statements: allFlags }), 403, EXCEEDS);
      await refusedAndUnchanged(w, () => n('POST', `/policies/${w.builtin.developer}/clone`, { name: 'Dev', key: 'dev-copy' }), 403, EXCEEDS);
      await refusedAndUnchanged(w, () => n('POST', '/policies/clone/developer', { originPolicyType: 'SysManaged', name: 'Dev', key: 'dev-copy' }), 403, EXCEEDS);
      // Within what they hold, they may.
      const inside: NewStatement[] = [{ resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/prod:flag/*'] }];
      const ok = expectOk(await n('POST', '/policies', { name: 'Prod toggles', key: 'prod-toggles', statements: inside }));
      await refusedAndUnchanged(w, () => n('PUT', `/policies/${ok.id}/statements`, allFlags), 403, EXCEEDS);
      // A deny the caller is under cannot be bypassed by handing out an allow it overlaps.
      const denied = await addMember(t, w.owner, {
        statements: [...IAM_ONLY, ...WEB_FLAGS, { resourceType: 'flag', effect: 'deny', actions: ['DeleteFlag'], resources: ['project/web:env/prod:flag/*'] }],
      });
      await refusedAndUnchanged(
        w,
        () =>
          as(t, denied)('POST', '/policies', { name: 'Del', key: 'del', statements: [{ resourceType: 'flag', effect: 'allow', actions: ['DeleteFlag'], resources: ['project/web:env/*:flag/*'] }] }),
        403,
        EXCEEDS,
      );
    });

    it('changing the statements of a policy someone holds changes what they may do at once', async () => {
      const p = expectOk(await w.call('POST', '/policies', { name: 'IAM', key: 'iam', statements: IAM_ONLY })).id;
      const m = await addMember(t, w.owner, { policyIds: [p] });
      expect((await as(t, m)('GET', '/members')).status).toBe(200);
      expectOk(await w.call('PUT', `/policies/${p}/statements`, WEB_FLAGS));
      expect((await as(t, m)('GET', '/members')).status).toBe(403);
      expectOk(await w.call('PUT', `/policies/${p}/statements`, [...IAM_ONLY, { ...IAM_ONLY[0], effect: 'deny' }]));
      expect((await as(t, m)('GET', '/members')).status).toBe(403); // deny wins
    });
  });

  describe('member policies', () => {
    it('GET /members/{id}/policies lists direct and inherited policies, each marked with its group', async () => {
      const { call, builtin } = w;
      const m = await addMember(t, w.owner, { policyIds: [builtin.developer] });
      const custom = expectOk(await call('POST', '/policies', { name: 'IAM', key: 'iam', statements: IAM_ONLY })).id;
      const g1 = expectOk(await call('POST', '/groups', { name: 'Admins' })).id;
      const g2 = expectOk(await call('POST', '/groups', { name: 'Auditors' })).id;
      expectOk(await call('PUT', `/groups/${g1}/add-policy/${builtin.administrator}`));
      expectOk(await call('PUT', `/groups/${g2}/add-policy/${custom}`));
      expectOk(await call('PUT', `/groups/${g2}/add-policy/${builtin.developer}`));
      expectOk(await call('PUT', `/groups/${g1}/add-member/${m.memberId}`));
      expectOk(await call('PUT', `/groups/${g2}/add-member/${m.memberId}`));

      const list = expectOk(await call('GET', `/members/${m.memberId}/policies`));
      const row = (key: string, inherited: boolean, groupId: string | null, groupName: string | null) => ({
        id: key === 'iam' ? custom : builtin[key as keyof typeof builtin],
        key,
        name: key === 'iam' ? 'IAM' : key[0].toUpperCase() + key.slice(1),
        type: key === 'iam' ? 'CustomerManaged' : 'SysManaged',
        // FeatBit's PolicyVm fields.
        description: key === 'iam' ? '' : BUILTIN_POLICIES.find((x) => x.key === key)!.description,
        statements: key === 'iam' ? IAM_ONLY.map((st) => ({ ...st, id: expect.any(String) })) : BUILTIN_POLICIES.find((x) => x.key === key)!.statements,
        updatedAt: expect.any(String),
        inherited,
        groupId,
        groupName,
      });
      expect(list).toHaveLength(4);
      expect(list).toEqual(
        expect.arrayContaining([row('developer', false, null, null), row('administrator', true, g1, 'Admins'), row('iam', true, g2, 'Auditors'), row('developer', true, g2, 'Auditors')]),
      );
      // Direct policies come first.
      expect(list[0]).toEqual(row('developer', false, null, null));
      // The member view shows direct policies only, plus the groups.
      const view = expectOk(await call('GET', `/members/${m.memberId}`));
      expect(view.policies.map((p: any) => p.key)).toEqual(['developer']);
      expect(view.groups.map((g: any) => g.name).sort()).toEqual(['Admins', 'Auditors']);
    });

    it("denied cases: no credential 401, no CanManageIAM 403, another organization's member 404", async () => {
      const dev = await addMember(t, w.owner, { policyIds: [w.builtin.developer] });
      expect(await t.call('GET', `/api/v1/members/${dev.memberId}/policies`, { headers: { organization: w.owner.orgId } })).toMatchObject({ status: 401 });
      expect(await as(t, dev)('GET', `/members/${w.owner.memberId}/policies`)).toMatchObject({ status: 403, body: FORBIDDEN });
      expect(await w.call('GET', `/members/${w.other.memberId}/policies`)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await w.call('GET', `/members/${w.other.ownerMemberId}/policies`)).toMatchObject({ status: 404, body: NOT_FOUND });
    });
  });
});

describe.each(backends)('IAM races (%s)', (backend) => {
  it('two Owners removing each other at the same moment cannot leave the organization without an Owner', async () => {
    const t = await makeApp(backend);
    try {
      const w = await world(t);
      let current: Session = w.owner;
      for (let round = 0; round < 5; round++) {
        // Make a and b the only two Owners.
        const a = await addMember(t, current, { policyIds: [w.builtin.owner] });
        const b = await addMember(t, current, { policyIds: [w.builtin.owner] });
        expectOk(await as(t, current)('PUT', `/members/${current.memberId}/remove-policy/${w.builtin.owner}`));

        const [ra, rb] = await Promise.all([as(t, a)('PUT', `/members/${b.memberId}/remove-policy/${w.builtin.owner}`), as(t, b)('PUT', `/members/${a.memberId}/remove-policy/${w.builtin.owner}`)]);
        // One wins. The other is refused: 422 LastOwner if it got past authentication while still an Owner,
        // 403 if the winner's change had already taken its rights away (both are correct outcomes of the race).
        const statuses = [ra.status, rb.status].sort();
        expect(statuses[0], JSON.stringify([ra.body, rb.body])).toBe(200);
        expect([403, 422], JSON.stringify([ra.body, rb.body])).toContain(statuses[1]);
        const owners = await t.db.kysely.selectFrom('member_policies').select('member_id').where('policy_id', '=', w.builtin.owner).execute();
        expect(owners).toHaveLength(1);
        current = ra.status === 200 ? a : b;
      }
    } finally {
      await t.close();
    }
  });
});

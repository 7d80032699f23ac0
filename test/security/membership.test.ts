// Membership goes to the holder of a one-time invitation, never to "whoever has that email"; people change their
// own passwords. One test per attack, each asserting the refusal AND that nothing changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, builtinPolicyId, expectOk, login, setupOwner, type Session } from '../support/fixtures.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const failure = (...errors: string[]) => ({ success: false, errors, data: null });
const INVALID = failure('InvalidInvitation');
const REDEEM = '/api/v1/invitations/redeem';
const DAY = 24 * 3600 * 1000;

describe.each(backends)('membership attacks (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  let o: ReturnType<typeof as>;

  beforeEach(async () => {
    clock = new FakeClock();
    // Sessions outlive the 7 days the expiry test moves the clock by.
    t = await makeApp(backend, { clock, sessionTtlSeconds: 30 * 24 * 3600 });
    owner = await setupOwner(t, 'owner@acme.test');
    o = as(t, owner);
  });
  afterEach(async () => t.close());

  /** Everything membership and sign-in depend on, straight from the database. */
  async function state() {
    const k = t.db.kysely;
    return {
      users: await k.selectFrom('users').select(['id', 'email', 'name', 'password_hash']).orderBy('email').execute(),
      members: await k.selectFrom('members').select(['id', 'org_id', 'user_id', 'status', 'email', 'name']).orderBy('id').execute(),
      invitations: await k.selectFrom('invitations').select(['id', 'member_id', 'digest', 'expires_at']).orderBy('id').execute(),
      memberPolicies: await k.selectFrom('member_policies').selectAll().orderBy('member_id').orderBy('policy_id').execute(),
      sessions: await k.selectFrom('sessions').select(['id', 'user_id']).orderBy('id').execute(),
    };
  }

  async function refusedAndUnchanged<R extends { status: number; body: any }>(attempt: () => Promise<R>, status: number, body: unknown): Promise<R> {
    const before = await state();
    const res = await attempt();
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body).toEqual(body);
    expect(await state()).toEqual(before);
    return res;
  }

  const invite = async (caller: ReturnType<typeof as>, body: Record<string, unknown>) => expectOk(await caller('POST', '/members', body), 'invite');
  const redeem = (body: Record<string, unknown>, auth?: string) => t.call('POST', REDEEM, { body, auth });
  const memberRow = (id: string) => t.db.kysely.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /**
   * A person with an account, signed in, owning an organization of their own (anyone can get this far). Accounts
   * come only from invitations, so they join Acme first and, unless `stay`, are removed from it again.
   */
  async function outsider(email: string, name: string, opts: { stay?: boolean } = {}) {
    const password = 'outsider-password';
    const { member, invitation } = await invite(o, { email, name, policyIds: [] });
    expectOk(await redeem({ code: invitation.code, name, password }));
    const auth = await login(t, email, password);
    const org = expectOk(await t.call('POST', '/api/v1/organizations', { auth, body: { name: `${name}'s org` } }));
    if (!opts.stay) expectOk(await o('DELETE', `/members/${member.id}`));
    return { auth: await login(t, email, password), memberId: member.id as string, orgId: org.id as string, call: as(t, { auth, orgId: org.id }) };
  }

  it('email squatting: an account made for the email elsewhere first is not the member a later invitation creates', async () => {
    const mallory = await outsider('mallory@evil.test', 'Mallory');
    // Mallory adds the new hire's email to her own organization and redeems that code with a password of her choosing.
    const squat = await invite(mallory.call, { email: 'new.hire@acme.test', name: 'Squatted Name', policyIds: [] });
    expectOk(await redeem({ code: squat.invitation.code, name: 'Squatted Name', password: 'mallory-knows-this' }));
    const squatted = await login(t, 'new.hire@acme.test', 'mallory-knows-this');

    // Acme invites the same email: a new Invited member with no account bound, named what Acme typed.
    const acme = await invite(o, { email: 'new.hire@acme.test', name: 'Nina New' });
    expect(acme.member).toMatchObject({ name: 'Nina New', email: 'new.hire@acme.test', status: 'Invited', initialPassword: null });
    expect(await memberRow(acme.member.id)).toMatchObject({ user_id: null, status: 'Invited' });

    // The squatted account got nothing in Acme.
    const before = await state();
    expect((await t.call('GET', '/api/v1/members', { auth: squatted, headers: { organization: owner.orgId } })).status).toBe(403);
    expect(expectOk(await t.call('GET', '/api/v1/organizations', { auth: squatted })).map((x: any) => x.id)).toEqual([mallory.orgId]);
    // Accepting with the squatted session needs Acme's code, which Mallory never saw: her own used code, a made-up one, a near miss all fail alike.
    const nearMiss = acme.invitation.code.slice(0, -1) + (acme.invitation.code.endsWith('A') ? 'B' : 'A');
    for (const code of [squat.invitation.code, `ens_inv_${'A'.repeat(43)}`, nearMiss]) {
      await refusedAndUnchanged(() => redeem({ code }, squatted), 400, INVALID);
    }
    expect(await state()).toEqual(before);
    // The real new hire, holding Acme's code, cannot create a second account for the email: sign in and accept is the way.
    await refusedAndUnchanged(() => redeem({ code: acme.invitation.code, name: 'Nina', password: 'ninas-own-password' }), 409, failure('AccountExists'));
    expect(await memberRow(acme.member.id)).toMatchObject({ user_id: null, status: 'Invited' });
  });

  it('adding a member answers the same whether or not an account exists for the email', async () => {
    await outsider('sam@exists.test', 'Samuel Existing');
    const developer = await builtinPolicyId(t, owner, 'developer');
    const existing = await o('POST', '/members', { email: 'sam@exists.test' });
    const fresh = await o('POST', '/members', { email: 'sam@fresh.test' });
    expect([existing.status, fresh.status]).toEqual([200, 200]);
    const mask = (body: any) => ({
      ...body,
      data: {
        member: { ...body.data.member, id: '<id>', email: '<email>', createdAt: '<t>' },
        invitation: { ...body.data.invitation, id: '<id>', code: '<code>', url: body.data.invitation.url.replace(body.data.invitation.code, '<code>') },
      },
    });
    expect(mask(existing.body)).toEqual(mask(fresh.body));
    expect(existing.body.data.member).toMatchObject({
      name: 'sam',
      status: 'Invited',
      invitorId: owner.memberId,
      initialPassword: null,
      policies: [{ id: developer, key: 'developer', name: 'Developer' }],
    });
    expect(Object.keys(existing.headers).sort()).toEqual(Object.keys(fresh.headers).sort());
  });

  it("no cross-organization leak: an invited person's real name stays hidden until they redeem", async () => {
    const real = await outsider('dana@other.test', 'Dana Realname');
    const group = expectOk(await o('POST', '/groups', { name: 'Ops' }));
    const a = await invite(o, { email: 'dana@other.test', groupIds: [group.id] });
    const b = await invite(o, { email: 'DANA2@other.test', name: 'Typed By Acme' });
    const views = [
      a.member,
      expectOk(await o('GET', `/members/${a.member.id}`)),
      ...expectOk(await o('GET', '/members?pageSize=100')).items,
      ...expectOk(await o('GET', `/groups/${group.id}/members?pageSize=100`)).items,
      ...expectOk(await o('GET', '/invitations')).items,
    ];
    expect(JSON.stringify(views)).not.toContain('Realname');
    expect(expectOk(await o('GET', `/members/${a.member.id}`))).toMatchObject({ name: 'dana', status: 'Invited' });
    expect(b.member).toMatchObject({ name: 'Typed By Acme', email: 'dana2@other.test' });
    // Searching by the real name finds nobody.
    expect(expectOk(await o('GET', '/members?searchText=Realname')).totalCount).toBe(0);
    // Once Dana accepts with her own session, her account's name is shown.
    expectOk(await redeem({ code: a.invitation.code }, real.auth));
    expect(expectOk(await o('GET', `/members/${a.member.id}`))).toMatchObject({ name: 'Dana Realname', status: 'Active' });
  });

  it('an Invited member has no access, is not an Owner for LastOwner, and a signed-in account of that email cannot act in the organization', async () => {
    const ownerPolicy = await builtinPolicyId(t, owner, 'owner');
    const quinn = await outsider('quinn@acme.test', 'Quinn');
    const pending = await invite(o, { email: 'quinn@acme.test', policyIds: [ownerPolicy] });
    expect(pending.member).toMatchObject({ status: 'Invited', name: 'quinn' });
    // Quinn's account exists and Quinn is invited as an Owner, but until Quinn redeems the code there is no access.
    await refusedAndUnchanged(() => t.call('GET', '/api/v1/members', { auth: quinn.auth, headers: { organization: owner.orgId } }), 403, failure('Forbidden'));
    await refusedAndUnchanged(() => t.call('GET', '/api/v1/user/permissions', { auth: quinn.auth, headers: { organization: owner.orgId } }), 403, failure('Forbidden'));
    expect(expectOk(await t.call('GET', '/api/v1/organizations', { auth: quinn.auth })).map((x: any) => x.id)).toEqual([quinn.orgId]);
    // An Invited Owner does not let the only Active Owner drop the Owner policy, or leave.
    await refusedAndUnchanged(() => o('PUT', `/members/${owner.memberId}/remove-policy/${ownerPolicy}`), 422, failure('LastOwner'));
    await refusedAndUnchanged(() => o('DELETE', `/members/${owner.memberId}`), 422, failure('LastOwner'));
    // Policies and groups can be attached to the Invited member meanwhile.
    const group = expectOk(await o('POST', '/groups', { name: 'Later' }));
    expectOk(await o('PUT', `/groups/${group.id}/add-member/${pending.member.id}`));
    expect(expectOk(await o('GET', `/members/${pending.member.id}`)).groups).toEqual([{ id: group.id, name: 'Later', description: '', memberId: pending.member.id, isGroupMember: true }]);
    // Once Quinn accepts with the session, Quinn is an Owner of Acme.
    expectOk(await redeem({ code: pending.invitation.code }, quinn.auth));
    expect(expectOk(await t.call('GET', '/api/v1/user/permissions', { auth: quinn.auth, headers: { organization: owner.orgId } })).memberId).toBe(pending.member.id);
    expectOk(await o('PUT', `/members/${owner.memberId}/remove-policy/${ownerPolicy}`));
  });

  it('a session may accept only an invitation addressed to its own email', async () => {
    const eve = await outsider('eve@acme.test', 'Eve');
    const forBob = await invite(as(t, { auth: owner.auth, orgId: owner.orgId }), { email: 'bob@acme.test' });
    // Eve somehow holds Bob's code: with her session it does not bind her account.
    await refusedAndUnchanged(() => redeem({ code: forBob.invitation.code }, eve.auth), 403, failure('Forbidden', 'InvitationEmailMismatch'));
    // A token is not a person.
    const token = expectOk(await as(t, { auth: eve.auth, orgId: eve.orgId })('POST', '/access-tokens', { name: 'eve-pat', type: 'Personal', permissions: [] }));
    await refusedAndUnchanged(() => redeem({ code: forBob.invitation.code }, token.secret), 403, failure('Forbidden'));
    // Without a credential and without name and password there is nobody to bind.
    await refusedAndUnchanged(() => redeem({ code: forBob.invitation.code }), 401, failure('Unauthorized'));
    // Bob can still redeem it.
    expectOk(await redeem({ code: forBob.invitation.code, name: 'Bob', password: 'bobs-password' }));
    expect(await memberRow(forBob.member.id)).toMatchObject({ status: 'Active', user_id: expect.any(String) });
  });

  it('a code works once: a second redeem, by anyone, changes nothing', async () => {
    const { member, invitation } = await invite(o, { email: 'once@acme.test' });
    const r = expectOk(await redeem({ code: invitation.code, name: 'Once', password: 'first-password' }));
    expect(r).toEqual({ memberId: member.id, organizationId: owner.orgId, email: 'once@acme.test' });
    const session = await login(t, 'once@acme.test', 'first-password');
    expect(expectOk(await t.call('GET', '/api/v1/user/permissions', { auth: session, headers: { organization: owner.orgId } })).memberId).toBe(member.id);
    await refusedAndUnchanged(() => redeem({ code: invitation.code, name: 'Twice', password: 'second-password' }), 400, INVALID);
    await refusedAndUnchanged(() => redeem({ code: invitation.code }, session), 400, INVALID);
    expect((await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: 'once@acme.test', password: 'second-password' } })).status).toBe(401);
  });

  it('a code expires after 7 days: then it is refused exactly like an unknown one', async () => {
    const early = await invite(o, { email: 'early@acme.test' });
    const late = await invite(o, { email: 'late@acme.test' });
    clock.advance(7 * DAY - 1);
    expectOk(await redeem({ code: early.invitation.code, name: 'Early', password: 'early-password' }));
    clock.advance(1);
    const expired = await refusedAndUnchanged(() => redeem({ code: late.invitation.code, name: 'Late', password: 'late-password' }), 400, INVALID);
    const unknown = await redeem({ code: `ens_inv_${'x'.repeat(43)}`, name: 'Late', password: 'late-password' });
    const malformed = await redeem({ code: 'not-a-code', name: 'Late', password: 'late-password' });
    expect(unknown.body).toEqual(expired.body);
    expect(malformed.body).toEqual(expired.body);
    expect([unknown.status, malformed.status]).toEqual([400, 400]);
    // The expired invitation is listed as such and can be re-issued.
    expect(expectOk(await o('GET', '/invitations')).items).toEqual([expect.objectContaining({ memberId: late.member.id, expired: true })]);
    const again = expectOk(await o('POST', `/members/${late.member.id}/invitation`));
    expectOk(await redeem({ code: again.code, name: 'Late', password: 'late-password' }));
  });

  it('re-issuing kills the old code; revoking kills the code and the Invited member', async () => {
    const { member, invitation } = await invite(o, { email: 'reissue@acme.test' });
    const fresh = expectOk(await o('POST', `/members/${member.id}/invitation`));
    expect(fresh.code).not.toBe(invitation.code);
    expect(fresh.url).toBe(`/invite#${fresh.code}`);
    await refusedAndUnchanged(() => redeem({ code: invitation.code, name: 'Old', password: 'old-code-password' }), 400, INVALID);

    const second = await invite(o, { email: 'revoked@acme.test' });
    const [pending] = expectOk(await o('GET', '/invitations')).items.filter((i: any) => i.memberId === second.member.id);
    expect(pending).not.toHaveProperty('code');
    expect(expectOk(await o('DELETE', `/invitations/${pending.id}`))).toBe(true);
    expect((await o('GET', `/members/${second.member.id}`)).status).toBe(404);
    await refusedAndUnchanged(() => redeem({ code: second.invitation.code, name: 'Revoked', password: 'revoked-password' }), 400, INVALID);

    // An Active member has no code to re-issue.
    expectOk(await redeem({ code: fresh.code, name: 'Reissue', password: 'reissue-password' }));
    await refusedAndUnchanged(() => o('POST', `/members/${member.id}/invitation`), 422, failure('MemberNotInvited'));
  });

  it('only someone who covers an Invited member may issue or revoke its code (an Administrator cannot mint an Owner invitation)', async () => {
    const ownerPolicy = await builtinPolicyId(t, owner, 'owner');
    const adminPolicy = await builtinPolicyId(t, owner, 'administrator');
    const { member } = await invite(o, { email: 'future.owner@acme.test', policyIds: [ownerPolicy] });
    const adminMember = await outsider('admin@acme.test', 'Admin', { stay: true });
    expectOk(await o('PUT', `/members/${adminMember.memberId}/add-policy/${adminPolicy}`));
    const admin = as(t, { auth: await login(t, 'admin@acme.test', 'outsider-password'), orgId: owner.orgId });
    const EXCEEDS = failure('Forbidden', 'PermissionsExceedCaller');
    await refusedAndUnchanged(() => admin('POST', `/members/${member.id}/invitation`), 403, EXCEEDS);
    const [pending] = expectOk(await admin('GET', '/invitations')).items;
    await refusedAndUnchanged(() => admin('DELETE', `/invitations/${pending.id}`), 403, EXCEEDS);
    await refusedAndUnchanged(() => admin('DELETE', `/members/${member.id}`), 403, EXCEEDS);
    await refusedAndUnchanged(() => admin('POST', '/members', { email: 'accomplice@acme.test', policyIds: [ownerPolicy] }), 403, EXCEEDS);
  });

  it("another organization's invitations and invited members are 404 to re-issue or revoke, and its code still works", async () => {
    const eve = await outsider('eve@evil.test', 'Eve');
    const pending = await invite(eve.call, { email: 'victim@other.test', policyIds: [] });
    // Acme's owner names Eve's organization's ids from inside Acme.
    await refusedAndUnchanged(() => o('POST', `/members/${pending.member.id}/invitation`), 404, failure('ResourceNotFound'));
    await refusedAndUnchanged(() => o('DELETE', `/invitations/${pending.invitation.id}`), 404, failure('ResourceNotFound'));
    expect((await memberRow(pending.member.id)).org_id).toBe(eve.orgId);
    expect(expectOk(await redeem({ code: pending.invitation.code, name: 'Victim', password: 'victim-password' })).organizationId).toBe(eve.orgId);
  });

  it('a concurrent double add answers one 200 and one 409, never 500, and makes one member', async () => {
    for (const email of ['race1@acme.test', 'race2@acme.test', 'race3@acme.test']) {
      const results = await Promise.all([o('POST', '/members', { email }), o('POST', '/members', { email, name: 'Other' })]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body).toEqual(failure('Conflict'));
      const rows = await t.db.kysely.selectFrom('members').select('id').where('email', '=', email).execute();
      expect(rows).toHaveLength(1);
      expect(await t.db.kysely.selectFrom('invitations').select('id').where('member_id', '=', rows[0].id).execute()).toHaveLength(1);
    }
    // Adding an email that is already a member or invited is a 409 too.
    await refusedAndUnchanged(() => o('POST', '/members/add', { email: 'RACE1@acme.test', policyIds: [], groupIds: [] }), 409, failure('Conflict'));
    await refusedAndUnchanged(() => o('POST', '/members', { email: owner.email }), 409, failure('Conflict'));
  });

  it('a concurrent double redeem makes exactly one account and one Active member', async () => {
    const { member, invitation } = await invite(o, { email: 'twice@acme.test' });
    const results = await Promise.all([redeem({ code: invitation.code, name: 'First', password: 'password-one' }), redeem({ code: invitation.code, name: 'Second', password: 'password-two' })]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([400, 409]).toContain(statuses[1]);
    expect(await t.db.kysely.selectFrom('users').select('id').where('email', '=', 'twice@acme.test').execute()).toHaveLength(1);
    expect(await memberRow(member.id)).toMatchObject({ status: 'Active' });
    const winner = results.findIndex((r) => r.status === 200);
    const [good, bad] = winner === 0 ? ['password-one', 'password-two'] : ['password-two', 'password-one'];
    await login(t, 'twice@acme.test', good);
    expect((await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: 'twice@acme.test', password: bad } })).status).toBe(401);

    // The same with sessions: two accepts of one code by the same account.
    const carol = await outsider('carol@acme.test', 'Carol');
    const inOrg = expectOk(await t.call('POST', '/api/v1/organizations', { auth: owner.auth, body: { name: 'Second Acme' } }));
    const second = await invite(as(t, { auth: owner.auth, orgId: inOrg.id }), { email: 'carol@acme.test' });
    const accepts = await Promise.all([redeem({ code: second.invitation.code }, carol.auth), redeem({ code: second.invitation.code }, carol.auth)]);
    expect(accepts.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(await t.db.kysely.selectFrom('members').select('id').where('org_id', '=', inOrg.id).where('email', '=', 'carol@acme.test').execute()).toHaveLength(1);
  });

  it("FeatBit's routes: /members/add answers true and shows no code (re-issuing gives one); remove-from-org removes", async () => {
    const res = await o('POST', '/members/add', { email: 'featbit@acme.test', policyIds: [], groupIds: [] });
    expect(res.body).toEqual({ success: true, errors: [], data: true });
    const [m] = expectOk(await o('GET', '/members?searchText=featbit')).items;
    expect(m).toMatchObject({ status: 'Invited', initialPassword: null, invitorId: owner.memberId, policies: [], groups: [] });
    const issued = expectOk(await o('POST', `/members/${m.id}/invitation`));
    expectOk(await redeem({ code: issued.code, name: 'Fe', password: 'featbit-password' }));
    expect(expectOk(await o('DELETE', `/members/remove-from-org/${m.id}`))).toBe(true);
    expect((await o('GET', `/members/${m.id}`)).status).toBe(404);
  });

  it('codes are stored only as digests and never appear in views', async () => {
    const { member, invitation } = await invite(o, { email: 'digest@acme.test' });
    const row = await t.db.kysely.selectFrom('invitations').selectAll().where('member_id', '=', member.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(invitation.code.slice(8));
    for (const url of ['/members?pageSize=100', `/members/${member.id}`, '/invitations', '/audit-logs?pageSize=100']) {
      expect(JSON.stringify(expectOk(await o('GET', url)))).not.toContain(invitation.code.slice(8));
    }
  });

  it('redeem is throttled per address like sign-in', async () => {
    for (let i = 0; i < 10; i++) expect((await redeem({ code: `ens_inv_${String(i).repeat(43)}`, name: 'Guess', password: 'guess-password' })).status).toBe(400);
    const { invitation } = await invite(o, { email: 'throttled@acme.test' });
    const res = await refusedAndUnchanged(() => redeem({ code: invitation.code, name: 'T', password: 'throttled-password' }), 429, failure('TooManyRequests'));
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    clock.advance(15 * 60_000);
    expectOk(await redeem({ code: invitation.code, name: 'T', password: 'throttled-password' }));
  });

  describe("changing one's password", () => {
    const PASSWORD = '/api/v1/user/password';

    it("ends the person's other sessions at once and keeps the current one", async () => {
      const other = await login(t, owner.email, 'owner-password');
      expect((await t.call('GET', '/api/v1/user/profile', { auth: other })).status).toBe(200);
      expectOk(await t.call('PUT', PASSWORD, { auth: owner.auth, body: { currentPassword: 'owner-password', newPassword: 'a-brand-new-password' } }));
      expect((await t.call('GET', '/api/v1/user/profile', { auth: other })).status).toBe(401);
      expect((await t.call('GET', '/api/v1/user/profile', { auth: owner.auth })).status).toBe(200);
      expect((await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: owner.email, password: 'owner-password' } })).status).toBe(401);
      await login(t, owner.email, 'a-brand-new-password');
    });

    it('a wrong current password changes nothing', async () => {
      const other = await login(t, owner.email, 'owner-password');
      await refusedAndUnchanged(
        () => t.call('PUT', PASSWORD, { auth: owner.auth, body: { currentPassword: 'not-my-password', newPassword: 'attacker-password' } }),
        403,
        failure('Forbidden', 'WrongCurrentPassword'),
      );
      expect((await t.call('GET', '/api/v1/user/profile', { auth: other })).status).toBe(200);
      await login(t, owner.email, 'owner-password');
      // The new password must follow the setup rules.
      await refusedAndUnchanged(() => t.call('PUT', PASSWORD, { auth: owner.auth, body: { currentPassword: 'owner-password', newPassword: 'short' } }), 400, failure('newPassword_is_invalid'));
    });

    it("a token cannot change a password, even its owner's", async () => {
      const token = expectOk(await o('POST', '/access-tokens', { name: 'owner-pat', type: 'Personal', permissions: [] }));
      await refusedAndUnchanged(() => t.call('PUT', PASSWORD, { auth: token.secret, body: { currentPassword: 'owner-password', newPassword: 'token-chosen-password' } }), 403, failure('Forbidden'));
      await login(t, owner.email, 'owner-password');
    });

    it('wrong current passwords are throttled like sign-in', async () => {
      for (let i = 0; i < 10; i++) expect((await t.call('PUT', PASSWORD, { auth: owner.auth, body: { currentPassword: `guess-${i}-password`, newPassword: 'whatever-password' } })).status).toBe(403);
      await refusedAndUnchanged(() => t.call('PUT', PASSWORD, { auth: owner.auth, body: { currentPassword: 'owner-password', newPassword: 'whatever-password' } }), 429, failure('TooManyRequests'));
    });
  });
});

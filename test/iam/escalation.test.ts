// Attacks on no-escalation through narrowing: nobody changes the permissions of someone they do not cover.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, builtinPolicyId, createPolicy, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const DENY_ALL = [{ resourceType: '*', effect: 'deny', actions: ['*'], resources: ['*'] }] as never[];

describe.each(backends)('no escalation by narrowing (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let admin: Session;
  let a: ReturnType<typeof as>;
  const snapshot = async () => ({
    memberPolicies: await t.db.kysely.selectFrom('member_policies').selectAll().orderBy('member_id').orderBy('policy_id').execute(),
    groupMembers: await t.db.kysely.selectFrom('group_members').selectAll().orderBy('group_id').orderBy('member_id').execute(),
    groupPolicies: await t.db.kysely.selectFrom('group_policies').selectAll().orderBy('group_id').orderBy('policy_id').execute(),
    policies: await t.db.kysely.selectFrom('policies').select(['id', 'statements']).orderBy('id').execute(),
  });
  const ownerStillWorks = async () => expect((await as(t, owner)('GET', '/members')).status).toBe(200);

  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
    admin = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'administrator')] });
    a = as(t, admin);
  });
  afterEach(async () => t.close());

  it('an Administrator attaching a deny-only policy to the Owner is refused, and the Owner keeps every right', async () => {
    const deny = expectOk(await a('POST', '/policies', { name: 'Lockout', key: 'lockout', statements: DENY_ALL })).id;
    const before = await snapshot();
    const res = await a('PUT', `/members/${owner.memberId}/add-policy/${deny}`);
    expect(res.status).toBe(403);
    expect(res.body.errors).toEqual(['Forbidden', 'PermissionsExceedCaller']);
    expect(await snapshot()).toEqual(before);
    await ownerStillWorks();
  });

  it('an Administrator cannot reach the Owner through a group or through a policy the Owner holds', async () => {
    const deny = expectOk(await a('POST', '/policies', { name: 'Lockout', key: 'lockout', statements: DENY_ALL })).id;
    const group = expectOk(await a('POST', '/groups', { name: 'Trap' })).id;
    expectOk(await a('PUT', `/groups/${group}/add-policy/${deny}`));
    const shared = await createPolicy(t, owner, [{ resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/*:env/*:flag/*'] }]);
    expectOk(await as(t, owner)('PUT', `/members/${owner.memberId}/add-policy/${shared}`));
    const before = await snapshot();
    expect((await a('PUT', `/groups/${group}/add-member/${owner.memberId}`)).status).toBe(403);
    expect((await a('PUT', `/policies/${shared}/statements`, DENY_ALL)).status).toBe(403);
    expect((await a('DELETE', `/policies/${shared}`)).status).toBe(403);
    expect((await a('PUT', `/members/${owner.memberId}/remove-policy/${shared}`)).status).toBe(403);
    expect(await snapshot()).toEqual(before);
    await ownerStillWorks();
  });

  it('replacing statements the caller does not cover is refused even when the new ones are narrower', async () => {
    const wide = await createPolicy(t, owner, [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }]);
    const before = await snapshot();
    expect((await a('PUT', `/policies/${wide}/statements`, [])).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it('an Administrator still manages the members they cover, denies included', async () => {
    const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });
    const deny = expectOk(
      await a('POST', '/policies', { name: 'No prod', key: 'no-prod', statements: [{ resourceType: 'flag', effect: 'deny', actions: ['*'], resources: ['project/*:env/prod:flag/*'] }] }),
    ).id;
    expectOk(await a('PUT', `/members/${dev.memberId}/add-policy/${deny}`));
    expect(expectOk(await a('GET', `/members/${dev.memberId}/policies`)).map((x: any) => x.key)).toContain('no-prod');
    expectOk(await a('PUT', `/members/${dev.memberId}/remove-policy/${deny}`));
  });
});

// Token management is never an escalation path: reset and activate are refused to anyone who does not hold all the
// token can do (and reset to anyone but its creator). Each test replays an attack found against an earlier build and
// asserts the refusal AND that nothing changed: the row, its secret (the old one still works, no new one exists).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Statement } from '../../src/policy/statement.ts';
import { addMember, as, builtinPolicyId, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const TOKEN_ACTIONS: Omit<Statement, 'id'> = {
  resourceType: 'access-token',
  effect: 'allow',
  actions: ['ManagePersonalAccessTokens', 'ManageServiceAccessTokens', 'ListAccessTokens'],
  resources: ['access-token/*'],
};
const OWNER_ALL: Omit<Statement, 'id'> = { resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] };
const ENV_READ: Omit<Statement, 'id'> = { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] };
const exceeds = { success: false, errors: ['Forbidden', 'PermissionsExceedCaller'], data: null };
const forbidden = { success: false, errors: ['Forbidden'], data: null };

describe.each(backends)('token management cannot escalate (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let o: ReturnType<typeof as>;

  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
    o = as(t, owner);
  });
  afterEach(async () => t.close());

  const row = (id: string) => t.db.kysely.selectFrom('access_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const whoAmI = (secret: string) => t.call('GET', '/api/v1/access-tokens?pageSize=1', { auth: secret });
  const developer = async () => addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });

  it("a Developer cannot reset the Owner's service token * (and so cannot take its secret)", async () => {
    const star = expectOk(await o('POST', '/access-tokens', { name: 'star', type: 'Service', permissions: [OWNER_ALL] }));
    const dev = await developer();
    const before = await row(star.id);
    for (const body of [{}, { graceSeconds: 3600 }]) {
      const res = await as(t, dev)('POST', `/access-tokens/${star.id}/reset`, body);
      expect(res.status).toBe(403);
      expect(res.body).toEqual(forbidden);
      expect(JSON.stringify(res.body)).not.toContain('ens_svc_');
    }
    expect(await row(star.id)).toEqual(before);
    expect((await whoAmI(star.secret)).status).toBe(200);
  });

  it("a Developer's token holding the token actions cannot reset a * token either", async () => {
    const star = expectOk(await o('POST', '/access-tokens', { name: 'star', type: 'Service', permissions: [OWNER_ALL] }));
    const dev = await developer();
    const devToken = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'dev-svc', type: 'Service', permissions: [TOKEN_ACTIONS] }));
    const before = await row(star.id);
    const res = await t.call('POST', `/api/v1/access-tokens/${star.id}/reset`, { auth: devToken.secret, body: {} });
    expect(res.status).toBe(403);
    expect(await row(star.id)).toEqual(before);
  });

  it('a narrow personal token cannot reset or re-activate its owner’s full-scope sibling', async () => {
    const full = expectOk(await o('POST', '/access-tokens', { name: 'full', type: 'Personal', permissions: [] }));
    const narrow = expectOk(await o('POST', '/access-tokens', { name: 'narrow', type: 'Personal', permissions: [ENV_READ, TOKEN_ACTIONS] }));
    const before = await row(full.id);
    const reset = await t.call('POST', `/api/v1/access-tokens/${full.id}/reset`, { auth: narrow.secret, body: {} });
    expect(reset.status).toBe(403);
    expect(reset.body).toEqual(exceeds);
    expect(await row(full.id)).toEqual(before);
    expect((await whoAmI(full.secret)).status).toBe(200);

    expectOk(await o('PUT', `/access-tokens/${full.id}/deactivate`));
    const deactivated = await row(full.id);
    for (const route of ['activate', 'toggle']) {
      const res = await t.call('PUT', `/api/v1/access-tokens/${full.id}/${route}`, { auth: narrow.secret });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(exceeds);
    }
    expect(await row(full.id)).toEqual(deactivated);
    expect((await whoAmI(full.secret)).status).toBe(403);
    // Its owner, who holds everything it can do, may.
    expectOk(await o('PUT', `/access-tokens/${full.id}/activate`));
    expect((await whoAmI(full.secret)).status).toBe(200);
  });

  it('a service token holding only ManageServiceAccessTokens, its creator since removed, cannot reset or activate a * token', async () => {
    const admin = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'administrator')] });
    const tokensOnly = expectOk(await as(t, admin)('POST', '/access-tokens', { name: 'tokens-only', type: 'Service', permissions: [TOKEN_ACTIONS] }));
    expectOk(await o('DELETE', `/members/${admin.memberId}`));
    const star = expectOk(await o('POST', '/access-tokens', { name: 'star', type: 'Service', permissions: [OWNER_ALL] }));
    const before = await row(star.id);
    const reset = await t.call('POST', `/api/v1/access-tokens/${star.id}/reset`, { auth: tokensOnly.secret, body: {} });
    expect(reset.status).toBe(403);
    expectOk(await o('PUT', `/access-tokens/${star.id}/deactivate`));
    const deactivated = await row(star.id);
    const activate = await t.call('PUT', `/api/v1/access-tokens/${star.id}/activate`, { auth: tokensOnly.secret });
    expect(activate.status).toBe(403);
    expect(activate.body).toEqual(exceeds);
    expect(await row(star.id)).toEqual(deactivated);
    expect(before.digest).toBe(deactivated.digest);
  });

  it('a Developer cannot re-activate a wide token the Owner deactivated after a leak', async () => {
    const star = expectOk(await o('POST', '/access-tokens', { name: 'star', type: 'Service', permissions: [OWNER_ALL] }));
    expectOk(await o('PUT', `/access-tokens/${star.id}/deactivate`));
    const dev = await developer();
    const before = await row(star.id);
    for (const route of ['activate', 'toggle']) {
      const res = await as(t, dev)('PUT', `/access-tokens/${star.id}/${route}`);
      expect(res.status).toBe(403);
      expect(res.body).toEqual(exceeds);
    }
    expect(await row(star.id)).toEqual(before);
    expect((await whoAmI(star.secret)).status).toBe(403);
    // The view tells the UI the same thing.
    const view = expectOk(await as(t, dev)('GET', `/access-tokens/${star.id}`));
    expect(view.allowedOperations).not.toContain('activate');
    expect(view.allowedOperations).not.toContain('reset');
  });

  it('only the creator may reset, even a token the caller covers', async () => {
    const dev = await developer();
    const devToken = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'dev-svc', type: 'Service', permissions: [ENV_READ] }));
    const before = await row(devToken.id);
    const res = await o('POST', `/access-tokens/${devToken.id}/reset`, {});
    expect(res.status).toBe(403);
    expect(res.body).toEqual(forbidden);
    expect(await row(devToken.id)).toEqual(before);
    const reset = expectOk(await as(t, dev)('POST', `/access-tokens/${devToken.id}/reset`, {}));
    expect(reset.secret).toMatch(/^ens_svc_/);
  });

  it("removing a member writes an OwnerRemoved entry into each of their personal tokens' own history", async () => {
    const dev = await developer();
    const a = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'a', type: 'Personal', permissions: [] }));
    const b = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'b', type: 'Personal', permissions: [ENV_READ] }));
    expectOk(await as(t, dev)('PUT', `/access-tokens/${b.id}/deactivate`));
    expectOk(await o('DELETE', `/members/${dev.memberId}`));
    for (const token of [a, b]) {
      const history = expectOk(await o('GET', `/audit-logs?refId=${token.id}`)).items;
      const entry = history.find((e: any) => e.action === 'DeactivateAccessToken' && e.changes?.after?.inactiveReason === 'OwnerRemoved');
      expect(entry, JSON.stringify(history)).toBeDefined();
      expect(entry.actor.memberId).toBe(owner.memberId);
      expect(await row(token.id)).toMatchObject({ status: 'Inactive', inactive_reason: 'OwnerRemoved' });
    }
  });

  it("a narrow personal token cannot read its owner's IAM data: a token is bounded by its own statements, self included", async () => {
    const dev = await developer();
    const narrow = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'narrow', type: 'Personal', permissions: [ENV_READ] }));
    const full = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'full', type: 'Personal', permissions: [] }));
    for (const path of [`/members/${dev.memberId}`, `/members/${dev.memberId}/policies`]) {
      const refused = await t.call('GET', `/api/v1${path}`, { auth: narrow.secret });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual(forbidden);
      // The person themselves, and a token that follows them in full, may.
      expect((await as(t, dev)('GET', path)).status).toBe(200);
      expect((await t.call('GET', `/api/v1${path}`, { auth: full.secret })).status).toBe(200);
    }
  });
});

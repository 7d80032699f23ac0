// A token describing itself (GET /access-tokens/current) and warning of its own expiry (Ensign-Token-Expires-In).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const DAY = 86_400_000;
const READ_ENVS = { resourceType: 'env' as const, effect: 'allow' as const, actions: ['CanAccessEnv'], resources: ['project/*:env/*'] };
const TOKENS = {
  resourceType: 'access-token' as const,
  effect: 'allow' as const,
  actions: ['ListAccessTokens', 'ManagePersonalAccessTokens', 'ManageServiceAccessTokens'],
  resources: ['access-token/*'],
};
const strip = (statements: any[]) => statements.map(({ resourceType, effect, actions, resources }) => ({ resourceType, effect, actions, resources }));

describe.each(backends)('GET /access-tokens/current (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  let o: ReturnType<typeof as>;
  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock });
    owner = await setupOwner(t);
    o = as(t, owner);
  });
  afterEach(async () => t.close());

  const current = (auth: string, headers: Record<string, string> = {}) => t.call('GET', '/api/v1/access-tokens/current', { auth, headers });

  it('a service token sees its id, name, type, status, expiry and frozen statements, with no permission needed', async () => {
    const expiresAt = new Date(clock.now() + 30 * DAY).toISOString();
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'ci', type: 'Service', permissions: [READ_ENVS], expiresAt }));
    const res = await current(svc.secret);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: svc.id, name: 'ci', type: 'Service', status: 'Active', expiresAt, expiresInSeconds: 30 * 86_400, followsOwner: false });
    expect(strip(res.body.data.effectiveStatements)).toEqual([READ_ENVS]);
    expect(strip(res.body.data.permissions)).toEqual([READ_ENVS]);
    // Never the secret, not even its hint.
    expect(JSON.stringify(res.body)).not.toContain(svc.secret);
    expect(res.body.data).not.toHaveProperty('token');
  });

  it("a personal token that follows its owner shows the owner's current statements; a narrowed one only its own", async () => {
    const m = await addMember(t, owner, { statements: [TOKENS, READ_ENVS] });
    const full = expectOk(await as(t, m)('POST', '/access-tokens', { name: 'full', type: 'Personal', permissions: [] }));
    const narrow = expectOk(await as(t, m)('POST', '/access-tokens', { name: 'narrow', type: 'Personal', permissions: [READ_ENVS] }));
    const a = expectOk(await current(full.secret));
    expect(a).toMatchObject({ id: full.id, type: 'Personal', followsOwner: true, permissions: [], expiresAt: null, expiresInSeconds: null });
    expect(strip(a.effectiveStatements)).toEqual([TOKENS, READ_ENVS]);
    const b = expectOk(await current(narrow.secret));
    expect(b).toMatchObject({ id: narrow.id, followsOwner: true });
    // A narrowed token is not its owner: the owner's policies stay out of its answer.
    expect(strip(b.effectiveStatements)).toEqual([READ_ENVS]);
  });

  it('a session is told it is not a token (403 NotAnAccessToken, not a 401 that would sign it out)', async () => {
    const res = await current(owner.auth, { organization: owner.orgId });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, errors: ['Forbidden', 'NotAnAccessToken'], data: null });
  });

  it('is not captured by /access-tokens/:id, and a token named "current" is still found by its id', async () => {
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'current', type: 'Service', permissions: [TOKENS] }));
    expect(expectOk(await current(svc.secret)).id).toBe(svc.id);
    expect(expectOk(await o('GET', `/access-tokens/${svc.id}`)).name).toBe('current');
    // DELETE and PUT on the literal path are not operations on a token with id "current".
    expect((await t.call('DELETE', '/api/v1/access-tokens/current', { auth: svc.secret })).status).toBe(404);
    expect(expectOk(await o('GET', `/access-tokens/${svc.id}`)).status).toBe('Active');
  });

  it('Ensign-Token-Expires-In appears once a token has a week or less left, counts down, and never for sessions', async () => {
    const soon = expectOk(await o('POST', '/access-tokens', { name: 'soon', type: 'Service', permissions: [TOKENS], expiresAt: new Date(clock.now() + 8 * DAY).toISOString() }));
    const never = expectOk(await o('POST', '/access-tokens', { name: 'never', type: 'Service', permissions: [TOKENS] }));
    const header = async (auth: string) => (await t.call('GET', '/api/v1/access-tokens', { auth, headers: { organization: owner.orgId } })).headers['ensign-token-expires-in'];
    expect(await header(soon.secret)).toBeUndefined();
    clock.advance(DAY + 1000);
    expect(await header(soon.secret)).toBe(String(7 * 86_400 - 1));
    clock.advance(6 * DAY);
    expect(await header(soon.secret)).toBe(String(86_400 - 1));
    // On a refusal too: the credential is still the caller's.
    const refused = await t.call('GET', '/api/v1/policies', { auth: soon.secret });
    expect(refused.status).toBe(403);
    expect(refused.headers['ensign-token-expires-in']).toBe(String(86_400 - 1));
    expect(await header(never.secret)).toBeUndefined();
    expect(await header(owner.auth)).toBeUndefined();
    clock.advance(DAY);
    expect((await t.call('GET', '/api/v1/access-tokens', { auth: soon.secret })).status).toBe(401);
  });

  it('an old secret in its reset grace period warns of the end of the grace', async () => {
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'rotated', type: 'Service', permissions: [TOKENS] }));
    expectOk(await o('POST', `/access-tokens/${svc.id}/reset`, { graceSeconds: 3600 }));
    const res = await t.call('GET', '/api/v1/access-tokens/current', { auth: svc.secret });
    expect(res.status).toBe(200);
    expect(res.headers['ensign-token-expires-in']).toBe('3600');
    expect(res.body.data).toMatchObject({ expiresAt: null, expiresInSeconds: 3600 });
  });
});

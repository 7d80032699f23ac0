// Setup, sign-in, sessions, the profile, organizations and the Organization header.
import { afterEach, describe, expect, it } from 'vitest';
import { as, addMember, builtinPolicyId, expectOk, login, setupOwner } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const LOGIN = '/api/v1/identity/login-by-email';
const failure = (...errors: string[]) => ({ success: false, errors, data: null });

describe.each(backends)('identity and organizations (%s)', (backend) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  describe('setup', () => {
    it('creates the first owner, organization and built-in policies, and only while no user exists (then 409)', async () => {
      t = await makeApp(backend);
      expect((await t.call('GET', '/api/v1/setup')).body.data).toEqual({ needsSetup: true });
      const owner = await setupOwner(t);
      expect((await t.call('GET', '/api/v1/setup')).body.data).toEqual({ needsSetup: false });

      const policies = expectOk(await as(t, owner)('GET', '/policies?pageSize=100'));
      expect(policies.items.map((p: any) => [p.key, p.type]).sort()).toEqual([
        ['administrator', 'SysManaged'],
        ['developer', 'SysManaged'],
        ['owner', 'SysManaged'],
      ]);
      const me = expectOk(await as(t, owner)('GET', `/members/${owner.memberId}`));
      expect(me.policies.map((p: any) => p.key)).toEqual(['owner']);

      const again = await t.call('POST', '/api/v1/setup', { body: { organizationName: 'Evil', name: 'Mallory', email: 'mallory@example.com', password: 'mallory-password' } });
      expect(again.status).toBe(409);
      expect(again.body).toEqual(failure('Conflict'));
      // Nothing was created: Mallory cannot sign in, and there is still one organization.
      expect((await t.call('POST', LOGIN, { body: { email: 'mallory@example.com', password: 'mallory-password' } })).status).toBe(401);
      expect(expectOk(await as(t, owner)('GET', '/organizations'))).toHaveLength(1);
    });

    it('concurrent set-ups: exactly one wins', async () => {
      t = await makeApp(backend);
      const attempts = await Promise.all(
        [1, 2, 3].map((i) => t.call('POST', '/api/v1/setup', { body: { organizationName: `Org ${i}`, name: `U${i}`, email: `u${i}@example.com`, password: 'some-password' } })),
      );
      expect(attempts.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    });
  });

  describe('login', () => {
    it('the right password gives a working session; a wrong one is 401', async () => {
      t = await makeApp(backend);
      await setupOwner(t);
      const ok = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } });
      expect(ok.status).toBe(200);
      expect(ok.body.data.session).toMatch(/^ens_ses_/);
      expect(Date.parse(ok.body.data.expiresAt)).toBeGreaterThan(Date.now());
      expect((await t.call('GET', '/api/v1/user/profile', { auth: `Bearer ${ok.body.data.session}` })).status).toBe(200);

      // The email is matched case- and space-insensitively.
      expect((await t.call('POST', LOGIN, { body: { email: '  Owner@Example.COM ', password: 'owner-password' } })).status).toBe(200);

      const wrong = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'not-the-password' } });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual(failure('Unauthorized'));
    });

    it('an unknown email gets exactly the same answer as a wrong password (no account enumeration)', async () => {
      t = await makeApp(backend);
      await setupOwner(t);
      const wrong = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'not-the-password' } });
      const unknown = await t.call('POST', LOGIN, { body: { email: 'nobody@example.com', password: 'not-the-password' } });
      expect(unknown.status).toBe(wrong.status);
      expect(unknown.body).toEqual(wrong.body);
      expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
    });

    it('password guessing is throttled per email: after repeated failures even the right password gets 429 with Retry-After', async () => {
      const now = Date.parse('2030-01-01T00:00:00Z');
      t = await makeApp(backend, { clock: { now: () => now } });
      const owner = await setupOwner(t);
      const other = await addMember(t, owner, { policyIds: [] });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: `guess-${i}-xxxx` } })).status);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual([429, 429]);

      const locked = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } });
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual(failure('TooManyRequests'));
      const retryAfter = Number(locked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(locked.headers['x-ratelimit-limit']).toBe('10');
      expect(locked.headers['x-ratelimit-remaining']).toBe('0');
      // A differently spelled email is the same account, so it is throttled too.
      expect((await t.call('POST', LOGIN, { body: { email: 'OWNER@example.com', password: 'owner-password' } })).status).toBe(429);

      // Another account is not locked out by someone guessing at the owner's.
      expect((await t.call('POST', LOGIN, { body: { email: other.email, password: 'member-password' } })).status).toBe(200);
    });

    it('guessing across many emails from one address is throttled per address (429 with Retry-After)', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const statuses: number[] = [];
      for (let i = 0; i < 50; i++) statuses.push((await t.call('POST', LOGIN, { body: { email: `victim${i}@example.com`, password: 'password-guess' } })).status);
      expect(statuses).toEqual(Array(50).fill(401));
      // Each email failed only once, yet the address is now blocked, even for a correct sign-in.
      const blocked = await t.call('POST', LOGIN, { body: { email: owner.email, password: 'owner-password' } });
      expect(blocked.status).toBe(429);
      expect(blocked.body).toEqual(failure('TooManyRequests'));
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('behind a trusted proxy (TRUST_PROXY), the address throttled is the client the proxy names, not the proxy', async () => {
      t = await makeApp(backend, { trustProxy: '127.0.0.1' }); // inject() connects from 127.0.0.1: the proxy
      const owner = await setupOwner(t);
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      for (let i = 0; i < 50; i++) {
        const res = await t.call('POST', LOGIN, { body: { email: `victim${i}@example.com`, password: 'password-guess' }, headers: from('203.0.113.7') });
        expect(res.status).toBe(401);
      }
      const attacker = await t.call('POST', LOGIN, { body: { email: owner.email, password: 'owner-password' }, headers: from('203.0.113.7') });
      expect(attacker.status).toBe(429);
      // Everyone else behind the same proxy still signs in.
      expectOk(await t.call('POST', LOGIN, { body: { email: owner.email, password: 'owner-password' }, headers: from('198.51.100.20') }));
    });

    it('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot pick the address it is throttled by', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      for (let i = 0; i < 50; i++) {
        const res = await t.call('POST', LOGIN, { body: { email: `victim${i}@example.com`, password: 'password-guess' }, headers: { 'x-forwarded-for': `203.0.113.${i}` } });
        expect(res.status).toBe(401);
      }
      expect((await t.call('POST', LOGIN, { body: { email: owner.email, password: 'owner-password' }, headers: { 'x-forwarded-for': '198.51.100.20' } })).status).toBe(429);
    });

    it('once the throttle window has passed, the right password works again', async () => {
      let now = Date.parse('2030-01-01T00:00:00Z');
      t = await makeApp(backend, { clock: { now: () => now } });
      await setupOwner(t);
      for (let i = 0; i < 10; i++) await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: `guess-${i}-xxxx` } });
      const locked = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } });
      expect(locked.status).toBe(429);
      now += Number(locked.headers['retry-after']) * 1000;
      expect((await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } })).status).toBe(200);
    });
  });

  describe('sessions', () => {
    it('logout ends the session: the same credential is then 401, other sessions keep working', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const other = await login(t, owner.email, 'owner-password');
      expect((await t.call('GET', '/api/v1/user/profile', { auth: owner.auth })).status).toBe(200);

      const out = await t.call('POST', '/api/v1/identity/logout', { auth: owner.auth });
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ success: true, errors: [], data: true });

      const after = await t.call('GET', '/api/v1/user/profile', { auth: owner.auth });
      expect(after.status).toBe(401);
      expect(after.body).toEqual(failure('Unauthorized'));
      expect((await t.call('POST', '/api/v1/identity/logout', { auth: owner.auth })).status).toBe(401);
      expect((await t.call('GET', '/api/v1/user/profile', { auth: other })).status).toBe(200);
    });

    it('sessions are stored only as digests: no row of the sessions table contains the credential', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const second = await login(t, owner.email, 'owner-password');
      const credentials = [owner.auth, second].map((a) => a.slice('Bearer '.length));
      const rows = await t.db.kysely.selectFrom('sessions').selectAll().execute();
      expect(rows).toHaveLength(2);
      const dump = JSON.stringify(rows);
      for (const c of credentials) {
        expect(dump).not.toContain(c);
        expect(dump).not.toContain(c.slice(8, 40)); // not even the random part
      }
      // Nor anywhere else in the database that a credential could plausibly be copied to.
      const users = JSON.stringify(await t.db.kysely.selectFrom('users').selectAll().execute());
      for (const c of credentials) expect(users).not.toContain(c);
    });

    it('an expired session is 401, just like an unknown one', async () => {
      let now = Date.parse('2030-01-01T00:00:00Z');
      t = await makeApp(backend, { clock: { now: () => now }, sessionTtlSeconds: 3600 });
      const owner = await setupOwner(t);
      expect((await t.call('GET', '/api/v1/user/profile', { auth: owner.auth })).status).toBe(200);
      now += 3600 * 1000 - 1;
      expect((await t.call('GET', '/api/v1/user/profile', { auth: owner.auth })).status).toBe(200);
      now += 1;
      const expired = await t.call('GET', '/api/v1/user/profile', { auth: owner.auth });
      expect(expired.status).toBe(401);
      expect(expired.body).toEqual(failure('Unauthorized'));
      expect(expired.headers['www-authenticate']).toBeDefined();
    });

    it('the login response states the expiry the server enforces', async () => {
      const now = Date.parse('2030-01-01T00:00:00Z');
      t = await makeApp(backend, { clock: { now: () => now }, sessionTtlSeconds: 600 });
      await setupOwner(t);
      const res = expectOk(await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } }));
      expect(res.expiresAt).toBe(new Date(now + 600_000).toISOString());
    });
  });

  describe('profile', () => {
    it('GET /user/profile returns the caller with their organizations', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const res = await t.call('GET', '/api/v1/user/profile', { auth: owner.auth });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ id: expect.any(String), name: 'Olivia Owner', email: 'owner@example.com', organizations: [{ id: owner.orgId, name: 'Acme' }] });
      expect(JSON.stringify(res.body)).not.toMatch(/password|argon/i);
    });

    it('GET /user/profile without a credential is 401', async () => {
      t = await makeApp(backend);
      await setupOwner(t);
      const res = await t.call('GET', '/api/v1/user/profile');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBeDefined();
    });
  });

  describe('organizations', () => {
    it('list, create (the creator becomes its Owner) and rename', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const call = as(t, { auth: owner.auth });
      expect(expectOk(await call('GET', '/organizations'))).toEqual([{ id: owner.orgId, key: 'acme', name: 'Acme' }]);

      const beta = expectOk(await call('POST', '/organizations', { name: '  Beta Corp ' }));
      expect(beta).toEqual({ id: expect.any(String), key: 'beta-corp', name: 'Beta Corp' });
      const listed = expectOk(await call('GET', '/organizations'));
      expect(listed.map((o: any) => o.id)).toEqual([owner.orgId, beta.id]);

      // A second organization with the same name gets its own key.
      const beta2 = expectOk(await call('POST', '/organizations', { name: 'Beta Corp' }));
      expect(beta2.key).not.toBe(beta.key);

      // In the new organization the creator is its Owner, with its own built-in policies.
      const inBeta = as(t, { auth: owner.auth, orgId: beta.id });
      const members = expectOk(await inBeta('GET', '/members'));
      expect(members.totalCount).toBe(1);
      expect(members.items[0].policies.map((p: any) => p.key)).toEqual(['owner']);
      expect(expectOk(await inBeta('GET', '/policies')).totalCount).toBe(3);

      const renamed = await inBeta('PUT', `/organizations/${beta.id}`, { name: 'Beta Inc' });
      expect(renamed.status).toBe(200);
      expect(renamed.body.data).toEqual({ id: beta.id, key: 'beta-corp', name: 'Beta Inc' });
      expect(expectOk(await call('GET', '/organizations')).find((o: any) => o.id === beta.id).name).toBe('Beta Inc');
      expect((await t.call('GET', '/api/v1/user/profile', { auth: owner.auth })).body.data.organizations.map((o: any) => o.name)).toEqual(['Acme', 'Beta Inc', 'Beta Corp']);
    });

    it('an empty organization name is refused', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const res = await as(t, owner)('POST', '/organizations', { name: '   ' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(failure('name_is_required'));
      expect(expectOk(await as(t, owner)('GET', '/organizations'))).toHaveLength(1);
    });

    it('renaming needs UpdateOrgName: a Developer gets 403 and the name stays', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });
      const res = await as(t, dev)('PUT', `/organizations/${owner.orgId}`, { name: 'Hijacked' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(failure('Forbidden'));
      expect(expectOk(await as(t, owner)('GET', '/organizations'))[0].name).toBe('Acme');

      // A custom policy granting just UpdateOrgName is enough.
      const renamer = await addMember(t, owner, { statements: [{ resourceType: 'organization', effect: 'allow', actions: ['UpdateOrgName'], resources: ['organization/*'] }] });
      expect((await as(t, renamer)('PUT', `/organizations/${owner.orgId}`, { name: 'Acme 2' })).status).toBe(200);
      // ...but a deny on this organization wins.
      const denied = await addMember(t, owner, {
        statements: [
          { resourceType: 'organization', effect: 'allow', actions: ['*'], resources: ['*'] },
          { resourceType: 'organization', effect: 'deny', actions: ['UpdateOrgName'], resources: ['organization/acme'] },
        ],
      });
      expect((await as(t, denied)('PUT', `/organizations/${owner.orgId}`, { name: 'Nope' })).status).toBe(403);
      expect(expectOk(await as(t, owner)('GET', '/organizations'))[0].name).toBe('Acme 2');
    });

    it("renaming another organization's id is 404 (from inside one's own organization), and it stays unchanged", async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      // Another person's organization: the owner is not a member of it.
      const stranger = await addMember(t, owner, { policyIds: [] });
      const theirs = expectOk(await as(t, { auth: stranger.auth })('POST', '/organizations', { name: 'Stranger Co' }));

      const res = await as(t, owner)('PUT', `/organizations/${theirs.id}`, { name: 'Pwned' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(failure('ResourceNotFound'));
      // Also when the owner's own second organization is named while acting in the first.
      const mine = expectOk(await as(t, { auth: owner.auth })('POST', '/organizations', { name: 'Mine' }));
      expect((await as(t, owner)('PUT', `/organizations/${mine.id}`, { name: 'Renamed' })).status).toBe(404);

      const strangerOrgs = expectOk(await as(t, { auth: stranger.auth })('GET', '/organizations'));
      expect(strangerOrgs.find((o: any) => o.id === theirs.id).name).toBe('Stranger Co');
      expect(expectOk(await as(t, { auth: owner.auth })('GET', '/organizations')).find((o: any) => o.id === mine.id).name).toBe('Mine');
    });
  });

  describe('the Organization header', () => {
    it('selects which organization a session acts in', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const beta = expectOk(await as(t, owner)('POST', '/organizations', { name: 'Beta' }));
      expectOk(await as(t, owner)('POST', '/members', { email: 'only-in-acme@example.com', name: 'Acme Person' }));

      const inAcme = expectOk(await as(t, { auth: owner.auth, orgId: owner.orgId })('GET', '/members'));
      const inBeta = expectOk(await as(t, { auth: owner.auth, orgId: beta.id })('GET', '/members'));
      expect(inAcme.items.map((m: any) => m.email).sort()).toEqual(['only-in-acme@example.com', 'owner@example.com']);
      expect(inBeta.items.map((m: any) => m.email)).toEqual(['owner@example.com']);

      const perms = expectOk(await as(t, { auth: owner.auth, orgId: beta.id })('GET', '/user/permissions'));
      expect(perms.orgKey).toBe('beta');
    });

    it('is optional for a user in exactly one organization', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      expect((await as(t, { auth: owner.auth })('GET', '/members')).status).toBe(200);
    });

    it('a user in two organizations without the header gets 400 organization_is_required on organization routes', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      expectOk(await as(t, owner)('POST', '/organizations', { name: 'Beta' }));
      const call = as(t, { auth: owner.auth });
      for (const [method, url, body] of [
        ['GET', '/members'],
        ['POST', '/groups', { name: 'g' }],
        ['GET', '/policies'],
        ['PUT', `/organizations/${owner.orgId}`, { name: 'X' }],
        ['GET', '/user/permissions'],
      ] as const) {
        const res = await call(method, url, body);
        expect(res.status, `${method} ${url}`).toBe(400);
        expect(res.body).toEqual(failure('organization_is_required'));
      }
      // Routes about the user, not an organization, still work.
      expect((await call('GET', '/organizations')).status).toBe(200);
      expect((await call('GET', '/user/profile')).status).toBe(200);
      // Nothing was created by the refused calls.
      expect(expectOk(await as(t, owner)('GET', '/groups')).totalCount).toBe(0);
    });

    it("a member of organization A naming organization B in the header is 403 (and learns nothing of B's content)", async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const outsider = await addMember(t, owner, { policyIds: [] });
      const other = expectOk(await as(t, { auth: outsider.auth })('POST', '/organizations', { name: 'Other' }));
      // outsider is Owner of Other; the Acme owner is not a member there.
      for (const [method, url] of [
        ['GET', '/members'],
        ['GET', '/policies'],
        ['GET', `/members/${outsider.memberId}`],
        ['PUT', `/organizations/${other.id}`],
      ] as const) {
        const res = await as(t, { auth: owner.auth, orgId: other.id })(method, url, method === 'PUT' ? { name: 'Taken' } : undefined);
        expect(res.status, `${method} ${url}`).toBe(403);
        expect(res.body).toEqual(failure('Forbidden'));
      }
      // An organization id that does not exist at all gets the same answer.
      expect((await as(t, { auth: owner.auth, orgId: '00000000-0000-0000-0000-000000000000' })('GET', '/members')).status).toBe(403);
      expect(expectOk(await as(t, { auth: outsider.auth, orgId: other.id })('GET', '/organizations')).find((o: any) => o.id === other.id).name).toBe('Other');
    });

    it('is ignored for tokens: a token acts only in its own organization', async () => {
      t = await makeApp(backend);
      const owner = await setupOwner(t);
      const beta = expectOk(await as(t, owner)('POST', '/organizations', { name: 'Beta' }));
      const token = expectOk(
        await as(t, owner)('POST', '/access-tokens', { name: 'iam', type: 'Service', permissions: [{ resourceType: 'iam', effect: 'allow', actions: ['CanManageIAM'], resources: ['iam/*'] }] }),
      );
      const res = await t.call('GET', '/api/v1/members', { auth: token.secret, headers: { organization: beta.id } });
      expect(res.status).toBe(200);
      expect(res.body.data.items.map((m: any) => m.id)).toEqual([owner.memberId]);
    });
  });
});

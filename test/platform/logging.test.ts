// Structured logs never carry a password, a session credential, a token secret or a cookie.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, WEB_CLIENT_HEADER, WEB_CLIENT_VALUE } from '../../src/auth/authenticate.ts';
import { as, expectOk, setupOwner } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { memoryLog, type MemoryLog } from '../support/memory-log.ts';

describe.each(backends)('log redaction (%s)', (backend) => {
  let t: TestApp;
  let log: MemoryLog;

  beforeEach(async () => {
    log = memoryLog('trace');
    t = await makeApp(backend, { logger: log.options });
  });
  afterEach(async () => {
    await t.close();
  });

  it('a whole session at trace level (setup, logins, cookie, token, member, failures, logout) logs no secret', async () => {
    const secrets: string[] = ['owner-password', 'member-password', 'wrong-password-123'];

    const owner = await setupOwner(t);
    secrets.push(owner.auth.slice('Bearer '.length));

    const login = expectOk(await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: owner.email, password: 'owner-password' } }));
    secrets.push(login.session);
    await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: owner.email, password: 'wrong-password-123' } });

    // The web UI's login sets the session as a cookie; use it on a later request.
    const web = await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: owner.email, password: 'owner-password' }, headers: { [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE } });
    const setCookie = String(web.headers['set-cookie']);
    const cookieValue = setCookie.match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))![1];
    secrets.push(cookieValue);
    expect((await t.call('GET', '/api/v1/user/profile', { headers: { cookie: `${SESSION_COOKIE}=${cookieValue}` } })).status).toBe(200);

    const call = as(t, owner);
    const token = expectOk(
      await call('POST', '/access-tokens', {
        name: 'ci',
        type: 'Service',
        permissions: [{ resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] }],
      }),
    );
    secrets.push(token.secret);
    expect((await t.call('GET', '/api/v1/user/profile', { auth: token.secret })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/user/profile', { auth: `Bearer ${token.secret}` })).status).toBe(200);

    const invited = expectOk(await call('POST', '/members', { email: 'new@example.com', name: 'New' }));
    secrets.push(invited.invitation.code);
    expectOk(await t.call('POST', '/api/v1/invitations/redeem', { body: { code: invited.invitation.code, name: 'New', password: 'member-password' } }));
    const newcomer = expectOk(await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: 'new@example.com', password: 'member-password' } }));
    secrets.push('newcomers-next-password');
    expectOk(await t.call('PUT', '/api/v1/user/password', { auth: `Bearer ${newcomer.session}`, body: { currentPassword: 'member-password', newPassword: 'newcomers-next-password' } }));
    expectOk(await t.call('POST', '/api/v1/identity/logout', { auth: `Bearer ${login.session}` }));

    // A failure inside a request that carries credentials: the error is logged, the credentials are not.
    await sql`alter table users rename to users_gone`.execute(t.db.kysely);
    const broken = await t.call('POST', '/api/v1/identity/login-by-email', {
      auth: owner.auth,
      headers: { cookie: `${SESSION_COOKIE}=${cookieValue}` },
      body: { email: owner.email, password: 'owner-password' },
    });
    expect(broken.status).toBe(500);
    await sql`alter table users_gone rename to users`.execute(t.db.kysely);

    const text = log.text();
    // The log was really written, at trace level, for these requests.
    expect(log.lines().length).toBeGreaterThan(20);
    expect(log.lines().some((l) => l.level >= 50 && l.reqId === broken.headers['x-request-id'])).toBe(true);
    for (const secret of secrets) expect(text, `log contains ${secret.slice(0, 12)}…`).not.toContain(secret);
    // Not even the distinctive middle of a credential.
    for (const secret of secrets.filter((s) => s.startsWith('ens_'))) expect(text).not.toContain(secret.slice(8, 30));
    expect(text).not.toMatch(/Bearer ens_/);
    expect(text).not.toContain('$argon2');
  });

  it("the server's logger censors credential-bearing fields whoever logs them", () => {
    t.app.log.info(
      {
        password: 'p-top-level',
        secret: 's-top-level',
        session: 'ses-top-level',
        body: { password: 'p-nested', secret: 's-nested', token: 't-nested', session: 'ses-nested' },
        headers: { authorization: 'Bearer auth-header', cookie: 'ensign_session=cookie-value' },
        req: { headers: { authorization: 'Bearer req-auth', cookie: 'ensign_session=req-cookie' } },
      },
      'something happened',
    );
    const text = log.text();
    expect(text).toContain('something happened');
    expect(text).toContain('[redacted]');
    for (const leaked of ['p-top-level', 's-top-level', 'ses-top-level', 'p-nested', 's-nested', 't-nested', 'ses-nested', 'auth-header', 'cookie-value', 'req-auth', 'req-cookie']) {
      expect(text).not.toContain(leaked);
    }
  });
});

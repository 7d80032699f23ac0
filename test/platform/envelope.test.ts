// Every response, success or failure, is {success, errors, data} with stable codes (03-rest-api.md, "Envelope and errors").
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCredential } from '../../src/auth/credential-format.ts';
import { addMember, as, builtinPolicyId, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { memoryLog } from '../support/memory-log.ts';

const LOGIN = '/api/v1/identity/login-by-email';
const failure = (...errors: string[]) => ({ success: false, errors, data: null });

describe.each(backends)('response envelope (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;

  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
  });
  afterEach(async () => {
    await t.close();
  });

  const raw = (payload: string, contentType: string, url = LOGIN) => t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

  it('malformed JSON is a 400 body_is_invalid_json, on public and authenticated routes alike', async () => {
    const pub = await raw('{"email":', 'application/json');
    expect(pub.statusCode).toBe(400);
    expect(pub.json()).toEqual(failure('body_is_invalid_json'));

    const secured = await t.app.inject({
      method: 'POST',
      url: '/api/v1/policies',
      headers: { 'content-type': 'application/json', authorization: owner.auth, organization: owner.orgId },
      payload: '{"name": "x", ',
    });
    expect(secured.statusCode).toBe(400);
    expect(secured.json()).toEqual(failure('body_is_invalid_json'));
  });

  it('prototype poisoning in JSON is refused as invalid JSON', async () => {
    const res = await raw('{"__proto__": {"isAdmin": true}, "email": "a@b.c", "password": "xxxxxxxx"}', 'application/json');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(failure('body_is_invalid_json'));
  });

  it('an empty JSON body is a 400 body_is_required', async () => {
    const res = await raw('', 'application/json');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(failure('body_is_required'));
  });

  it('an unknown field is a 400 <field>_is_unknown', async () => {
    const res = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password', isAdmin: true } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(failure('isAdmin_is_unknown'));
  });

  it('wrong types are a 400 <field>_is_invalid, one code per field', async () => {
    const res = await t.call('POST', LOGIN, { body: { email: 42, password: true } });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.data).toBeNull();
    expect(res.body.errors.sort()).toEqual(['email_is_invalid', 'password_is_invalid']);
  });

  it('a missing field is a 400 <field>_is_required', async () => {
    const res = await t.call('POST', LOGIN, { body: { email: 'owner@example.com' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(failure('password_is_required'));
  });

  it('several problems in one body are all reported, on an authenticated route', async () => {
    const res = await as(t, owner)('POST', '/policies', { name: 7, extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.errors.sort()).toEqual(['extra_is_unknown', 'key_is_required', 'name_is_invalid']);
    expect(res.body.data).toBeNull();
  });

  it('a body that is JSON but not an object is a 400, not a crash', async () => {
    const res = await raw('[1,2,3]', 'application/json');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(failure('body_is_invalid'));
  });

  it('query strings are validated too: a pageSize below 1 or not a number is a 400 pageSize_is_invalid; a large one is served (clamped to 1,000)', async () => {
    for (const bad of ['0', '-1', 'ten']) {
      const res = await as(t, owner)('GET', `/members?pageSize=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body).toEqual(failure('pageSize_is_invalid'));
    }
    expect(expectOk(await as(t, owner)('GET', '/members?pageSize=100000')).totalCount).toBe(1);
  });

  it('a body over 1 MiB is a 413 PayloadTooLarge', async () => {
    const res = await t.call('POST', LOGIN, { body: { email: 'x'.repeat(1024 * 1024 + 10), password: 'whatever1' } });
    expect(res.status).toBe(413);
    expect(res.body).toEqual(failure('PayloadTooLarge'));
  });

  it('a text/plain body is a 415 UnsupportedMediaType (not a validation error)', async () => {
    const res = await raw('{"email":"owner@example.com","password":"owner-password"}', 'text/plain');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual(failure('UnsupportedMediaType'));
  });

  it('a form body is a 415 UnsupportedMediaType', async () => {
    const res = await raw('email=owner%40example.com&password=owner-password', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual(failure('UnsupportedMediaType'));
  });

  it('an unknown route is a 404 ResourceNotFound, with or without a credential', async () => {
    for (const auth of [null, owner.auth]) {
      const res = await t.call('GET', '/api/v1/no-such-thing', { auth });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(failure('ResourceNotFound'));
    }
    const wrongMethod = await t.call('PATCH', '/api/v1/members', { auth: owner.auth, headers: { organization: owner.orgId } });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.body).toEqual(failure('ResourceNotFound'));
    const outsideApi = await t.call('GET', '/nope.json', { headers: { accept: 'application/json' } });
    expect(outsideApi.status).toBe(404);
    expect(outsideApi.body).toEqual(failure('ResourceNotFound'));
  });

  it('a URL Fastify cannot route (bad escape, over-long parameter) is a 400 url_is_invalid with the usual API headers', async () => {
    for (const url of ['/api/v1/projects/%ZZ', `/api/v1/envs/${'a'.repeat(300)}/feature-flags/x`]) {
      const res = await t.call('GET', url, { auth: owner.auth });
      expect(res.status, url).toBe(400);
      expect(res.body).toEqual(failure('url_is_invalid'));
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('every kind of bad credential is the same 401 with WWW-Authenticate', async () => {
    const session = owner.auth.slice('Bearer '.length);
    const wrongChecksum = session.slice(0, -1) + (session.endsWith('A') ? 'B' : 'A');
    const cases: (string | null)[] = [null, 'Bearer nope', `Bearer ${wrongChecksum}`, `Bearer ${generateCredential('Session')}`, generateCredential('Personal'), 'Basic b3duZXI6cGFzcw=='];
    for (const auth of cases) {
      const res = await t.call('GET', '/api/v1/user/profile', { auth });
      expect(res.status, String(auth)).toBe(401);
      expect(res.body).toEqual(failure('Unauthorized'));
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('a 403 is the Forbidden envelope', async () => {
    const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });
    const res = await as(t, dev)('GET', '/members');
    expect(res.status).toBe(403);
    expect(res.body).toEqual(failure('Forbidden'));
  });

  it('a success is {success: true, errors: [], data} and every response names its request id', async () => {
    const res = await as(t, owner)('GET', '/user/profile');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, errors: [], data: expect.objectContaining({ email: 'owner@example.com' }) });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a client-chosen request id is ignored (ids come from the server only)', async () => {
    const res = await t.call('GET', '/healthz', { headers: { 'request-id': 'attacker-chosen', 'x-request-id': 'attacker-chosen' } });
    expect(res.headers['x-request-id']).not.toBe('attacker-chosen');
  });

  it('GET /healthz answers 200 with the envelope', async () => {
    const res = await t.call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, errors: [], data: { status: 'ok' } });
  });

  it('GET /openapi.json is an OpenAPI 3.1 document listing the routes', async () => {
    const res = await t.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/api/v1/setup',
      '/api/v1/identity/login-by-email',
      '/api/v1/identity/logout',
      '/api/v1/user/profile',
      '/api/v1/organizations',
      '/api/v1/organizations/{orgId}',
      '/api/v1/members',
      '/api/v1/members/{memberId}',
      '/api/v1/members/{memberId}/add-policy/{policyId}',
      '/api/v1/members/{memberId}/remove-policy/{policyId}',
      '/api/v1/members/{memberId}/policies',
      '/api/v1/groups',
      '/api/v1/groups/{groupId}',
      '/api/v1/groups/{groupId}/add-member/{memberId}',
      '/api/v1/groups/{groupId}/add-policy/{policyId}',
      '/api/v1/policies',
      '/api/v1/policies/{policyId}',
      '/api/v1/policies/{policyId}/settings',
      '/api/v1/policies/{policyId}/statements',
      '/api/v1/groups/{groupId}/members',
      '/api/v1/groups/{groupId}/policies',
      '/api/v1/policies/clone/{key}',
      '/api/v1/policies/{policyId}/members',
      '/api/v1/policies/{policyId}/groups',
      '/api/v1/envs/{envId}/audit-logs',
      '/api/v1/access-tokens',
    ]) {
      expect(paths, p).toContain(p);
    }
    // The login body is described from the route schema.
    expect(res.body.paths['/api/v1/identity/login-by-email'].post.requestBody.content['application/json'].schema.required).toEqual(['email', 'password']);
  });

  it('/docs serves the browsable HTML page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    const page = res.statusCode >= 300 && res.statusCode < 400 ? await t.app.inject({ method: 'GET', url: String(res.headers.location) }) : res;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<html/i);
  });
});

describe.each(backends)('internal errors (%s)', (backend) => {
  it('a 500 body reveals nothing, and the log carries the error under the request id the response names', async () => {
    const log = memoryLog('info');
    const t = await makeApp(backend, { logger: log.options });
    try {
      await setupOwner(t);
      // Pull the users table out from under the running app: the next login fails inside the database layer.
      await sql`alter table users rename to users_gone`.execute(t.db.kysely);
      const res = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } });

      expect(res.status).toBe(500);
      expect(res.body).toEqual({ success: false, errors: ['InternalServerError'], data: null });
      expect(JSON.stringify(res.body)).not.toMatch(/users|sql|stack|table/i);
      const requestId = res.headers['x-request-id'];
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

      const errorLines = log.lines().filter((l) => l.level >= 50);
      const line = errorLines.find((l) => l.reqId === requestId);
      expect(line, JSON.stringify(errorLines)).toBeDefined();
      expect(JSON.stringify(line)).toMatch(/users/); // the detail is in the log, not the response
    } finally {
      await sql`alter table users_gone rename to users`.execute(t.db.kysely).catch(() => undefined);
      await t.close();
    }
  });
});

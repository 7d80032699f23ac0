// Web security for the UI (issue 7): strict CSP, no inline script, session cookie HttpOnly + SameSite=Strict (+ Secure
// when configured for TLS), CSRF-safe state changes, clickjacking protection, no CORS.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, WEB_CLIENT_HEADER, WEB_CLIENT_VALUE } from '../../src/auth/authenticate.ts';
import { expectOk } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { operationsOf } from './support/fuzz.ts';
import { report } from './support/scale.ts';
import { diffSnapshots, snapshot } from './support/snapshot.ts';
import { buildWorld, type World } from './support/world.ts';

const WEB_DIST = resolve('web/dist');
const hasUi = existsSync(join(WEB_DIST, 'index.html'));
if (!hasUi) console.warn(`[reliability] web security: UI checks SKIPPED, ${WEB_DIST}/index.html is missing (build it: npx vite build --config web/vite.config.ts)`);

/** A CSP header as directive → sources. */
function parseCsp(header: unknown): Record<string, string[]> {
  return Object.fromEntries(
    String(header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name.toLowerCase(), sources]),
  );
}

/** What a strict policy for our UI must say; returns the problems. */
function strictCspProblems(header: unknown): string[] {
  const csp = parseCsp(header);
  const problems: string[] = [];
  const scripts = csp['script-src'] ?? csp['default-src'];
  if (!scripts) problems.push('no script-src or default-src');
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", 'data:', 'blob:', '*', 'http:', 'https:']) if (scripts?.includes(bad)) problems.push(`script-src allows ${bad}`);
  if (csp['script-src-attr'] && csp['script-src-attr'].join(' ') !== "'none'") problems.push('inline event handlers allowed');
  if (csp['default-src']?.join(' ') !== "'self'") problems.push(`default-src is ${csp['default-src']}`);
  if (csp['object-src']?.join(' ') !== "'none'") problems.push('object-src is not none');
  if (csp['base-uri']?.join(' ') !== "'none'") problems.push('base-uri is not none');
  if (csp['frame-ancestors']?.join(' ') !== "'none'") problems.push('frame-ancestors is not none');
  if (csp['form-action']?.join(' ') !== "'self'") problems.push('form-action is not self');
  return problems;
}

describe('the built UI (web/dist)', () => {
  it.skipIf(!hasUi)('index.html has no inline script, no inline event handler, no javascript: URL; scripts are same-origin files', () => {
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body.trim(), 'inline script body').toBe('');
      const src = /\bsrc="([^"]+)"/.exec(attrs)?.[1];
      expect(src, 'every script has a src').toBeDefined();
      expect(src!.startsWith('/') && !src!.startsWith('//'), `same-origin src: ${src}`).toBe(true);
      expect(existsSync(join(WEB_DIST, src!)), `${src} exists`).toBe(true);
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/<meta[^>]+http-equiv/i); // the policy comes from the header only
  });
});

describe.each(backends)('web security (%s)', (backend) => {
  let t: TestApp;
  let world: World;
  let ops: ReturnType<typeof operationsOf>;
  let cookie: string;

  beforeAll(async () => {
    t = await makeApp(backend, { webDir: WEB_DIST });
    world = await buildWorld(t);
    ops = operationsOf((await t.call('GET', '/openapi.json')).body);
    cookie = world.valid.find((c) => c.name === 'owner cookie from the web UI')!.headers.cookie as string;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it.skipIf(!hasUi)('the UI and its client-side routes are served with a strict CSP, X-Frame-Options DENY and nosniff', async () => {
    for (const url of ['/', '/integrations/access-tokens', '/iam/policies/x?y=1']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(strictCspProblems(res.headers['content-security-policy']), url).toEqual([]);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    }
    const html = (await t.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } })).body;
    const script = /<script[^>]*src="([^"]+)"/.exec(html)![1];
    const js = await t.app.inject({ method: 'GET', url: script });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['x-content-type-options']).toBe('nosniff');
  });

  it('API answers, errors and the API docs cannot be framed either', async () => {
    const answers = [
      await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { authorization: world.valid[0].headers.authorization as string } }),
      await t.app.inject({ method: 'GET', url: '/api/v1/projects' }),
      await t.app.inject({ method: 'GET', url: '/api/v1/nope' }),
      await t.app.inject({ method: 'GET', url: '/healthz' }),
    ];
    for (const res of answers) {
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(parseCsp(res.headers['content-security-policy'])['frame-ancestors']).toEqual(["'none'"]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    // /docs keeps swagger-ui's own policy (frame-ancestors 'self'); X-Frame-Options DENY still forbids other sites.
    const docs = await t.app.inject({ method: 'GET', url: '/docs/', headers: { accept: 'text/html' } });
    expect(docs.headers['x-frame-options']).toBe('DENY');
    const csp = parseCsp(docs.headers['content-security-policy']);
    expect(csp['frame-ancestors']).not.toContain('*');
    expect(csp['script-src']).not.toContain("'unsafe-inline'");
  });

  it('the session cookie from a web sign-in is HttpOnly, SameSite=Strict, Path=/, and the body never carries the credential', async () => {
    const res = await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: world.ownerEmail, password: 'owner-password' }, headers: { [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE } });
    expect(res.status).toBe(200);
    expect(res.body.data.session).toBeNull();
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(new RegExp(`^${SESSION_COOKIE}=ens_ses_`));
    const attrs = set.split(';').map((a) => a.trim().toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=strict');
    expect(attrs).toContain('path=/');
    expect(attrs.some((a) => a.startsWith('expires='))).toBe(true);
    expect(attrs).not.toContain('secure'); // plain HTTP on 127.0.0.1 by default; see the next test for TLS
    // Logging out clears it.
    const out = await t.call('POST', '/api/v1/identity/logout', { headers: { cookie: set.split(';')[0], [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE } });
    expect(out.status).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*(Expires=Thu, 01 Jan 1970|Max-Age=0)`, 'i'));
  });

  it('with SECURE_COOKIES=true (served over TLS, e.g. behind a proxy) the cookie is also Secure, from setup and from sign-in', async () => {
    const tls = await makeApp(backend, { secureCookies: true });
    try {
      const setup = await tls.call('POST', '/api/v1/setup', {
        body: { organizationName: 'TLS', name: 'Owner', email: 'tls@example.com', password: 'owner-password' },
        headers: { [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE },
      });
      const login = await tls.call('POST', '/api/v1/identity/login-by-email', { body: { email: 'tls@example.com', password: 'owner-password' }, headers: { [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE } });
      for (const res of [setup, login]) {
        expect(res.status).toBe(200);
        const attrs = String(res.headers['set-cookie'])
          .split(';')
          .map((a) => a.trim().toLowerCase());
        expect(attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'secure']));
      }
    } finally {
      await tls.close();
    }
  });

  it('CSRF: every state-changing route refuses a cookie-authenticated request without X-Requested-With: ensign-web (403), and nothing changes', async () => {
    const before = await snapshot(t.db);
    const unsafe = ops.filter((o) => o.method !== 'GET' && o.secured);
    let refused = 0;
    for (const op of unsafe) {
      const url = op.pathParams.reduce((u, p) => u.replace(`{${p}}`, encodeURIComponent((world.own as any)[p])), op.path);
      for (const extra of [{}, { [WEB_CLIENT_HEADER]: 'XMLHttpRequest' }, { [WEB_CLIENT_HEADER]: 'ensign-web, x' }]) {
        const res = await t.app.inject({ method: op.method as any, url, headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example', ...extra }, payload: '{}' });
        expect(res.statusCode, `${op.method} ${url} ${JSON.stringify(extra)}`).toBe(403);
        expect(res.json()).toEqual({ success: false, errors: ['Forbidden'], data: null });
        refused++;
      }
    }
    expect(diffSnapshots(before, await snapshot(t.db))).toEqual([]);
    report(`csrf (${backend})`, { routes: unsafe.length, refused });
  });

  it('CSRF: the same requests with the header go through, so the 403 above was the CSRF check and not something else', async () => {
    const envId = world.own.envId;
    const withHeader = { cookie, [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE };
    const res = await t.call('PUT', `/api/v1/envs/${envId}/feature-flags/${world.own.key}/toggle/true`, { headers: withHeader });
    expect(res.status).toBe(200);
    expect(expectOk(await t.call('POST', '/api/v1/projects', { headers: withHeader, body: { key: 'csrf-ok', name: 'ok' } })).key).toBe('csrf-ok');
    // Safe methods need no header: SameSite=Strict already keeps the cookie off cross-site requests.
    expect((await t.call('GET', '/api/v1/projects', { headers: { cookie } })).status).toBe(200);
  });

  it('cross-site form content types (form-urlencoded, multipart, text/plain) never reach a handler, with or without the header', async () => {
    const before = await snapshot(t.db);
    const bodies: Record<string, string> = {
      'application/x-www-form-urlencoded': 'key=evil&name=evil',
      'multipart/form-data; boundary=x': '--x\r\nContent-Disposition: form-data; name="key"\r\n\r\nevil\r\n--x--\r\n',
      'text/plain': '{"key":"evil","name":"evil"}',
    };
    for (const [type, payload] of Object.entries(bodies)) {
      const noHeader = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { cookie, 'content-type': type }, payload });
      expect(noHeader.statusCode, type).toBe(403);
      const withHeader = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { cookie, 'content-type': type, [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE }, payload });
      expect(withHeader.statusCode, type).toBe(415);
      // Sign-in is public: a cross-site form cannot log a victim into the attacker's account either.
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/identity/login-by-email',
        headers: { 'content-type': type },
        payload: type.startsWith('text') ? `{"email":"${world.ownerEmail}","password":"owner-password"}` : `email=${world.ownerEmail}&password=owner-password`,
      });
      expect(login.statusCode, `login ${type}`).toBe(415);
      expect(login.headers['set-cookie']).toBeUndefined();
    }
    expect(diffSnapshots(before, await snapshot(t.db))).toEqual([]);
  });

  it('no CORS: another origin gets no Access-Control-Allow-* header, and a preflight is not answered with permission', async () => {
    const auth = world.valid[0].headers.authorization as string;
    const get = await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { origin: 'https://evil.example', authorization: auth } });
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/projects',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-requested-with' },
    });
    for (const res of [get, preflight]) expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(preflight.statusCode).toBe(404);
  });

  it('a token or a session in the cookie slot is not a credential for tokens: only a session cookie is accepted', async () => {
    const token = world.secrets.find((s) => s.startsWith('ens_svc_'))!;
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    expect(res.statusCode).toBe(401);
  });
});

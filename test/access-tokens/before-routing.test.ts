// The two answers given before Fastify routes a request (src/auth/credential-gate.ts and
// src/flags/flag-fast-read.ts) must be exactly what the full route answers, and must see every revocation
// the route sees. Only a real socket reaches them (inject() goes straight to Fastify), so each check here
// sends the same request both ways and compares; the info log says which path answered.
import { Agent, get as httpGet } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { FakeClock } from '../support/fake-clock.ts';

const LIMIT = 40;
const FAST = 'flag served from memory';
const GATED = 'malformed credential refused before routing';
// Set by Node per connection or per response, or unique per request: not part of what is compared.
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id', 'x-ratelimit-remaining']);

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const comparable = (a: Answer) => ({
  status: a.status,
  body: a.body,
  headers: Object.fromEntries(
    Object.entries(a.headers)
      .filter(([k]) => !TRANSPORT.has(k))
      .sort(),
  ),
});

describe.each(backends)('answers before routing (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  let base: string;
  let envId: string;
  let flagPath: string;
  const logged: string[] = [];
  const o = (method: string, url: string, body?: unknown) => as(t, owner)(method, url, body);

  /** Through the HTTP server: pre-routers first, then Fastify. */
  async function socket(path: string, headers: Record<string, string> = {}, method = 'GET', body?: unknown): Promise<Answer> {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
  }
  /** Straight to Fastify. */
  async function fastify(path: string, headers: Record<string, string> = {}, method = 'GET', body?: unknown): Promise<Answer> {
    const res = await t.app.inject({ method: method as 'GET', url: path, headers, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: res.body, headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])) };
  }
  /** How many answers of each kind the log recorded since the last call. */
  function answeredBefore(): { fast: number; gated: number } {
    const lines = logged.splice(0);
    return { fast: lines.filter((l) => l.includes(FAST)).length, gated: lines.filter((l) => l.includes(GATED)).length };
  }
  const serviceToken = async (name: string, resources = ['project/web:env/prod'], extra: object = {}) =>
    expectOk(await o('POST', '/access-tokens', { name, type: 'Service', permissions: [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources }], ...extra }));

  beforeEach(async () => {
    clock = new FakeClock();
    logged.length = 0;
    // Entries live an hour: what drops them here is each change itself, not their age.
    t = await makeApp(backend, { clock, rateLimitPerMinute: LIMIT, cacheRevalidateSeconds: 3600, logger: { level: 'info', stream: { write: (line: string) => void logged.push(line) } } });
    owner = await setupOwner(t);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    envId = project.environments.find((e: { key: string }) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout', tags: ['beta'] }));
    flagPath = `/api/v1/envs/${envId}/feature-flags/checkout`;
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    answeredBefore();
  });
  afterEach(async () => t.close());

  describe('the credential gate', () => {
    it('answers a malformed credential with exactly the 401 the authentication hook gives', async () => {
      const tok = await serviceToken('real');
      const forged = tok.secret.slice(0, -1) + (tok.secret.endsWith('A') ? 'B' : 'A');
      for (const authorization of [forged, `Bearer ${forged}`, 'Bearer nonsense', 'ens_pat_short', 'x'.repeat(300), `${tok.secret}x`]) {
        for (const [method, path] of [
          ['GET', flagPath],
          ['GET', '/api/v1/projects'],
          ['GET', '/api/v1/access-tokens?pageSize=5'],
          ['PUT', `/api/v1/envs/${envId}/feature-flags/checkout/toggle/true`],
        ]) {
          const early = await socket(path, { authorization }, method);
          const late = await fastify(path, { authorization }, method);
          expect(comparable(early), `${method} ${path} with ${authorization.slice(0, 12)}…`).toEqual(comparable(late));
          expect(early.status).toBe(401);
          expect(early.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        }
      }
      expect(answeredBefore().gated).toBe(24);
      // Refused before a body is read: a write with a forged credential changes nothing either.
      const write = await socket('/api/v1/projects', { authorization: forged }, 'POST', { name: 'Nope', key: 'nope' });
      expect(write.status).toBe(401);
      expect(expectOk(await o('GET', '/projects')).map((p: { key: string }) => p.key)).toEqual(['web']);
    });

    it('leaves public routes, other paths, encoded paths and well-formed credentials to Fastify', async () => {
      const authorization = 'Bearer not-a-credential';
      // Public routes ignore the header, as they do without the gate.
      for (const [method, path, body] of [
        ['GET', '/api/v1/setup', undefined],
        ['POST', '/api/v1/identity/login-by-email', { email: owner.email, password: 'owner-password' }],
      ] as const) {
        const early = await socket(path, { authorization }, method, body);
        expect(early.status, path).toBe(200);
      }
      expect((await socket('/healthz', { authorization })).status).toBe(200);
      expect((await socket('/openapi.json', { authorization })).status).toBe(200);
      // A percent-encoded path is Fastify's to decode; it answers the same 401 itself.
      const encoded = await socket('/api/v1/pro%6Aects', { authorization });
      expect(encoded.status).toBe(401);
      expect(answeredBefore().gated).toBe(0);
      // Unknown paths under the API: the gate refuses the credential before anything says whether the path exists.
      expect((await socket('/api/v1/no-such-thing', { authorization })).status).toBe(401);
      expect(answeredBefore().gated).toBe(1);
    });
  });

  describe('the flag read served from memory', () => {
    it('serves the second read of a token from memory, identical to the route, counting each request once against the limit', async () => {
      const tok = await serviceToken('poller');
      const headers = { authorization: tok.secret };
      const first = await socket(flagPath, headers);
      expect(first.status).toBe(200);
      expect(answeredBefore().fast).toBe(0); // nothing cached yet: the route answered, and filled the caches
      const second = await socket(flagPath, headers);
      expect(answeredBefore().fast).toBe(1);
      const routed = await fastify(flagPath, headers);
      expect(comparable(second)).toEqual(comparable(routed));
      expect(comparable(second)).toEqual(comparable(first));
      expect(JSON.parse(second.body).data.key).toBe('checkout');
      // One limiter, one count per request, whichever path answered.
      const remaining = [first, second, routed].map((a) => Number(a.headers['x-ratelimit-remaining']));
      expect(remaining).toEqual([LIMIT - 1, LIMIT - 2, LIMIT - 3]);
      expect(second.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    });

    it('sees a deactivation, a reactivation and a deletion at once', async () => {
      const tok = await serviceToken('toggled');
      const headers = { authorization: tok.secret };
      await socket(flagPath, headers);
      expect((await socket(flagPath, headers)).status).toBe(200);
      expectOk(await o('PUT', `/access-tokens/${tok.id}/deactivate`));
      const refused = await socket(flagPath, headers);
      expect(comparable(refused)).toEqual(comparable(await fastify(flagPath, headers)));
      expect(refused.status).toBe(403);
      expectOk(await o('PUT', `/access-tokens/${tok.id}/activate`));
      expect((await socket(flagPath, headers)).status).toBe(200);
      expect((await socket(flagPath, headers)).status).toBe(200);
      expect(answeredBefore().fast).toBe(2);
      expectOk(await o('DELETE', `/access-tokens/${tok.id}`));
      expect((await socket(flagPath, headers)).status).toBe(401);
      expect(answeredBefore().fast).toBe(0);
    });

    it("follows a personal token's owner: a narrowed policy or a removed member refuses the next read", async () => {
      const tokens = { resourceType: 'access-token' as const, effect: 'allow' as const, actions: ['ManagePersonalAccessTokens'], resources: ['access-token/*'] };
      const reader = await addMember(t, owner, { statements: [tokens, { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] }] });
      const pat = expectOk(await as(t, reader)('POST', '/access-tokens', { name: 'mine', type: 'Personal' }));
      const headers = { authorization: pat.secret };
      await socket(flagPath, headers);
      expect((await socket(flagPath, headers)).status).toBe(200);
      expect(answeredBefore().fast).toBe(1);
      const policies = expectOk(await o('GET', `/members/${reader.memberId}/policies`));
      const policyId = policies.items?.[0]?.id ?? policies[0].id;
      // The owner's policy now denies this environment: the token, cached and all, can no longer read it.
      expectOk(
        await o('PUT', `/policies/${policyId}/statements`, [
          tokens,
          { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] },
          { resourceType: 'env', effect: 'deny', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] },
        ]),
      );
      expect((await socket(flagPath, headers)).status).toBe(403);
      expect(answeredBefore().fast).toBe(0);
      expectOk(await o('PUT', `/policies/${policyId}/statements`, [tokens, { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] }]));
      expect((await socket(flagPath, headers)).status).toBe(200);
      expect((await socket(flagPath, headers)).status).toBe(200);
      expect(answeredBefore().fast).toBe(1);
      expectOk(await o('DELETE', `/members/${reader.memberId}`));
      expect((await socket(flagPath, headers)).status).toBe(403);
      expect(answeredBefore().fast).toBe(0);
    });

    it('serves a changed flag at once, and never a flag the token may not read', async () => {
      const tok = await serviceToken('reader');
      const headers = { authorization: tok.secret };
      await socket(flagPath, headers);
      expect(JSON.parse((await socket(flagPath, headers)).body).data.isEnabled).toBe(false);
      expectOk(await o('PUT', `/envs/${envId}/feature-flags/checkout/toggle/true`));
      expect(JSON.parse((await socket(flagPath, headers)).body).data.isEnabled).toBe(true);
      expect(JSON.parse((await socket(flagPath, headers)).body).data.isEnabled).toBe(true);
      expect(answeredBefore().fast).toBe(2); // the reads right after the first one and after the toggle went to the route
      // Another environment's token: the flag is cached (above), but this token is refused, by the route.
      const project = expectOk(await o('GET', '/projects')).find((p: { key: string }) => p.key === 'web');
      const devId = project.environments.find((e: { key: string }) => e.key === 'dev').id;
      expect(devId).toBeTruthy();
      const other = await serviceToken('dev-only', ['project/web:env/dev']);
      for (let i = 0; i < 2; i++) {
        const refused = await socket(flagPath, { authorization: other.secret });
        expect(refused.status).toBe(403);
        expect(comparable(refused)).toEqual(comparable(await fastify(flagPath, { authorization: other.secret })));
      }
      expect(answeredBefore().fast).toBe(0);
    });

    it('refuses an expired token the moment it expires', async () => {
      const tok = await serviceToken('short', ['project/web:env/prod'], { expiresAt: new Date(clock.now() + 60_000).toISOString() });
      const headers = { authorization: tok.secret };
      await socket(flagPath, headers);
      expect((await socket(flagPath, headers)).status).toBe(200);
      expect(answeredBefore().fast).toBe(1);
      clock.advance(59_999);
      expect((await socket(flagPath, headers)).status).toBe(200);
      clock.advance(1);
      expect((await socket(flagPath, headers)).status).toBe(401);
      expect(answeredBefore().fast).toBe(1);
    });

    it('warns of a near expiry from memory exactly as the route does (Ensign-Token-Expires-In)', async () => {
      const tok = await serviceToken('expiring', ['project/web:env/prod'], { expiresAt: new Date(clock.now() + 3 * 86_400_000).toISOString() });
      const headers = { authorization: tok.secret };
      const first = await socket(flagPath, headers);
      const second = await socket(flagPath, headers);
      expect(answeredBefore().fast).toBe(1);
      expect(second.headers['ensign-token-expires-in']).toBe(String(3 * 86_400));
      expect(comparable(second)).toEqual(comparable(first));
      expect(comparable(second)).toEqual(comparable(await fastify(flagPath, headers)));
    });

    it('answers the 429 itself once the limit is spent, with the headers the route gives', async () => {
      const tok = await serviceToken('greedy');
      const headers = { authorization: tok.secret };
      for (let i = 0; i < LIMIT; i++) expect((await socket(flagPath, headers)).status).toBe(200);
      expect(answeredBefore().fast).toBe(LIMIT - 1);
      const early = await socket(flagPath, headers);
      expect(early.status).toBe(429);
      expect(logged.filter((l) => l.includes('rate limited before routing'))).toHaveLength(1);
      const late = await fastify(flagPath, headers);
      expect(comparable(early)).toEqual(comparable(late));
      expect(early.headers['retry-after']).toMatch(/^\d+$/);
      expect(early.headers['x-ratelimit-remaining']).toBe('0');
    });

    it('a server closing while a client polls over one kept-alive connection still shuts down', async () => {
      const tok = await serviceToken('poller');
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const get = () =>
        new Promise<number>((resolve, reject) => {
          httpGet(base + flagPath, { agent, headers: { authorization: tok.secret } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          }).on('error', reject);
        });
      await get();
      expect(await get()).toBe(200);
      expect(answeredBefore().fast).toBe(1);
      const statuses: number[] = [];
      const poller = (async () => {
        for (;;) statuses.push(await get());
      })().catch(() => undefined); // ends when the server lets the connection go
      await new Promise((r) => setTimeout(r, 100));
      // The connection never idles; close() must still end it (requests during closing go to Fastify, which says 503).
      await t.app.close();
      await poller;
      agent.destroy();
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 200 || s === 429 || s === 503)).toBe(true);
    });

    it('leaves sessions, HEAD, other methods, encoded and near-miss paths to Fastify', async () => {
      const tok = await serviceToken('other');
      const headers = { authorization: tok.secret };
      await socket(flagPath, headers);
      answeredBefore();
      const cases: [string, string, Record<string, string>][] = [
        ['GET', flagPath, { authorization: owner.auth, organization: owner.orgId }],
        ['HEAD', flagPath, headers],
        ['DELETE', flagPath, headers],
        ['GET', flagPath.replace('checkout', 'check%6Fut'), headers],
        ['GET', `${flagPath}/`, headers],
        ['GET', `${flagPath}?x=1`, headers],
        ['GET', flagPath.replace('feature-flags', 'feature-flag'), headers],
      ];
      for (const [method, path, h] of cases) {
        const early = await socket(path, h, method);
        const late = await fastify(path, h, method);
        expect(early.status, `${method} ${path}`).toBe(late.status);
      }
      // Only the query-string read could be served from memory (the route ignores the query too).
      expect(answeredBefore().fast).toBe(1);
    });
  });
});

// Per-credential rate limits: exact within one instance, a 429 that says when to come back, and one
// credential's use never spends another's budget. The clock is fake, so windows are exact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { FakeClock } from '../support/fake-clock.ts';

const LIMIT = 5;

describe.each(backends)('per-credential rate limits (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  let flagUrl: string;
  const newToken = async (name: string) =>
    expectOk(
      await as(t, owner)('POST', '/access-tokens', { name, type: 'Service', permissions: [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }] }),
    ).secret as string;
  const read = (auth: string) => t.call('GET', flagUrl, { auth });

  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock, rateLimitPerMinute: LIMIT });
    owner = await setupOwner(t);
    const o = as(t, owner);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    const envId = project.environments.find((e: any) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
    flagUrl = `/api/v1/envs/${envId}/feature-flags/checkout`;
  });
  afterEach(async () => t.close());

  it('counts every request exactly: the limit is served, the next one is a 429 with Retry-After and X-RateLimit-*', async () => {
    const token = await newToken('counted');
    clock.advance(61_000); // a fresh window for everyone (setup spent the owner's session budget)
    for (let i = 1; i <= LIMIT; i++) {
      const res = await read(token);
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
      expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i));
    }
    clock.advance(15_000);
    const limited = await read(token);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ success: false, errors: ['TooManyRequests'], data: null });
    expect(limited.headers['retry-after']).toBe('45'); // the window opened 15 s ago
    expect(limited.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    // Refused requests do not extend the window: at its end the credential works again, with a full budget.
    clock.advance(45_000);
    const again = await read(token);
    expect(again.status).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('exact under concurrency: of 20 simultaneous requests, exactly the limit succeed', async () => {
    const token = await newToken('concurrent');
    clock.advance(61_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => read(token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(LIMIT);
    expect(results.filter((r) => r.status === 429)).toHaveLength(20 - LIMIT);
  });

  it("one credential's use never spends another's budget (tokens and sessions alike)", async () => {
    const noisy = await newToken('noisy');
    const quiet = await newToken('quiet');
    clock.advance(61_000);
    for (let i = 0; i < LIMIT + 3; i++) await read(noisy);
    expect((await read(noisy)).status).toBe(429);
    const res = await read(quiet);
    expect(res.status).toBe(200);
    expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
    const session = await t.call('GET', flagUrl, { auth: owner.auth, headers: { organization: owner.orgId } });
    expect(session.status).toBe(200);
    expect(session.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('a session is limited like a token', async () => {
    clock.advance(61_000);
    const call = () => t.call('GET', flagUrl, { auth: owner.auth, headers: { organization: owner.orgId } });
    for (let i = 0; i < LIMIT; i++) expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
  });
});

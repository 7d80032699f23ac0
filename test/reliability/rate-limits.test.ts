// Rate limits (03-rest-api.md 429; 04-operations.md "Per-credential rate limits ... exact within one instance"):
// a credential gets exactly its budget per minute, then 429 with Retry-After, and one credential's flood does not
// spend another's budget.
import { afterEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

describe.each(backends)('per-credential rate limits (%s)', (backend) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('exactly the configured number of requests per minute and credential, then 429 with Retry-After; other credentials unaffected; the next window is fresh', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    t = await makeApp(backend, { rateLimitPerMinute: 20, clock: { now: () => now } });
    const owner = await setupOwner(t);
    const token = expectOk(await as(t, owner)('POST', '/access-tokens', { name: 'limited', type: 'Personal', permissions: [] })).secret as string;
    const other = expectOk(await as(t, owner)('POST', '/access-tokens', { name: 'other', type: 'Personal', permissions: [] })).secret as string;
    const hit = (auth: string) => t.call('GET', '/api/v1/user/profile', { auth });

    for (let i = 1; i <= 20; i++) {
      const res = await hit(token);
      expect(res.status, `request ${i}`).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('20');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(20 - i));
    }
    now += 15_000;
    const refused = await hit(token);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ success: false, errors: ['TooManyRequests'], data: null });
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    // Concurrent requests cannot squeeze past the limit either.
    const burst = await Promise.all(Array.from({ length: 10 }, () => hit(token)));
    expect(burst.every((r) => r.status === 429)).toBe(true);

    expect((await hit(other)).status).toBe(200);
    expect((await hit(owner.auth)).status).toBe(200); // the owner's session has its own budget

    now += 45_000;
    expect((await hit(token)).status).toBe(200);
  });

  it('a burst of concurrent requests from one credential is counted exactly: never more than the limit succeed', async () => {
    t = await makeApp(backend, { rateLimitPerMinute: 25 });
    const owner = await setupOwner(t);
    const token = expectOk(await as(t, owner)('POST', '/access-tokens', { name: 'burst', type: 'Personal', permissions: [] })).secret as string;
    const results = await Promise.all(Array.from({ length: 60 }, () => t.call('GET', '/api/v1/user/profile', { auth: token })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(25);
    expect(results.filter((r) => r.status === 429)).toHaveLength(35);
  });
});

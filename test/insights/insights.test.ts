// Flag insights: SDKs post evaluations to FeatBit's /api/public/insight/track with their key; Ensign keeps only
// counts per (environment, flag, variation, hour) and when each flag was last evaluated, and the flag page reads them
// with CanAccessEnv. Refusals (bad key, too big, too fast) record nothing; no user is ever stored.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOUR_MS } from '../../src/insights/insight-model.ts';
import { MAX_PENDING } from '../../src/insights/insight-recorder.ts';
import { generateSdkSecret } from '../../src/sdk-keys/sdk-key-format.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { allow, as, expectOk, member, otherOrg, setupOrg, type Api, type Org } from '../support/resource-fixtures.ts';

const TRACK = '/api/public/insight/track';

/** One SDK evaluation event, as the FeatBit SDKs serialize it. */
const evaluation = (flagKey: string, variation: { id: string; value: string }, userKey = 'u-1', timestamp = 0) => ({
  user: { keyId: userKey, name: `name of ${userKey}`, customizedProperties: [{ name: 'email', value: `${userKey}@example.com` }] },
  variations: [{ featureFlagKey: flagKey, sendToExperiment: false, timestamp, variation }],
});

describe.each(backends)('flag insights (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let org: Org;
  let owner: Api;
  let envId: string;
  let serverKey: string;
  let clientKey: string;
  let on: { id: string; value: string };
  let off: { id: string; value: string };

  async function start(overrides: { rateLimitPerMinute?: number } = {}) {
    clock = new FakeClock(Date.parse('2026-01-01T10:20:00Z'));
    // Sessions outlive the hours these tests move the clock by.
    t = await makeApp(backend, { clock, sessionTtlSeconds: 30 * 86_400, ...overrides });
    org = await setupOrg(t);
    owner = as(t, org.owner);
    const p = expectOk(await owner('POST', '/projects', { key: 'web', name: 'Web' }));
    const prod = p.environments.find((e: any) => e.key === 'prod');
    envId = prod.id;
    serverKey = prod.secrets.find((s: any) => s.type === 'server').value;
    clientKey = prod.secrets.find((s: any) => s.type === 'client').value;
    const flag = expectOk(await owner('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
    on = flag.variations.find((v: any) => v.id === flag.enabledVariationId);
    off = flag.variations.find((v: any) => v.id === flag.disabledVariationId);
  }
  afterEach(async () => t?.close());

  const track = (auth: string | null, body: unknown, remoteAddress = '127.0.0.1') =>
    t.app.inject({ method: 'POST', url: TRACK, headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) }, payload: JSON.stringify(body), remoteAddress });
  const insights = async (hours?: number) => expectOk(await owner('GET', `/envs/${envId}/feature-flags/checkout/insights${hours ? `?hours=${hours}` : ''}`));
  const rows = () => t.db.kysely.selectFrom('flag_insights').selectAll().orderBy('variation_id').execute();
  const current = (s: any) => s.series[s.series.length - 1];

  describe('with the default limits', () => {
    beforeEach(() => start());

    it('accepts a batch as FeatBit does (200, empty body) and counts evaluations per variation and hour, before and after the flush', async () => {
      const batch = [evaluation('checkout', on, 'a'), evaluation('checkout', on, 'b'), evaluation('checkout', off, 'c')];
      const res = await track(serverKey, batch);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      clock.advance(60_000);
      expect((await track(clientKey, [evaluation('checkout', on, 'd')])).statusCode).toBe(200);

      // Read before anything is written: what this instance holds in memory is shown.
      const before = await insights();
      expect(await rows()).toEqual([]);
      expect(before.lastEvaluatedAt).toBe('2026-01-01T10:21:00.000Z');
      expect(before.series).toHaveLength(24);
      expect(current(before)).toEqual({ time: '2026-01-01T10:00:00.000Z', counts: { [on.id]: 3, [off.id]: 1 } });
      expect(before.series.slice(0, -1).every((b: any) => Object.keys(b.counts).length === 0)).toBe(true);
      expect(before.series[0].time).toBe('2025-12-31T11:00:00.000Z');

      // Written: one row per variation and hour, the same answer (nothing counted twice).
      expect(await t.app.ctx.insights.flush()).toBe(2);
      expect(await insights()).toEqual(before);
      const stored = await rows();
      expect(stored.map((r) => [r.flag_key, r.variation_id, Number(r.count), Number(r.hour), Number(r.last_at)]).sort()).toEqual(
        [
          ['checkout', on.id, 3, Date.parse('2026-01-01T10:00:00Z'), Date.parse('2026-01-01T10:21:00Z')],
          ['checkout', off.id, 1, Date.parse('2026-01-01T10:00:00Z'), Date.parse('2026-01-01T10:20:00Z')],
        ].sort(),
      );
      // Privacy: no user key, name or property anywhere in the table.
      const dump = JSON.stringify(stored);
      for (const word of ['name of', '@example.com', '"a"', '"d"']) expect(dump).not.toContain(word);

      // The next hour adds to a new bucket; the stored counts add up with later flushes (an upsert, not a replace).
      clock.advance(HOUR_MS);
      expect((await track(serverKey, [evaluation('checkout', off, 'e'), evaluation('checkout', off, 'f')])).statusCode).toBe(200);
      await t.app.ctx.insights.flush();
      expect((await track(serverKey, [evaluation('checkout', off, 'g')])).statusCode).toBe(200);
      await t.app.ctx.insights.flush();
      const later = await insights(3);
      expect(later.series.map((b: any) => b.counts)).toEqual([{}, { [on.id]: 3, [off.id]: 1 }, { [off.id]: 3 }]);
      expect(later.series.map((b: any) => b.time)).toEqual(['2026-01-01T09:00:00.000Z', '2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z']);
      expect(later.lastEvaluatedAt).toBe('2026-01-01T11:21:00.000Z');
    });

    it('skips what FeatBit skips (no user keyId, no variation id) and metrics, and never stores unknown flags or variations', async () => {
      const res = await track(serverKey, [
        { user: { keyId: '' }, variations: evaluation('checkout', on).variations },
        { variations: evaluation('checkout', on).variations },
        { user: { keyId: 'u' }, variations: [{ featureFlagKey: 'checkout', variation: null }] },
        { user: { keyId: 'u' }, metrics: [{ route: 'index/metric', type: 'CustomEvent', eventName: 'clicked', numericValue: 1, appType: 'javascript', timestamp: 1 }] },
        evaluation('made-up-flag', on),
        evaluation('checkout', { id: 'made-up-variation', value: 'x' }),
        evaluation('checkout', on),
        'not an object',
      ]);
      expect(res.statusCode).toBe(200);
      await t.app.ctx.insights.flush();
      expect((await rows()).map((r) => [r.flag_key, r.variation_id, Number(r.count)])).toEqual([['checkout', on.id, 1]]);
    });

    it('refuses a missing, malformed, forged, unknown or deleted key with the same 401, and records nothing', async () => {
      const p = expectOk(await owner('POST', '/projects', { key: 'gone', name: 'Gone' }));
      const goneEnv = p.environments.find((e: any) => e.key === 'prod');
      const deleted = goneEnv.secrets.find((s: any) => s.type === 'server');
      expectOk(await owner('DELETE', `/envs/${goneEnv.id}/secrets/${deleted.id}`));
      const forged = serverKey.slice(0, -1) + (serverKey.endsWith('0') ? '1' : '0');
      const malformed = ['', 'x', forged, `Bearer ${serverKey}`, serverKey.toLowerCase(), 'a'.repeat(5000)];
      const body = [evaluation('checkout', on)];

      const lookups = vi.spyOn(t.app.ctx.kysely, 'selectFrom');
      const answers = [];
      answers.push(await track(null, body));
      for (const bad of malformed) answers.push(await track(bad, body));
      // A string that fails the format or checksum never reaches the database.
      expect(lookups).not.toHaveBeenCalled();
      answers.push(await track(generateSdkSecret('server'), body));
      answers.push(await track(deleted.value, body));
      lookups.mockRestore();

      for (const res of answers) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ success: false, errors: ['Unauthorized'], data: null });
        expect(res.headers['www-authenticate']).toBe(answers[0].headers['www-authenticate']);
      }
      await t.app.ctx.insights.flush();
      expect(await rows()).toEqual([]);
      expect((await insights()).lastEvaluatedAt).toBeNull();
    });

    it(`accepts up to 500 items and refuses a bigger batch with 413, recording nothing of it`, async () => {
      const many = (n: number) => Array.from({ length: n }, (_, i) => evaluation('checkout', on, `u${i}`));
      const big = await track(serverKey, many(501));
      expect(big.statusCode).toBe(413);
      expect(big.json()).toEqual({ success: false, errors: ['PayloadTooLarge'], data: null });
      expect((await insights()).lastEvaluatedAt).toBeNull();
      expect((await track(serverKey, many(500))).statusCode).toBe(200);
      expect(current(await insights()).counts).toEqual({ [on.id]: 500 });
      // Not an array: a 400 in the envelope.
      const notArray = await track(serverKey, { user: { keyId: 'u' } });
      expect(notArray.statusCode).toBe(400);
      expect(notArray.json().success).toBe(false);
    });

    it("never shows a flag's insights to another organization, nor to a member without CanAccessEnv", async () => {
      expect((await track(serverKey, [evaluation('checkout', on)])).statusCode).toBe(200);
      const url = `/envs/${envId}/feature-flags/checkout/insights`;
      const globex = await otherOrg(t);
      const theirs = await as(t, globex.owner)('GET', url);
      expect(theirs.status).toBe(404);
      // Their own environment with a flag of the same key: their counts are theirs alone, ours are not among them.
      const gp = expectOk(await as(t, globex.owner)('POST', '/projects', { key: 'web', name: 'Web' }));
      const gEnv = gp.environments.find((e: any) => e.key === 'prod');
      const gFlag = expectOk(await as(t, globex.owner)('POST', `/envs/${gEnv.id}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
      const gOn = gFlag.variations.find((v: any) => v.id === gFlag.enabledVariationId);
      const gKey = gEnv.secrets.find((s: any) => s.type === 'server').value;
      expect((await track(gKey, [evaluation('checkout', gOn), evaluation('checkout', gOn, 'u-2')])).statusCode).toBe(200);
      await t.app.ctx.insights.flush();
      expect(current(expectOk(await as(t, globex.owner)('GET', `/envs/${gEnv.id}/feature-flags/checkout/insights`))).counts).toEqual({ [gOn.id]: 2 });
      expect(current(await insights()).counts).toEqual({ [on.id]: 1 });
      // Their key cannot read ours either: a flag id of ours with their session is still a 404.
      expect((await as(t, globex.owner)('GET', url)).status).toBe(404);

      const outsider = await member(t, org, [allow('env', ['CanAccessEnv'], ['project/other:env/*'])]);
      expect((await as(t, outsider)('GET', url)).status).toBe(403);
      const reader = await member(t, org, [allow('env', ['CanAccessEnv'], ['project/web:env/prod'])]);
      expect(current(expectOk(await as(t, reader)('GET', url))).counts).toEqual({ [on.id]: 1 });
      // An unknown flag, and bad hours, in our environment.
      expect((await owner('GET', `/envs/${envId}/feature-flags/nope/insights`)).status).toBe(404);
      expect((await owner('GET', `${url}?hours=0`)).status).toBe(400);
      expect((await owner('GET', `${url}?hours=721`)).status).toBe(400);
    });

    it('sweeps buckets older than 30 days', async () => {
      expect((await track(serverKey, [evaluation('checkout', on)])).statusCode).toBe(200);
      await t.app.ctx.insights.flush();
      clock.advance(29 * 24 * HOUR_MS);
      expect(await t.app.ctx.insights.sweep(clock.now())).toBe(0);
      clock.advance(25 * HOUR_MS);
      expect(await t.app.ctx.insights.sweep(clock.now())).toBe(1);
      expect(await rows()).toEqual([]);
    });

    it('holds a bounded number of distinct counts in memory between flushes', async () => {
      const rec = t.app.ctx.insights;
      const flood = Array.from({ length: MAX_PENDING + 10 }, (_, i) => ({ flagKey: `f${i}`, variationId: 'v' }));
      rec.record(envId, flood, clock.now());
      expect(rec.dropped).toBe(10);
      // Flushed, none of them is a real flag: nothing is stored.
      expect(await rec.flush()).toBe(0);
      expect(await rows()).toEqual([]);
    });
  });

  it('limits each key and each address per minute, and a refused request records nothing', async () => {
    const LIMIT = 3;
    await start({ rateLimitPerMinute: LIMIT });
    clock.advance(61_000);
    const body = [evaluation('checkout', on)];
    // Per key: from different addresses, the key's fourth request in the minute is refused.
    for (let i = 0; i < LIMIT; i++) expect((await track(serverKey, body, `10.0.0.${i + 1}`)).statusCode).toBe(200);
    const limited = await track(serverKey, body, '10.0.0.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ success: false, errors: ['TooManyRequests'], data: null });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another key of the same environment has its own budget.
    expect((await track(clientKey, body, '10.0.0.9')).statusCode).toBe(200);
    expect(current(await insights()).counts).toEqual({ [on.id]: LIMIT + 1 });

    // Per address: guesses from one address are throttled before any key is looked at.
    const lookups = vi.spyOn(t.app.ctx.kysely, 'selectFrom');
    for (let i = 0; i < LIMIT; i++) expect((await track(generateSdkSecret('server'), body, '10.0.0.20')).statusCode).toBe(401);
    expect(lookups).toHaveBeenCalledTimes(LIMIT);
    expect((await track(generateSdkSecret('server'), body, '10.0.0.20')).statusCode).toBe(429);
    expect((await track(clientKey, body, '10.0.0.20')).statusCode).toBe(429);
    expect(lookups).toHaveBeenCalledTimes(LIMIT);
    lookups.mockRestore();
    expect(current(await insights()).counts).toEqual({ [on.id]: LIMIT + 1 });
    // A new window: both work again.
    clock.advance(60_000);
    expect((await track(serverKey, body, '10.0.0.20')).statusCode).toBe(200);
  });
});

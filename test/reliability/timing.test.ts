// Timing (issue 7): token verification does not reveal whether a digest exists. Unknown, removed and rotated-out
// secrets take the same code path (same status, body and headers) and the same time; the one comparison of secrets
// is constant-time; sign-in takes as long for an unknown email as for a wrong password.
import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDigester, generateCredential } from '../../src/auth/credential-format.ts';
import { as, expectOk, inviteAndRedeem, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { report, scale } from './support/scale.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Samples in random order per round, so drift on a shared machine hits every class alike. */
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
// Generous on purpose: a shared 2-core machine. A digest-existence leak through a different code path (a second
// query, a parse of the row, a cache fill) shows as a gap far above this; identical paths sit within a few percent.
const MAX_RATIO = 1.5;

describe.each(backends)('token verification timing (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  const removed: string[] = [];
  const rotatedOut: string[] = [];
  let expired: string;
  let graceOver: string;

  beforeAll(async () => {
    let now = Date.now();
    t = await makeApp(backend, { clock: { now: () => now } });
    owner = await setupOwner(t);
    const call = as(t, owner);
    const perms = [{ resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] }];
    for (let i = 0; i < 40; i++) {
      const a = expectOk(await call('POST', '/access-tokens', { name: `removed-${i}`, type: 'Service', permissions: perms }));
      expectOk(await call('DELETE', `/access-tokens/${a.id}`));
      removed.push(a.secret);
      const b = expectOk(await call('POST', '/access-tokens', { name: `rotated-${i}`, type: 'Service', permissions: perms }));
      expectOk(await call('POST', `/access-tokens/${b.id}/reset`, { graceSeconds: 0 }));
      rotatedOut.push(b.secret);
    }
    expired = expectOk(await call('POST', '/access-tokens', { name: 'expiring', type: 'Service', permissions: perms, expiresAt: new Date(now + 60_000).toISOString() })).secret;
    const g = expectOk(await call('POST', '/access-tokens', { name: 'grace', type: 'Service', permissions: perms }));
    expectOk(await call('POST', `/access-tokens/${g.id}/reset`, { graceSeconds: 30 }));
    graceOver = g.secret;
    now += 120_000; // past the expiry and the grace period
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const profile = (auth: string) => t.app.inject({ method: 'GET', url: '/api/v1/user/profile', headers: { authorization: auth } });
  const comparable = (res: Awaited<ReturnType<typeof profile>>) => {
    const { 'x-request-id': _id, date: _date, ...headers } = res.headers;
    return { status: res.statusCode, body: res.body, headers };
  };

  it('unknown, removed, rotated-out, expired, past-grace and bad-checksum secrets get byte-identical answers (request id aside)', async () => {
    const first = comparable(await profile(generateCredential('Service')));
    expect(first.status).toBe(401);
    expect(JSON.parse(first.body)).toEqual({ success: false, errors: ['Unauthorized'], data: null });
    const cases = {
      'never existed (valid checksum)': generateCredential('Service'),
      'never existed, personal prefix': generateCredential('Personal'),
      removed: removed[0],
      'rotated out (reset without grace)': rotatedOut[0],
      expired,
      'old secret after its grace period': graceOver,
      'bad checksum': removed[1].slice(0, -1) + (removed[1].endsWith('A') ? 'B' : 'A'),
      'unknown session': `Bearer ${generateCredential('Session')}`,
    };
    for (const [name, secret] of Object.entries(cases)) expect(comparable(await profile(secret)), name).toEqual(first);
  });

  it('a secret that never existed and one whose digest is gone take the same time (median over thousands of interleaved requests)', async () => {
    const rounds = scale(1500, 6000);
    const classes = {
      unknown: () => generateCredential('Service'),
      removed: (i: number) => removed[i % removed.length],
      rotatedOut: (i: number) => rotatedOut[i % rotatedOut.length],
    };
    const times: Record<string, number[]> = { unknown: [], removed: [], rotatedOut: [] };
    for (let i = 0; i < 200; i++) for (const make of Object.values(classes)) await profile(make(i)); // warm-up
    for (let i = 0; i < rounds; i++) {
      for (const [name, make] of shuffle(Object.entries(classes))) {
        const secret = make(i);
        const start = process.hrtime.bigint();
        const res = await profile(secret);
        times[name].push(Number(process.hrtime.bigint() - start) / 1000);
        if (res.statusCode !== 401) throw new Error(`${name}: ${res.statusCode}`);
      }
    }
    const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 10) / 10]));
    const ratio = Math.max(...Object.values(medians)) / Math.min(...Object.values(medians));
    report(`token timing (${backend}), median µs per request`, { rounds, ...medians, ratio: Math.round(ratio * 1000) / 1000 });
    expect(ratio).toBeLessThan(MAX_RATIO);
  }, 300_000);
});

describe('constant-time comparison', () => {
  it('Digester.equal compares with crypto.timingSafeEqual, after a length check that reveals only the (fixed) digest length', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const d = createDigester('a-server-secret-of-some-length');
    const a = d.digest(generateCredential('Service'));
    const b = d.digest(generateCredential('Service'));
    expect(a).toHaveLength(43); // base64url of 32 bytes: every digest has the same length
    expect(d.equal(a, a)).toBe(true);
    expect(d.equal(a, b)).toBe(false);
    expect(d.equal(a, a.slice(0, -1) + (a.endsWith('A') ? 'B' : 'A'))).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    expect(d.equal(a, a.slice(1))).toBe(false); // a length mismatch never reaches the byte comparison
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('a mismatch in the first byte takes as long as one in the last (median of batches)', () => {
    const d = createDigester('a-server-secret-of-some-length');
    const a = d.digest('x');
    const early = (a[0] === 'A' ? 'B' : 'A') + a.slice(1);
    const late = a.slice(0, -1) + (a.endsWith('A') ? 'B' : 'A');
    const batch = (other: string) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 2000; i++) d.equal(a, other);
      return Number(process.hrtime.bigint() - start);
    };
    const times = { early: [] as number[], late: [] as number[] };
    for (let i = 0; i < 50; i++) batch(i % 2 ? early : late);
    for (let i = 0; i < scale(300, 1500); i++) for (const k of shuffle(['early', 'late'] as const)) times[k].push(batch(k === 'early' ? early : late));
    const ratio = median(times.early) / median(times.late);
    report('Digester.equal timing, early/late mismatch ratio', Math.round(ratio * 1000) / 1000);
    expect(ratio).toBeGreaterThan(1 / MAX_RATIO);
    expect(ratio).toBeLessThan(MAX_RATIO);
  });
});

describe.each(backends)('sign-in timing (%s)', (backend) => {
  it('an unknown email takes as long as a wrong password (argon2 runs either way), and answers the same', async () => {
    const t = await makeApp(backend);
    try {
      const owner = await setupOwner(t);
      // The throttle allows 10 failures per email and 50 per address: spread the attempts over accounts and addresses.
      const emails: string[] = [];
      for (let i = 0; i < 5; i++) {
        const email = `timing-${i}@example.com`;
        await inviteAndRedeem(t, owner, { email, name: `t${i}` }, 'right-password');
        emails.push(email);
      }
      const attempt = async (email: string, i: number) => {
        const start = process.hrtime.bigint();
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/identity/login-by-email', remoteAddress: `10.0.${i % 200}.${(i * 7) % 250}`, payload: { email, password: 'wrong-password' } });
        return { ms: Number(process.hrtime.bigint() - start) / 1e6, status: res.statusCode, body: res.body };
      };
      const known: number[] = [];
      const unknown: number[] = [];
      const n = scale(30, 45);
      for (let i = 0; i < n; i++) {
        for (const which of shuffle(['known', 'unknown'])) {
          const r = await attempt(which === 'known' ? emails[i % emails.length] : `nobody-${i}@example.com`, i * 2 + (which === 'known' ? 0 : 1));
          expect(r.status).toBe(401);
          expect(JSON.parse(r.body)).toEqual({ success: false, errors: ['Unauthorized'], data: null });
          (which === 'known' ? known : unknown).push(r.ms);
        }
      }
      const ratio = median(known) / median(unknown);
      // Argon2 is memory-bound and shares two cores with everything else: allow 2x. Skipping the hash for an unknown
      // email (the leak this guards against) would make that path ~30x faster.
      const bound = 2;
      report(`sign-in timing (${backend}), median ms`, {
        wrongPassword: Math.round(median(known) * 10) / 10,
        unknownEmail: Math.round(median(unknown) * 10) / 10,
        ratio: Math.round(ratio * 1000) / 1000,
      });
      expect(ratio).toBeGreaterThan(1 / bound);
      expect(ratio).toBeLessThan(bound);
    } finally {
      await t.close();
    }
  }, 180_000);
});

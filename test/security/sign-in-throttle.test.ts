// Sign-in throttling counts an attempt before verifying it, atomically, in the database: concurrent guesses never get
// more verifications than the limit, and on PostgreSQL every instance shares the count. A 401 means the password was
// verified (and wrong); a 429 means it was refused unverified.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { setupOwner } from '../support/fixtures.ts';
import { PG_URL, backends, makeApp, type TestApp } from '../support/harness.ts';

const LOGIN = '/api/v1/identity/login-by-email';
const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((acc, s) => {
    acc[s] = (acc[s] ?? 0) + 1;
    return acc;
  }, {});

describe.each(backends)('sign-in throttle under concurrency (%s)', (backend) => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.reverse()) await a.close();
    apps.length = 0;
  });

  it('40 concurrent wrong passwords for one email: exactly 10 are verified, the rest refused unverified', async () => {
    const t = await makeApp(backend);
    apps.push(t);
    await setupOwner(t);
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: `wrong-guess-${i}` } })));
    expect(tally(res.map((r) => r.status))).toEqual({ 401: 10, 429: 30 });
    // The right password is refused too until the window ends.
    expect((await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } })).status).toBe(429);
  });

  it('once the limit for an email is reached, the correct password is refused with 429 and creates no session', async () => {
    const t = await makeApp(backend);
    apps.push(t);
    const owner = await setupOwner(t);
    const sessions = () => t.db.kysely.selectFrom('sessions').select(['id', 'user_id']).orderBy('id').execute();
    for (let i = 0; i < 10; i++) expect((await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: `wrong-guess-${i}` } })).status).toBe(401);
    const before = await sessions();
    expect(before).toHaveLength(1); // the session set-up started
    const refused = await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } });
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeNull();
    expect(await sessions()).toEqual(before);
    // The session held from before is not touched either.
    expect((await t.call('GET', '/api/v1/user/profile', { auth: owner.auth })).status).toBe(200);
  });

  it('150 concurrent guesses from one address across emails: at most 50 are verified', async () => {
    const t = await makeApp(backend);
    apps.push(t);
    await setupOwner(t);
    const res = await Promise.all(Array.from({ length: 150 }, (_, i) => t.call('POST', LOGIN, { body: { email: `victim${i}@example.com`, password: 'wrong-guess' } })));
    expect(tally(res.map((r) => r.status))).toEqual({ 401: 50, 429: 100 });
  });

  it('a successful sign-in does not spend the address budget, and clears the email count', async () => {
    const t = await makeApp(backend);
    apps.push(t);
    await setupOwner(t);
    for (let i = 0; i < 60; i++) expect((await t.call('POST', LOGIN, { body: { email: 'owner@example.com', password: 'owner-password' } })).status).toBe(200);
    const rows = await t.db.kysely.selectFrom('login_attempts').selectAll().execute();
    expect(rows.map((r) => Number(r.attempts))).toEqual([0]);
    // Keys are digests: neither the email nor the address is stored in clear.
    expect(JSON.stringify(rows)).not.toContain('owner@example.com');
    expect(JSON.stringify(rows)).not.toContain('127.0.0.1');
  });
});

describe.runIf(PG_URL)('sign-in throttle across instances (postgres)', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.reverse()) await a.close();
    apps.length = 0;
  });

  it('two instances on one database share the count: 40 guesses split across them, 10 verified', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const a = await makeApp('postgres', { pgSchema: schema });
    const b = await makeApp('postgres', { pgSchema: schema });
    apps.push(a, b);
    await setupOwner(a);
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).call('POST', LOGIN, { body: { email: 'owner@example.com', password: `wrong-guess-${i}` } })));
    expect(tally(res.map((r) => r.status))).toEqual({ 401: 10, 429: 30 });
  });
});

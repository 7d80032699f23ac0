// Background housekeeping: expired sessions are deleted by the sweep (they were already refused on use).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepExpiredSessions } from '../../src/identity/session-sweep.ts';
import { expectOk, login, setupOwner } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { FakeClock } from '../support/fake-clock.ts';

describe.each(backends)('housekeeping (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock, sessionTtlSeconds: 3600 });
  });
  afterEach(async () => t.close());

  const sessions = () => t.db.kysely.selectFrom('sessions').select(['id', 'expires_at']).execute();

  it('the sweep deletes exactly the sessions that have expired; the live one keeps working', async () => {
    const owner = await setupOwner(t); // session 1, expires at +60 min
    clock.advance(30 * 60_000);
    const later = await login(t, owner.email, 'owner-password'); // session 2, expires at +90 min
    expect(await sessions()).toHaveLength(2);

    clock.advance(30 * 60_000 - 1); // one millisecond before the first expires
    expect(await sweepExpiredSessions(t.db.kysely, clock.now())).toBe(0);
    clock.advance(1);
    expect(await sweepExpiredSessions(t.db.kysely, clock.now())).toBe(1);
    const left = await sessions();
    expect(left).toHaveLength(1);
    expect(left[0].expires_at).toBe(clock.now() + 30 * 60_000);

    expect((await t.call('GET', '/api/v1/user/profile', { auth: owner.auth })).status).toBe(401);
    expectOk(await t.call('GET', '/api/v1/user/profile', { auth: later }));
    // Nothing left to delete: running it again (or on another instance) changes nothing.
    expect(await sweepExpiredSessions(t.db.kysely, clock.now())).toBe(0);
  });
});

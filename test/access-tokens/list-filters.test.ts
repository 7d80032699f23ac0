// The token list's "expiring soon" and "never used" filters, decided by the server so paging stays right.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { FakeClock } from '../support/fake-clock.ts';

const DAY = 86_400_000;
const READ = [{ resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] }];

describe.each(backends)('token list filters (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  const o = (method: string, url: string, body?: unknown) => as(t, owner)(method, url, body);
  const names = async (query: string) => (expectOk(await o('GET', `/access-tokens?${query}`)).items as { name: string }[]).map((x) => x.name).sort();

  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock });
    owner = await setupOwner(t);
  });
  afterEach(async () => t.close());

  it('expiringWithinDays lists tokens not yet expired that expire within that many days', async () => {
    for (const [name, days] of [
      ['in-1', 1],
      ['in-7', 7],
      ['in-8', 8],
      ['never', null],
      ['gone', 30 / 1440],
    ] as const) {
      expectOk(await o('POST', '/access-tokens', { name, type: 'Service', permissions: READ, ...(days === null ? {} : { expiresAt: new Date(clock.now() + days * DAY).toISOString() }) }));
    }
    clock.advance(31 * 60_000); // "gone" has expired (within the session's hour)
    expect(await names('expiringWithinDays=7')).toEqual(['in-1', 'in-7']);
    expect(await names('expiringWithinDays=30')).toEqual(['in-1', 'in-7', 'in-8']);
    expect((await o('GET', '/access-tokens?expiringWithinDays=0')).status).toBe(400);
  });

  it('neverUsed lists tokens with no recorded use', async () => {
    const used = expectOk(await o('POST', '/access-tokens', { name: 'used', type: 'Service', permissions: READ }));
    expectOk(await o('POST', '/access-tokens', { name: 'idle', type: 'Service', permissions: READ }));
    expect((await t.call('GET', '/api/v1/projects', { auth: used.secret })).status).toBe(200);
    await t.app.ctx.usage.flush(clock.now());
    expect(await names('neverUsed=true')).toEqual(['idle']);
    expect(await names('neverUsed=true&expiringWithinDays=7')).toEqual([]);
  });
});

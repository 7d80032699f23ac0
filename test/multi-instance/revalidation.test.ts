// The bounded fallback for a lost notification: whatever an instance cached is read again once it is older
// than CACHE_REVALIDATE_SECONDS, so a change nobody announced (made straight in the database, or whose
// NOTIFY was lost) takes effect within that bound. The clock is fake, so the bound is checked exactly.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, createPolicy, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { FakeClock } from '../support/fake-clock.ts';

const BOUND_MS = 2000;

describe.each(backends)('unannounced changes take effect within the re-validation bound (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  let envId: string;
  let flagUrl: string;

  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock, cacheRevalidateSeconds: BOUND_MS / 1000 });
    owner = await setupOwner(t);
    const o = as(t, owner);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    envId = project.environments.find((e: any) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
    flagUrl = `/api/v1/envs/${envId}/feature-flags/checkout`;
  });
  afterEach(async () => t.close());

  /** Status just before the bound (still the cached answer) and at it (read again). */
  async function beforeAndAtBound(auth: string, change: () => Promise<unknown>) {
    expect((await t.call('GET', flagUrl, { auth })).status).toBe(200); // cached now
    await change();
    clock.advance(BOUND_MS - 1);
    const before = (await t.call('GET', flagUrl, { auth })).status;
    clock.advance(1);
    const at = (await t.call('GET', flagUrl, { auth })).status;
    return { before, at };
  }

  it('a token deactivated behind the server’s back stops working once its cache entry is that old', async () => {
    const tok = expectOk(
      await as(t, owner)('POST', '/access-tokens', {
        name: 'svc',
        type: 'Service',
        permissions: [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }],
      }),
    );
    const r = await beforeAndAtBound(tok.secret, () => t.db.kysely.updateTable('access_tokens').set({ status: 'Inactive' }).where('id', '=', tok.id).execute());
    expect(r).toEqual({ before: 200, at: 403 });
  });

  it('a permission taken from a member behind the server’s back stops their personal token within the bound', async () => {
    const reader = await createPolicy(t, owner, [
      { resourceType: 'access-token', effect: 'allow', actions: ['ManagePersonalAccessTokens'], resources: ['access-token/*'] },
      { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] },
    ]);
    const member = await addMember(t, owner, { policyIds: [reader] });
    const pat = expectOk(await as(t, member)('POST', '/access-tokens', { name: 'script', type: 'Personal', permissions: [] }));
    clock.advance(BOUND_MS); // the member's login loaded their entry: start from a fresh one
    const r = await beforeAndAtBound(pat.secret, () => t.db.kysely.deleteFrom('member_policies').where('member_id', '=', member.memberId).execute());
    expect(r).toEqual({ before: 200, at: 403 });
  });

  it('a session deleted behind the server’s back stops working within the bound', async () => {
    const auth = owner.auth;
    expect((await t.call('GET', flagUrl, { auth, headers: { organization: owner.orgId } })).status).toBe(200);
    await t.db.kysely.deleteFrom('sessions').execute();
    clock.advance(BOUND_MS - 1);
    expect((await t.call('GET', flagUrl, { auth, headers: { organization: owner.orgId } })).status).toBe(200);
    clock.advance(1);
    expect((await t.call('GET', flagUrl, { auth, headers: { organization: owner.orgId } })).status).toBe(401);
  });

  it('a flag changed behind the server’s back is served changed within the bound', async () => {
    const read = async () => (await t.call('GET', flagUrl, { auth: owner.auth, headers: { organization: owner.orgId } })).body.data.name;
    expect(await read()).toBe('Checkout');
    await sql`update feature_flags set name = 'Renamed' where key = 'checkout'`.execute(t.db.kysely);
    clock.advance(BOUND_MS - 1);
    expect(await read()).toBe('Checkout');
    clock.advance(1);
    expect(await read()).toBe('Renamed');
  });
});

// An organization's token policy: who may change it, new tokens that break it (422, the rule named, nothing
// created), existing tokens that break a tightened policy (403 TokenViolatesPolicy, unchanged, back when it is
// loosened), and a loosening that would bring back more than the caller holds (403, nothing changed).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, builtinPolicyId, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { FakeClock } from '../support/fake-clock.ts';

const DAY = 86_400_000;
const READ_ENV = [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }];
const EVERYTHING = [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }];
const OPEN = { maxLifetimeDays: null, requireExpiry: false, allowPersonalTokensThatFollowOwner: true };

describe.each(backends)('organization token policy (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  let flagUrl: string;
  const o = (method: string, url: string, body?: unknown) => as(t, owner)(method, url, body);
  const policyUrl = () => `/organizations/${owner.orgId}/token-policy`;
  const inDays = (days: number) => new Date(clock.now() + days * DAY).toISOString();

  /** Everything a refused request must leave as it was. */
  async function state() {
    const tokens = await t.db.kysely.selectFrom('access_tokens').selectAll().orderBy('id').execute();
    const policy = await t.db.kysely.selectFrom('token_policies').selectAll().execute();
    const audit = await t.db.kysely
      .selectFrom('audit_logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { tokens, policy, audit: Number(audit.n) };
  }

  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock, cacheRevalidateSeconds: 3600 });
    owner = await setupOwner(t);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    const envId = project.environments.find((e: { key: string }) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
    flagUrl = `/api/v1/envs/${envId}/feature-flags/checkout`;
  });
  afterEach(async () => t.close());

  it('asks nothing by default, and an IAM manager can set it (audited)', async () => {
    expect(expectOk(await o('GET', policyUrl()))).toEqual(OPEN);
    const strict = { maxLifetimeDays: 90, requireExpiry: true, allowPersonalTokensThatFollowOwner: false };
    expect(expectOk(await o('PUT', policyUrl(), strict))).toEqual(strict);
    expect(expectOk(await o('GET', policyUrl()))).toEqual(strict);
    const entry = await t.db.kysely.selectFrom('audit_logs').selectAll().where('action', '=', 'UpdateTokenPolicy').executeTakeFirstOrThrow();
    expect(JSON.parse(entry.changes)).toMatchObject({ after: { maxLifetimeDays: 90, requireExpiry: true } });
  });

  it('a member without CanManageIAM can read the policy but not change it', async () => {
    const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });
    expect(expectOk(await as(t, dev)('GET', policyUrl()))).toEqual(OPEN);
    const before = await state();
    const r = await as(t, dev)('PUT', policyUrl(), { ...OPEN, requireExpiry: true });
    expect(r.status).toBe(403);
    expect(await state()).toEqual(before);
  });

  it("another organization's policy is not found", async () => {
    const before = await state();
    expect((await o('GET', '/organizations/someone-else/token-policy')).status).toBe(404);
    expect((await o('PUT', '/organizations/someone-else/token-policy', OPEN)).status).toBe(404);
    expect(await state()).toEqual(before);
  });

  it.each([[{ maxLifetimeDays: 0 }], [{ maxLifetimeDays: 3651 }], [{ maxLifetimeDays: 1.5 }], [{ requireExpiry: 'yes' }], [{ extra: true }]])(
    'refuses a malformed policy %j with a 400, nothing changed',
    async (change) => {
      const before = await state();
      expect((await o('PUT', policyUrl(), { ...OPEN, ...change })).status).toBe(400);
      expect(await state()).toEqual(before);
    },
  );

  describe('creating a token that breaks it', () => {
    it.each([
      ['no expiry under a lifetime cap', { maxLifetimeDays: 30 }, { type: 'Service', permissions: READ_ENV }, ['TokenLifetimeExceedsPolicy']],
      ['an expiry past the cap', { maxLifetimeDays: 30 }, { type: 'Service', permissions: READ_ENV, expiresAt: 31 }, ['TokenLifetimeExceedsPolicy']],
      ['no expiry when one is required', { requireExpiry: true }, { type: 'Personal', permissions: READ_ENV }, ['TokenExpiryRequired']],
      ['both at once', { requireExpiry: true, maxLifetimeDays: 7 }, { type: 'Service', permissions: READ_ENV }, ['TokenExpiryRequired', 'TokenLifetimeExceedsPolicy']],
      ['a personal token that follows its owner', { allowPersonalTokensThatFollowOwner: false }, { type: 'Personal', permissions: [] }, ['PersonalTokenFollowingOwnerNotAllowed']],
    ])('%s → 422 naming the rule, nothing created', async (_name, policy, token, codes) => {
      expectOk(await o('PUT', policyUrl(), { ...OPEN, ...policy }));
      const before = await state();
      const { expiresAt, ...rest } = token as { expiresAt?: number };
      const r = await o('POST', '/access-tokens', { name: 'refused', ...rest, ...(expiresAt ? { expiresAt: inDays(expiresAt) } : {}) });
      expect(r.status).toBe(422);
      expect(r.body.errors).toEqual(codes);
      expect(await state()).toEqual(before);
    });

    it('a token within the policy is created', async () => {
      expectOk(await o('PUT', policyUrl(), { maxLifetimeDays: 30, requireExpiry: true, allowPersonalTokensThatFollowOwner: false }));
      expectOk(await o('POST', '/access-tokens', { name: 'ok', type: 'Service', permissions: READ_ENV, expiresAt: inDays(30) }));
      expectOk(await o('POST', '/access-tokens', { name: 'mine', type: 'Personal', permissions: READ_ENV, expiresAt: inDays(1) }));
    });
  });

  describe('existing tokens under a tightened policy', () => {
    it('are refused with 403 TokenViolatesPolicy, kept as they were, and come back when it is loosened', async () => {
      const forever = expectOk(await o('POST', '/access-tokens', { name: 'forever', type: 'Service', permissions: READ_ENV }));
      const week = expectOk(await o('POST', '/access-tokens', { name: 'week', type: 'Service', permissions: READ_ENV, expiresAt: inDays(7) }));
      const follows = expectOk(await o('POST', '/access-tokens', { name: 'follows', type: 'Personal', permissions: [], expiresAt: inDays(7) }));
      const read = async (secret: string) => {
        const r = await t.call('GET', flagUrl, { auth: secret });
        return r.status === 200 ? 200 : `${r.status} ${r.body.errors.join(',')}`;
      };
      for (const tok of [forever, week, follows]) expect(await read(tok.secret)).toBe(200); // cached now

      expectOk(await o('PUT', policyUrl(), { ...OPEN, maxLifetimeDays: 30 }));
      expect(await read(forever.secret)).toBe('403 Forbidden,TokenViolatesPolicy');
      expect(await read(week.secret)).toBe(200);
      expect(await read(follows.secret)).toBe(200);

      expectOk(await o('PUT', policyUrl(), { ...OPEN, maxLifetimeDays: 5, allowPersonalTokensThatFollowOwner: false }));
      expect(await read(week.secret)).toBe('403 Forbidden,TokenViolatesPolicy');
      expect(await read(follows.secret)).toBe('403 Forbidden,TokenViolatesPolicy');
      // Not deactivated, not deleted: the token is what it was.
      const view = expectOk(await o('GET', `/access-tokens/${forever.id}`));
      expect(view).toMatchObject({ status: 'Active', inactiveReason: null, expiresAt: null });

      expectOk(await o('PUT', policyUrl(), OPEN));
      for (const tok of [forever, week, follows]) expect(await read(tok.secret)).toBe(200);
    });

    it('an expired or inactive token keeps its own answer (401, Forbidden) whatever the policy', async () => {
      const short = expectOk(await o('POST', '/access-tokens', { name: 'short', type: 'Service', permissions: READ_ENV, expiresAt: inDays(1) }));
      const off = expectOk(await o('POST', '/access-tokens', { name: 'off', type: 'Service', permissions: READ_ENV }));
      expectOk(await o('PUT', `/access-tokens/${off.id}/deactivate`));
      expectOk(await o('PUT', policyUrl(), { ...OPEN, requireExpiry: true }));
      expect((await t.call('GET', flagUrl, { auth: off.secret })).body.errors).toEqual(['Forbidden']);
      clock.advance(DAY);
      expect((await t.call('GET', flagUrl, { auth: short.secret })).status).toBe(401);
    });

    it('a policy changed behind the server’s back applies once the cached entry is CACHE_REVALIDATE_SECONDS old', async () => {
      await t.close();
      t = await makeApp(backend, { clock, cacheRevalidateSeconds: 2 });
      owner = await setupOwner(t);
      const tok = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: EVERYTHING }));
      const me = async () => (await t.call('GET', '/api/v1/access-tokens', { auth: tok.secret })).status;
      expect(await me()).toBe(200);
      await t.db.kysely.insertInto('token_policies').values({ org_id: owner.orgId, max_lifetime_days: null, require_expiry: 1, allow_following_owner: 1, updated_at: clock.now() }).execute();
      clock.advance(1999);
      expect(await me()).toBe(200);
      clock.advance(1);
      expect(await me()).toBe(403);
    });
  });

  describe('covering: loosening the policy re-enables tokens, so it must not bring back more than the caller holds', () => {
    it("an Administrator cannot bring back the Owner's * token; the Owner can", async () => {
      const star = expectOk(await o('POST', '/access-tokens', { name: 'star', type: 'Service', permissions: EVERYTHING }));
      const admin = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'administrator')] });
      expectOk(await as(t, admin)('PUT', policyUrl(), { ...OPEN, requireExpiry: true })); // tightening takes away: allowed
      expect((await t.call('GET', '/api/v1/access-tokens', { auth: star.secret })).status).toBe(403);

      const before = await state();
      const r = await as(t, admin)('PUT', policyUrl(), OPEN);
      expect(r.status).toBe(403);
      expect(r.body.errors).toEqual(['Forbidden', 'PermissionsExceedCaller']);
      expect(await state()).toEqual(before);
      expect((await t.call('GET', '/api/v1/access-tokens', { auth: star.secret })).status).toBe(403);

      expectOk(await o('PUT', policyUrl(), OPEN));
      expect((await t.call('GET', '/api/v1/access-tokens', { auth: star.secret })).status).toBe(200);
    });

    it("an Administrator may loosen when every token it brings back is within what they hold (a developer's personal token)", async () => {
      const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });
      const pat = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'dev-pat', type: 'Personal', permissions: [] }));
      const admin = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'administrator')] });
      expectOk(await as(t, admin)('PUT', policyUrl(), { ...OPEN, allowPersonalTokensThatFollowOwner: false }));
      expect((await t.call('GET', flagUrl, { auth: pat.secret })).status).toBe(403);
      expectOk(await as(t, admin)('PUT', policyUrl(), OPEN));
      expect((await t.call('GET', flagUrl, { auth: pat.secret })).status).toBe(200);
    });

    it('a narrow token with CanManageIAM can tighten, but cannot loosen to bring back a wider token', async () => {
      const wide = expectOk(await o('POST', '/access-tokens', { name: 'wide', type: 'Service', permissions: EVERYTHING }));
      const iamOnly = expectOk(
        await o('POST', '/access-tokens', {
          name: 'iam',
          type: 'Service',
          permissions: [{ resourceType: 'iam', effect: 'allow', actions: ['CanManageIAM'], resources: ['iam/*'] }],
          expiresAt: inDays(1),
        }),
      );
      expectOk(await t.call('PUT', `/api/v1${policyUrl()}`, { auth: iamOnly.secret, body: { ...OPEN, requireExpiry: true } }));
      expect((await t.call('GET', '/api/v1/access-tokens', { auth: wide.secret })).status).toBe(403);
      const before = await state();
      const r = await t.call('PUT', `/api/v1${policyUrl()}`, { auth: iamOnly.secret, body: OPEN });
      expect(r.body.errors).toEqual(['Forbidden', 'PermissionsExceedCaller']);
      expect(await state()).toEqual(before);
    });
  });
});

// The token lifecycle of 01-access-tokens.md: create (secret once), list, rename, activate/deactivate, reset, remove, expiry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, builtinPolicyId, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { FakeClock } from '../support/fake-clock.ts';

const FLAG_TOGGLE = [{ resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/prod:flag/*'] }];

describe.each(backends)('access token lifecycle (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let owner: Session;
  let o: ReturnType<typeof as>;
  beforeEach(async () => {
    clock = new FakeClock();
    t = await makeApp(backend, { clock });
    owner = await setupOwner(t);
    o = as(t, owner);
  });
  afterEach(async () => t.close());

  const profile = (secret: string) => t.call('GET', '/api/v1/user/profile', { auth: secret });

  it('returns the secret once, in the create response only, and shows a hint afterwards', async () => {
    const created = expectOk(await o('POST', '/access-tokens', { name: 'ci', type: 'Service', permissions: FLAG_TOGGLE }));
    expect(created.secret).toMatch(/^ens_svc_[0-9A-Za-z]{38}$/);
    // FeatBit answers the whole token in `token` at creation; every later view shows the hint there.
    expect(created.token).toBe(created.secret);
    expect(created).toMatchObject({ name: 'ci', type: 'Service', status: 'Active', inactiveReason: null, expiresAt: null, lastUsedAt: null });
    expect(created.creator).toEqual({ id: owner.memberId, name: 'Olivia Owner', email: owner.email });
    const read = expectOk(await o('GET', `/access-tokens/${created.id}`));
    const list = expectOk(await o('GET', '/access-tokens'));
    for (const body of [read, list]) expect(JSON.stringify(body)).not.toContain(created.secret);
    expect(read).not.toHaveProperty('secret');
    expect(read.token).toBe(`ens_svc_…${created.secret.slice(-4)}`);
    expect(list.items[0].token).toBe(read.token);
  });

  it('personal tokens authenticate as their owner; service tokens as themselves', async () => {
    const pat = expectOk(await o('POST', '/access-tokens', { name: 'mine', type: 'Personal', permissions: [] }));
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: FLAG_TOGGLE }));
    expect(expectOk(await profile(pat.secret))).toMatchObject({ id: expect.any(String), email: owner.email });
    expect(expectOk(await profile(`Bearer ${svc.secret}`))).toEqual({ tokenId: svc.id, name: 'svc', type: 'Service' });
  });

  it('validates creation: names, types, service tokens need a statement, expiry in the future', async () => {
    const before = expectOk(await o('GET', '/access-tokens')).totalCount;
    const cases: [unknown, number, string][] = [
      [{ name: '   ', type: 'Personal', permissions: [] }, 400, 'name_is_required'],
      [{ name: 'x'.repeat(129), type: 'Personal', permissions: [] }, 400, 'name_is_invalid'],
      [{ name: 'a', type: 'Robot', permissions: [] }, 400, 'type_is_invalid'],
      [{ name: 'a', type: 'Service', permissions: [] }, 400, 'permissions_is_required'],
      [{ name: 'a', type: 'Service', permissions: [{ resourceType: 'flag', effect: 'allow', actions: ['CanManageIAM'], resources: ['*'] }] }, 400, 'action_is_invalid'],
      [{ name: 'a', type: 'Personal', permissions: [], expiresAt: new Date(clock.t - 1000).toISOString() }, 400, 'expiresAt_is_invalid'],
      [{ name: 'a', type: 'Personal', permissions: [], extra: 1 }, 400, 'extra_is_unknown'],
    ];
    for (const [body, status, code] of cases) {
      const res = await o('POST', '/access-tokens', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.errors).toContain(code);
      expect(res.body.data).toBeNull();
    }
    expect(expectOk(await o('GET', '/access-tokens')).totalCount).toBe(before);
  });

  it('names are unique per organization, case-insensitively, and is-name-used says so', async () => {
    expectOk(await o('POST', '/access-tokens', { name: 'Deploy Bot', type: 'Personal', permissions: [] }));
    const dup = await o('POST', '/access-tokens', { name: '  deploy bot ', type: 'Personal', permissions: [] });
    expect(dup.status).toBe(422);
    expect(dup.body.errors).toEqual(['NameHasBeenUsed']);
    expect(expectOk(await o('GET', '/access-tokens/is-name-used?name=DEPLOY%20BOT'))).toBe(true);
    expect(expectOk(await o('GET', '/access-tokens/is-name-used?name=other'))).toBe(false);
  });

  it('lists newest first with filters by name, type, creator and status, and pages', async () => {
    const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });
    for (let i = 0; i < 12; i++) {
      expectOk(await o('POST', '/access-tokens', { name: `owner-${i}`, type: i % 2 ? 'Service' : 'Personal', permissions: i % 2 ? FLAG_TOGGLE : [] }));
      clock.advance(1000);
    }
    const devToken = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'dev-token', type: 'Personal', permissions: [] }));
    expectOk(await o('PUT', `/access-tokens/${devToken.id}/deactivate`));
    const page0 = expectOk(await o('GET', '/access-tokens?pageSize=5'));
    expect(page0.totalCount).toBe(13);
    expect(page0.items.map((i: any) => i.name)).toEqual(['dev-token', 'owner-11', 'owner-10', 'owner-9', 'owner-8']);
    const page2 = expectOk(await o('GET', '/access-tokens?pageSize=5&pageIndex=2'));
    expect(page2.items.map((i: any) => i.name)).toEqual(['owner-2', 'owner-1', 'owner-0']);
    expect(expectOk(await o('GET', '/access-tokens?type=Service&pageSize=100')).totalCount).toBe(6);
    expect(expectOk(await o('GET', `/access-tokens?creatorId=${dev.memberId}`)).items.map((i: any) => i.name)).toEqual(['dev-token']);
    expect(expectOk(await o('GET', '/access-tokens?status=Inactive')).items.map((i: any) => i.name)).toEqual(['dev-token']);
    expect(expectOk(await o('GET', '/access-tokens?name=OWNER-1')).items.map((i: any) => i.name)).toEqual(['owner-11', 'owner-10', 'owner-1']);
    expect((await o('GET', '/access-tokens?pageSize=101')).status).toBe(400);
    expect((await o('GET', '/access-tokens?status=Gone')).status).toBe(400);
  });

  it('renames, and rename is the only edit: anything else is TokenPermissionsAreImmutable', async () => {
    const tok = expectOk(await o('POST', '/access-tokens', { name: 'old', type: 'Service', permissions: FLAG_TOGGLE }));
    expect(expectOk(await o('PUT', `/access-tokens/${tok.id}`, { name: '  new  ' })).name).toBe('new');
    for (const body of [{ name: 'x', permissions: [] }, { name: 'x', type: 'Personal' }, { name: 'x', ownerId: owner.memberId }, { permissions: [] }]) {
      const res = await o('PUT', `/access-tokens/${tok.id}`, body);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual(['TokenPermissionsAreImmutable']);
    }
    const after = expectOk(await o('GET', `/access-tokens/${tok.id}`));
    expect(after.name).toBe('new');
    expect(after.permissions).toEqual([expect.objectContaining(FLAG_TOGGLE[0])]);
  });

  it('deactivate and activate are idempotent; an inactive token gets exactly the Forbidden envelope', async () => {
    const tok = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: FLAG_TOGGLE }));
    for (let i = 0; i < 2; i++) expect(expectOk(await o('PUT', `/access-tokens/${tok.id}/deactivate`))).toMatchObject({ status: 'Inactive', inactiveReason: 'Deactivated' });
    const denied = await profile(tok.secret);
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ success: false, errors: ['Forbidden'], data: null });
    for (let i = 0; i < 2; i++) expect(expectOk(await o('PUT', `/access-tokens/${tok.id}/activate`))).toMatchObject({ status: 'Active', inactiveReason: null });
    expect((await profile(tok.secret)).status).toBe(200);
    // FeatBit's toggle answers true; the token's status flips.
    expect(expectOk(await o('PUT', `/access-tokens/${tok.id}/toggle`))).toBe(true);
    expect(expectOk(await o('GET', `/access-tokens/${tok.id}`)).status).toBe('Inactive');
    expect((await profile(tok.secret)).status).toBe(403);
    expect(expectOk(await o('PUT', `/access-tokens/${tok.id}/toggle`))).toBe(true);
    expect(expectOk(await o('GET', `/access-tokens/${tok.id}`)).status).toBe('Active');
  });

  it('reset issues a new secret for the same token; the old one works only during the grace period', async () => {
    const tok = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: FLAG_TOGGLE }));
    const reset = expectOk(await o('POST', `/access-tokens/${tok.id}/reset`, { graceSeconds: 60 }));
    expect(reset.id).toBe(tok.id);
    expect(reset.secret).not.toBe(tok.secret);
    expect(reset.permissions).toEqual(tok.permissions);
    expect((await profile(reset.secret)).status).toBe(200);
    expect((await profile(tok.secret)).status).toBe(200);
    clock.advance(60_000);
    expect((await profile(tok.secret)).status).toBe(401);
    expect((await profile(reset.secret)).status).toBe(200);
    // Without grace the old secret stops at once.
    const again = expectOk(await o('POST', `/access-tokens/${tok.id}/reset`));
    expect((await profile(reset.secret)).status).toBe(401);
    expect((await profile(again.secret)).status).toBe(200);
    expect((await o('POST', `/access-tokens/${tok.id}/reset`, { graceSeconds: 86_401 })).status).toBe(400);
  });

  it('remove is for good: the secret is unknown afterwards and the audit history stays', async () => {
    const tok = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: FLAG_TOGGLE }));
    expect(expectOk(await o('DELETE', `/access-tokens/${tok.id}`))).toBe(true);
    expect((await profile(tok.secret)).status).toBe(401);
    expect((await o('GET', `/access-tokens/${tok.id}`)).status).toBe(404);
    expect((await o('DELETE', `/access-tokens/${tok.id}`)).status).toBe(404);
    const rows = await t.db.kysely.selectFrom('audit_logs').select(['action']).where('ref_id', '=', tok.id).orderBy('seq').execute();
    expect(rows.map((r) => r.action)).toEqual(['CreateAccessToken', 'RemoveAccessToken']);
  });

  it('an expired token answers 401', async () => {
    const tok = expectOk(await o('POST', '/access-tokens', { name: 'short', type: 'Personal', permissions: [], expiresAt: new Date(clock.t + 3_600_000).toISOString() }));
    expect((await profile(tok.secret)).status).toBe(200);
    clock.advance(3_600_000);
    const res = await profile(tok.secret);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, errors: ['Unauthorized'], data: null });
  });

  it('keeps lastUsedAt without writing on every request, and writes it in a batch', async () => {
    const tok = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: FLAG_TOGGLE }));
    await profile(tok.secret);
    const usedAt = new Date(clock.t).toISOString();
    expect(expectOk(await o('GET', `/access-tokens/${tok.id}`)).lastUsedAt).toBe(usedAt);
    const stored = () => t.db.kysely.selectFrom('access_tokens').select('last_used_at').where('id', '=', tok.id).executeTakeFirstOrThrow();
    expect((await stored()).last_used_at).toBeNull();
    expect(await t.app.ctx.usage.flush(clock.t)).toBe(1);
    expect((await stored()).last_used_at).toBe(clock.t);
    // More use within the same minute: no further write.
    clock.advance(10_000);
    await profile(tok.secret);
    expect(await t.app.ctx.usage.flush(clock.t)).toBe(0);
    clock.advance(60_000);
    await profile(tok.secret);
    expect(await t.app.ctx.usage.flush(clock.t)).toBe(1);
    expect((await stored()).last_used_at).toBe(clock.t);
  });
});

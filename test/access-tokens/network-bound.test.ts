// Network-bound tokens: allowedCidrs set at creation, never changed, kept by reset; a request from elsewhere gets
// 403 AddressNotAllowed, on the full route and on the flag read answered before routing alike; the client address
// follows TRUST_PROXY, so a forged X-Forwarded-For from an untrusted hop changes nothing. And a network-bound
// token cannot mint, reveal or re-enable a token that works from further away.
import { afterEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import type { Config } from '../../src/config.ts';

const READ_ENV = [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }];
const TOKENS = { resourceType: 'access-token', effect: 'allow', actions: ['ManagePersonalAccessTokens', 'ManageServiceAccessTokens', 'ListAccessTokens'], resources: ['access-token/*'] };
const FAST = 'flag served from memory';

describe.each(backends)('network-bound tokens (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let flagUrl: string;
  const logged: string[] = [];
  const o = (method: string, url: string, body?: unknown) => as(t, owner)(method, url, body);

  async function start(config: Partial<Config> = {}) {
    logged.length = 0;
    t = await makeApp(backend, { cacheRevalidateSeconds: 3600, ...config, logger: { level: 'info', stream: { write: (line: string) => void logged.push(line) } } });
    owner = await setupOwner(t);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    const envId = project.environments.find((e: { key: string }) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
    flagUrl = `/api/v1/envs/${envId}/feature-flags/checkout`;
  }
  afterEach(async () => t?.close());

  /** A flag read from `from` (the socket's peer), optionally through X-Forwarded-For: status, and the error codes. */
  async function readFrom(secret: string, from: string, xff?: string) {
    const res = await t.app.inject({ method: 'GET', url: flagUrl, remoteAddress: from, headers: { authorization: secret, ...(xff ? { 'x-forwarded-for': xff } : {}) } });
    return res.statusCode === 200 ? 200 : `${res.statusCode} ${res.json().errors.join(',')}`;
  }
  const bound = async (allowedCidrs: string[], name = 'bound', extra: object = {}) =>
    expectOk(await o('POST', '/access-tokens', { name, type: 'Service', permissions: READ_ENV, allowedCidrs, ...extra }));
  const DENIED = '403 Forbidden,AddressNotAllowed';

  it('admits requests from its IPv4 and IPv6 ranges, refuses the rest with 403 AddressNotAllowed', async () => {
    await start();
    const tok = await bound(['10.0.0.0/8', '192.168.1.7', '2001:DB8::/32']);
    expect(tok.allowedCidrs).toEqual(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']);
    expect(await readFrom(tok.secret, '10.200.3.4')).toBe(200);
    expect(await readFrom(tok.secret, '::ffff:10.200.3.4')).toBe(200); // an IPv4 client on a dual-stack socket
    expect(await readFrom(tok.secret, '192.168.1.7')).toBe(200);
    expect(await readFrom(tok.secret, '2001:db8:1::9')).toBe(200);
    expect(await readFrom(tok.secret, '11.0.0.1')).toBe(DENIED);
    expect(await readFrom(tok.secret, '192.168.1.8')).toBe(DENIED);
    expect(await readFrom(tok.secret, '2001:db9::1')).toBe(DENIED);
    expect(await readFrom(tok.secret, '::1')).toBe(DENIED);
    // A token without ranges works from anywhere, as before.
    const free = expectOk(await o('POST', '/access-tokens', { name: 'free', type: 'Service', permissions: READ_ENV }));
    expect(free.allowedCidrs).toBeNull();
    expect(await readFrom(free.secret, '11.0.0.1')).toBe(200);
  });

  it.each([
    [['10.0.0.1/8']], // host bits set
    [['10.0.0.0/33']],
    [['example.com']],
    [['::/129']],
    [[]],
    [Array.from({ length: 33 }, (_, i) => `10.0.${i}.0/24`)],
  ])('refuses allowedCidrs %j with a 400, nothing created', async (allowedCidrs) => {
    await start();
    const before = await t.db.kysely.selectFrom('access_tokens').select('id').execute();
    const r = await o('POST', '/access-tokens', { name: 'x', type: 'Service', permissions: READ_ENV, allowedCidrs });
    expect(r.status).toBe(400);
    expect(await t.db.kysely.selectFrom('access_tokens').select('id').execute()).toEqual(before);
  });

  it('the ranges are immutable: editing them is refused, and reset keeps them', async () => {
    await start();
    const tok = await bound(['10.0.0.0/8']);
    const r = await o('PUT', `/access-tokens/${tok.id}`, { name: 'renamed', allowedCidrs: ['0.0.0.0/0'] });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual(['TokenPermissionsAreImmutable']);
    const reset = expectOk(await o('POST', `/access-tokens/${tok.id}/reset`, {}));
    expect(reset.allowedCidrs).toEqual(['10.0.0.0/8']);
    expect(await readFrom(reset.secret, '10.0.0.1')).toBe(200);
    expect(await readFrom(reset.secret, '11.0.0.1')).toBe(DENIED);
    expect(expectOk(await o('GET', `/access-tokens/${tok.id}`)).allowedCidrs).toEqual(['10.0.0.0/8']);
  });

  it('with no TRUST_PROXY, a forged X-Forwarded-For is ignored: the socket is the client', async () => {
    await start();
    const tok = await bound(['10.0.0.0/8']);
    expect(await readFrom(tok.secret, '11.0.0.1', '10.0.0.1')).toBe(DENIED);
    expect(await readFrom(tok.secret, '10.0.0.1', '11.0.0.1')).toBe(200);
  });

  it('behind a trusted proxy, its X-Forwarded-For is honoured; from an untrusted hop it is not', async () => {
    await start({ trustProxy: '192.168.0.1' });
    const tok = await bound(['10.0.0.0/8']);
    expect(await readFrom(tok.secret, '192.168.0.1', '10.0.0.1')).toBe(200); // through the proxy
    expect(await readFrom(tok.secret, '192.168.0.1', '11.0.0.1')).toBe(DENIED);
    expect(await readFrom(tok.secret, '8.8.8.8', '10.0.0.1')).toBe(DENIED); // not through the proxy: forged
    // The client put 10.0.0.1 first; the proxy appended the address it really saw.
    expect(await readFrom(tok.secret, '192.168.0.1', '10.0.0.1, 8.8.8.8')).toBe(DENIED);
  });

  it('the flag read answered before routing applies the same ranges and the same TRUST_PROXY', async () => {
    await start({ trustProxy: 'loopback' });
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const here = await bound(['127.0.0.0/8'], 'here');
    const there = await bound(['10.0.0.0/8'], 'there');
    const get = async (secret: string, xff?: string) => {
      const res = await fetch(base + flagUrl, { headers: { authorization: secret, ...(xff ? { 'x-forwarded-for': xff } : {}) } });
      return res.status === 200 ? 200 : `${res.status} ${((await res.json()) as { errors: string[] }).errors.join(',')}`;
    };
    logged.length = 0;
    // Twice each: the first fills the caches, the second may be answered from memory.
    for (let i = 0; i < 2; i++) {
      expect(await get(here.secret)).toBe(200);
      expect(await get(there.secret)).toBe(DENIED);
      expect(await get(there.secret, '10.1.1.1')).toBe(200); // the loopback proxy vouches for 10.1.1.1
      expect(await get(here.secret, '10.1.1.1')).toBe(DENIED);
    }
    // Every 200 once both caches were warm (all but the very first) came from memory; every refusal from the route.
    expect(logged.filter((l) => l.includes(FAST)).length).toBe(3);
  });

  describe('a network-bound caller never hands out a token that works from further away', () => {
    async function boundPersonal(allowedCidrs: string[]) {
      return expectOk(await o('POST', '/access-tokens', { name: `pat-${allowedCidrs.join()}`, type: 'Personal', permissions: [], allowedCidrs }));
    }
    const callFrom = async (secret: string, from: string, method: string, url: string, body?: unknown) => {
      const res = await t.app.inject({ method: method as 'POST', url: `/api/v1${url}`, remoteAddress: from, headers: { authorization: secret }, ...(body ? { payload: body as object } : {}) });
      return { status: res.statusCode, body: res.json() };
    };

    it('creating: the new token must be bound inside the caller’s ranges', async () => {
      await start();
      const svc = await bound(['10.0.0.0/8'], 'minter', { permissions: [...READ_ENV, TOKENS] });
      const count = async () => (await t.db.kysely.selectFrom('access_tokens').select('id').execute()).length;
      const before = await count();
      for (const allowedCidrs of [undefined, ['0.0.0.0/0'], ['10.0.0.0/8', '11.0.0.0/8']]) {
        const r = await callFrom(svc.secret, '10.0.0.1', 'POST', '/access-tokens', {
          name: `x${allowedCidrs?.length}`,
          type: 'Service',
          permissions: READ_ENV,
          ...(allowedCidrs ? { allowedCidrs } : {}),
        });
        expect(r.body.errors).toEqual(['Forbidden', 'PermissionsExceedCreator']);
      }
      expect(await count()).toBe(before);
      const inside = await callFrom(svc.secret, '10.0.0.1', 'POST', '/access-tokens', { name: 'inside', type: 'Service', permissions: READ_ENV, allowedCidrs: ['10.1.0.0/16'] });
      expect(inside.status).toBe(200);
    });

    it("resetting or activating: a bound personal token cannot take over its owner's unbound token", async () => {
      await start();
      const free = expectOk(await o('POST', '/access-tokens', { name: 'free', type: 'Personal', permissions: [] }));
      const pat = await boundPersonal(['10.0.0.0/8']);
      const before = await t.db.kysely.selectFrom('access_tokens').selectAll().where('id', '=', free.id).executeTakeFirstOrThrow();
      const reset = await callFrom(pat.secret, '10.0.0.1', 'POST', `/access-tokens/${free.id}/reset`, {});
      expect(reset.body.errors).toEqual(['Forbidden', 'PermissionsExceedCaller']);
      expectOk(await o('PUT', `/access-tokens/${free.id}/deactivate`));
      const deactivated = await t.db.kysely.selectFrom('access_tokens').selectAll().where('id', '=', free.id).executeTakeFirstOrThrow();
      expect(deactivated.digest).toBe(before.digest);
      const activate = await callFrom(pat.secret, '10.0.0.1', 'PUT', `/access-tokens/${free.id}/activate`);
      expect(activate.body.errors).toEqual(['Forbidden', 'PermissionsExceedCaller']);
      expect(await t.db.kysely.selectFrom('access_tokens').selectAll().where('id', '=', free.id).executeTakeFirstOrThrow()).toEqual(deactivated);
      // A sibling bound inside the caller's ranges is the caller's to reset.
      const inner = await boundPersonal(['10.1.0.0/16']);
      expect((await callFrom(pat.secret, '10.0.0.1', 'POST', `/access-tokens/${inner.id}/reset`, {})).status).toBe(200);
    });

    it('inviting: a bound token issues no invitation code, since the session it becomes works from anywhere', async () => {
      await start();
      // Follows its owner, the Owner: it holds CanManageIAM and covers any policy, so only the binding refuses it.
      const pat = await boundPersonal(['10.0.0.0/8']);
      const invited = expectOk(await o('POST', '/members', { email: 'invited@example.com', name: 'Invited' })) as { member: { id: string } };
      const state = async () => ({
        members: await t.db.kysely.selectFrom('members').selectAll().orderBy('id').execute(),
        invitations: await t.db.kysely.selectFrom('invitations').selectAll().orderBy('id').execute(),
      });
      const before = await state();
      const refused = ['Forbidden', 'PermissionsExceedCaller'];
      expect((await callFrom(pat.secret, '10.0.0.1', 'POST', '/members', { email: 'new@example.com', name: 'New' })).body.errors).toEqual(refused);
      expect((await callFrom(pat.secret, '10.0.0.1', 'POST', '/members/add', { email: 'new@example.com', policyIds: [], groupIds: [] })).body.errors).toEqual(refused);
      expect((await callFrom(pat.secret, '10.0.0.1', 'POST', `/members/${invited.member.id}/invitation`)).body.errors).toEqual(refused);
      expect(await state()).toEqual(before);
    });
  });
});

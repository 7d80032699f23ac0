// The SDK protocol at the wire, with raw clients: who may connect (FeatBit's check, refused with close code 4003),
// ping/pong, data-sync full and patch, pushes, revocation closing sockets (deleted key, rotation after its grace),
// and the polling routes (401 for every bad key alike, ETag → 304, rate limits, no lookup for a non-key).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeStreamingToken } from '../../src/sdk-keys/streaming-token.ts';
import { openSdkSockets } from '../../src/sdk/sdk-service.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLog } from '../support/memory-log.ts';
import { backends } from '../support/harness.ts';
import { expectOk } from '../support/resource-fixtures.ts';
import { eventually, rawSocket, serve, targetingFixture, user, type RawSocket, type Served } from './sdk-support.ts';

const UNAUTHORIZED = { success: false, errors: ['Unauthorized'], data: null };

describe.each(backends)('SDK protocol (%s)', (backend) => {
  let s: Served;
  const sockets: RawSocket[] = [];
  const open = (type: string, token: string, path = '/streaming') => {
    const r = rawSocket(`${s.ws}${path}?type=${type}&token=${token}`);
    sockets.push(r);
    return r;
  };
  const token = (secret: string, at = Date.now()) => encodeStreamingToken(secret, at);
  afterEach(async () => {
    for (const r of sockets.splice(0)) r.ws.terminate();
    await s?.t.close();
  });

  it('refuses a bad token, a token more than 30 s off, an unknown key and a key of the other type with close code 4003', async () => {
    s = await serve(backend);
    const refused = [
      open('server', 'garbage'),
      open('server', ''),
      open('server', token(s.server.value, Date.now() - 60_000)),
      open('server', token(s.server.value, Date.now() + 60_000)),
      open('server', token(`${s.server.value.slice(0, -2)}xx`)),
      open('server', token(s.client.value)),
      open('client', token(s.server.value)),
      open('relay', token(s.server.value)),
    ];
    for (const r of refused) expect((await r.closed).code).toBe(4003);
    expect(openSdkSockets(s.t.app.ctx).size).toBe(0);
    // Another path is not the streaming endpoint at all.
    const elsewhere = open('server', token(s.server.value), '/other');
    expect(await elsewhere.opened).toBe(false);
  });

  it('a server SDK: full sync at timestamp 0, patch after a timestamp, pong to ping, and every change pushed as a patch', async () => {
    s = await serve(backend);
    await targetingFixture(s);
    const r = open('server', token(s.server.value));
    expect(await r.opened).toBe(true);
    r.send({ messageType: 'ping', data: null });
    expect(await r.next((m) => m.messageType === 'pong')).toEqual({ messageType: 'pong', data: {} });

    r.send({ messageType: 'data-sync', data: { timestamp: 0 } });
    const full = await r.next((m) => m.data?.eventType === 'full');
    expect(full.messageType).toBe('data-sync');
    expect(full.data.featureFlags.map((f: any) => f.key).sort()).toEqual(['checkout', 'rollout']);
    expect(full.data.segments.map((g: any) => g.name)).toEqual(['staff']);
    const checkout = full.data.featureFlags.find((f: any) => f.key === 'checkout');
    expect(checkout).toMatchObject({ isEnabled: true, disabledVariationId: 'off', variationType: 'string', exptIncludeAllTargets: true, envId: s.envId });
    expect(Date.parse(checkout.updatedAt)).toBeGreaterThan(0);
    expect(openSdkSockets(s.t.app.ctx).get(s.envId)).toBe(1);

    // After the newest updatedAt: an empty patch.
    const newest = Math.max(...full.data.featureFlags.map((f: any) => Date.parse(f.updatedAt)), ...full.data.segments.map((g: any) => Date.parse(g.updatedAt)));
    r.send({ messageType: 'data-sync', data: { timestamp: newest } });
    expect((await r.next((m) => m.data?.eventType === 'patch')).data).toEqual({ eventType: 'patch', featureFlags: [], segments: [] });
    r.messages.length = 0;

    // A change through REST arrives as a patch holding only the changed flag, strictly newer.
    expectOk(await s.owner('PUT', `/envs/${s.envId}/feature-flags/checkout/toggle/false`));
    const patch = await r.next((m) => m.data?.eventType === 'patch');
    expect(patch.data.featureFlags.map((f: any) => [f.key, f.isEnabled])).toEqual([['checkout', false]]);
    expect(patch.data.segments).toEqual([]);
    expect(Date.parse(patch.data.featureFlags[0].updatedAt)).toBeGreaterThan(Date.parse(checkout.updatedAt));
  });

  it('a client SDK: evaluated flags for its user, again on identify, and changes re-evaluated for that user', async () => {
    s = await serve(backend);
    await targetingFixture(s);
    const r = open('client', token(s.client.value));
    expect(await r.opened).toBe(true);
    r.send({ messageType: 'data-sync', data: { timestamp: 0, user: user('alice', { country: 'NL' }) } });
    const full = await r.next((m) => m.data?.eventType === 'full');
    expect(full.data.userKeyId).toBe('alice');
    const checkout = full.data.featureFlags.find((f: any) => f.id === 'checkout');
    expect(checkout).toMatchObject({ id: 'checkout', variation: 'vip-checkout', variationId: 'vip', variationType: 'string', matchReason: 'targeted' });
    expect(checkout.variationOptions.map((v: any) => v.id)).toEqual(['on', 'off', 'vip', 'nl']);
    // No rules, segments or other users' targeting ever reach a client SDK.
    expect(JSON.stringify(full)).not.toContain('targetUsers');
    expect(JSON.stringify(full)).not.toContain('s-in');

    r.messages.length = 0;
    r.send({ messageType: 'data-sync', data: { timestamp: 0, user: user('bob', { country: 'DE' }) } });
    const identified = await r.next((m) => m.data?.userKeyId === 'bob');
    expect(identified.data.featureFlags.find((f: any) => f.id === 'checkout')).toMatchObject({ variation: 'new-checkout', matchReason: 'default' });

    r.messages.length = 0;
    expectOk(await s.owner('PUT', `/envs/${s.envId}/feature-flags/checkout/toggle/false`));
    const patch = await r.next((m) => m.data?.eventType === 'patch');
    expect(patch.data.userKeyId).toBe('bob');
    expect(patch.data.featureFlags.map((f: any) => [f.id, f.variation, f.matchReason])).toEqual([['checkout', 'old-checkout', 'flag disabled']]);
  });

  it('deleting a key closes its sockets with 4003 and leaves the others open', async () => {
    s = await serve(backend);
    const server = open('server', token(s.server.value));
    const client = open('client', token(s.client.value));
    expect(await server.opened).toBe(true);
    expect(await client.opened).toBe(true);
    await eventually('both registered', () => openSdkSockets(s.t.app.ctx).get(s.envId) === 2);
    expectOk(await s.owner('DELETE', `/envs/${s.envId}/secrets/${s.server.id}`));
    expect((await server.closed).code).toBe(4003);
    client.send({ messageType: 'ping' });
    expect(await client.next((m) => m.messageType === 'pong')).toBeTruthy();
    expect(openSdkSockets(s.t.app.ctx).get(s.envId)).toBe(1);
  });

  it('deleting the environment closes every socket of it', async () => {
    s = await serve(backend);
    const server = open('server', token(s.server.value));
    const client = open('client', token(s.client.value));
    expect(await server.opened).toBe(true);
    expect(await client.opened).toBe(true);
    expectOk(await s.owner('DELETE', `/projects/${s.projectId}/envs/${s.envId}`));
    expect((await server.closed).code).toBe(4003);
    expect((await client.closed).code).toBe(4003);
  });

  it('a rotated key keeps its socket and can still connect until the grace ends; then its socket closes with 4003', async () => {
    const clock = new FakeClock(Date.now());
    s = await serve(backend, { clock });
    const old = open('server', encodeStreamingToken(s.server.value, clock.now()));
    expect(await old.opened).toBe(true);
    const rotated = expectOk(await s.owner('POST', `/envs/${s.envId}/secrets/${s.server.id}/rotate`, { graceSeconds: 60 }));
    // Within the grace: still open, still answered, and the old key still connects.
    old.send({ messageType: 'ping' });
    expect(await old.next((m) => m.messageType === 'pong')).toBeTruthy();
    const again = open('server', encodeStreamingToken(s.server.value, clock.now()));
    expect(await again.opened).toBe(true);
    const fresh = open('server', encodeStreamingToken(rotated.value, clock.now()));
    expect(await fresh.opened).toBe(true);
    clock.advance(60_000);
    expect((await old.closed).code).toBe(4003);
    expect((await again.closed).code).toBe(4003);
    // The new key's socket stays.
    fresh.send({ messageType: 'ping' });
    expect(await fresh.next((m) => m.messageType === 'pong')).toBeTruthy();
    expect((await s.t.call('GET', '/api/public/sdk/server/latest-all', { auth: s.server.value })).status).toBe(401);
  });

  it('server polling: the data-sync message, ETag → 304, patch after a timestamp; 401 alike for missing, malformed, unknown and wrong-type keys', async () => {
    s = await serve(backend);
    await targetingFixture(s);
    const poll = (auth: string | null, query = '', headers: Record<string, string> = {}) => s.t.call('GET', `/api/public/sdk/server/latest-all${query}`, { auth, headers });
    const full = await poll(s.server.value, '?timestamp=0');
    expect(full.status).toBe(200);
    expect(full.body.data.eventType).toBe('full');
    expect(full.body.data.featureFlags).toHaveLength(2);
    const etag = full.headers.etag;
    expect(etag).toMatch(/^".+"$/);
    const notModified = await poll(s.server.value, '?timestamp=0', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    // A 304 has no body, so it must not announce one (a client would wait for bytes that never come).
    expect(notModified.headers['content-length'] ?? '0').toBe('0');
    expect((await poll(s.server.value)).body.data.eventType).toBe('full');
    const newest = Math.max(...full.body.data.featureFlags.map((f: any) => Date.parse(f.updatedAt)));
    const patch = await poll(s.server.value, `?timestamp=${newest}`);
    expect(patch.body.data).toEqual({ eventType: 'patch', featureFlags: [], segments: [] });

    expectOk(await s.owner('PUT', `/envs/${s.envId}/feature-flags/checkout/toggle/false`));
    const changed = await poll(s.server.value, '?timestamp=0', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body.data.featureFlags.find((f: any) => f.key === 'checkout').isEnabled).toBe(false);

    const bad = [null, '', 'garbage', `${s.server.value.slice(0, -2)}xx`, s.client.value, `Bearer ${s.server.value}`];
    for (const auth of bad) {
      const res = await poll(auth);
      expect({ auth, status: res.status, body: res.body }).toEqual({ auth, status: 401, body: UNAUTHORIZED });
    }
  });

  it("FeatBit's SDK revalidates with If-None-Match alone (it drops Authorization): the sealed ETag stands in for its key, and stops with it", async () => {
    s = await serve(backend);
    await targetingFixture(s);
    const poll = (auth: string | null, headers: Record<string, string> = {}) => s.t.call('GET', '/api/public/sdk/server/latest-all?timestamp=0', { auth, headers });
    const first = await poll(s.server.value);
    const etag: string = first.headers.etag;
    // Sealed: neither the key nor anything readable of it is in the tag.
    expect(etag).not.toContain(s.server.value);
    expect(Buffer.from(etag.slice(4, -1), 'base64url').toString('latin1')).not.toContain(s.server.value);
    // It stands in for the key: no cache may keep it (every API answer is no-store).
    expect(first.headers['cache-control']).toBe('no-store');

    // Unchanged: 304 without any Authorization, as the SDK asks.
    expect((await poll(null, { 'if-none-match': etag })).status).toBe(304);
    // Changed: the new body, and a new sealed tag that works the same way.
    expectOk(await s.owner('PUT', `/envs/${s.envId}/feature-flags/checkout/toggle/false`));
    const changed = await poll(null, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.data.featureFlags.find((f: any) => f.key === 'checkout').isEnabled).toBe(false);
    expect((await poll(null, { 'if-none-match': changed.headers.etag })).status).toBe(304);

    // Anything this server did not seal is no key at all.
    const altered = `${etag.slice(0, 10)}${etag[10] === 'A' ? 'B' : 'A'}${etag.slice(11)}`;
    for (const tag of [altered, '"abc"', '"p1."', `"p1.${'A'.repeat(2000)}"`, 'W/"x"']) {
      const res = await poll(null, { 'if-none-match': tag });
      expect({ tag, status: res.status, body: res.body }).toEqual({ tag, status: 401, body: UNAUTHORIZED });
    }

    // The key rotated out (no grace): its tags stop working with it.
    expectOk(await s.owner('POST', `/envs/${s.envId}/secrets/${s.server.id}/rotate`, { graceSeconds: 0 }));
    expect((await poll(null, { 'if-none-match': changed.headers.etag })).status).toBe(401);
  });

  it("client polling: the user's evaluated flags; 401 for a server key; 400 for a body that is not a user", async () => {
    s = await serve(backend);
    await targetingFixture(s);
    const poll = (auth: string | null, body: unknown) => s.t.call('POST', '/api/public/sdk/client/latest-all?timestamp=0', { auth, body });
    const res = await poll(s.client.value, user('x-out', { email: 'x@acme.test', country: 'NL' }));
    expect(res.status).toBe(200);
    expect(res.body.data.userKeyId).toBe('x-out');
    expect(res.body.data.featureFlags.find((f: any) => f.id === 'checkout')).toMatchObject({ variation: 'dutch-checkout', matchReason: 'Dutch users' });
    expect((await poll(s.server.value, user('bob'))).body).toEqual(UNAUTHORIZED);
    expect((await poll('nope', user('bob'))).status).toBe(401);
    expect((await poll(s.client.value, { name: 'no key' })).status).toBe(400);
  });

  it('a string that cannot be a key never reaches the database', async () => {
    s = await serve(backend);
    const executor = s.t.db.kysely.getExecutor();
    const spy = vi.spyOn(executor, 'executeQuery');
    const garbage = ['garbage', 'ens_sdk_nothing', 'x'.repeat(400), s.server.value.slice(0, -1) + (s.server.value.endsWith('A') ? 'B' : 'A')];
    for (const auth of garbage) expect((await s.t.call('GET', '/api/public/sdk/server/latest-all', { auth })).status).toBe(401);
    for (const g of garbage) expect((await open('server', token(g)).closed).code).toBe(4003);
    expect(spy).not.toHaveBeenCalled();
    // The spy does see lookups: a real key (not cached yet) is looked up.
    expect((await s.t.call('GET', '/api/public/sdk/server/latest-all', { auth: s.server.value })).status).toBe(200);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('polls are rate-limited per key and per address (RATE_LIMIT_PER_MINUTE)', async () => {
    s = await serve(backend, { rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await s.t.call('GET', '/api/public/sdk/server/latest-all', { auth: s.server.value })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // The address is spent too: even a bad key gets 429 now, without a lookup.
    expect((await s.t.call('GET', '/api/public/sdk/server/latest-all', { auth: 'garbage' })).status).toBe(429);
  });

  it('never logs an SDK key or a streaming token', async () => {
    const log = memoryLog('trace');
    s = await serve(backend, { logger: log.options });
    const t = token(s.server.value);
    const r = open('server', t);
    expect(await r.opened).toBe(true);
    expect((await open('server', 'refused-token').closed).code).toBe(4003);
    expect((await s.t.call('GET', '/api/public/sdk/server/latest-all?timestamp=0', { auth: s.server.value })).status).toBe(200);
    expect((await s.t.call('POST', '/api/public/sdk/client/latest-all', { auth: s.client.value, body: user('u') })).status).toBe(200);
    expect(log.text()).toContain('latest-all');
    for (const secret of [s.server.value, s.client.value, t, 'refused-token']) expect(log.text()).not.toContain(secret);
  });
});

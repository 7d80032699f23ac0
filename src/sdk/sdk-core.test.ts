// The pure parts of the SDK protocol: payloads (full / patch / changes / client view / users), the read model's
// reload rules, and the hub's pushes and revocations, with fake sockets and a fake resolver.
import { describe, expect, it } from 'vitest';
import type { SdkSecretRevocation } from '../sdk-keys/sdk-secret-resolver.ts';
import { CLOSE_IDLE, CLOSE_REFUSED, createSdkHub } from './sdk-hub.ts';
import { changedItems, itemsSince, makeSnapshot, parseUser, syncTimestamp, type SdkFlag, type SdkSegment } from './sdk-payloads.ts';
import { createSdkReadModel } from './sdk-read-model.ts';

const flag = (key: string, updatedAt: number, over: Partial<SdkFlag> = {}): SdkFlag => ({
  id: `id-${key}`,
  envId: 'e1',
  key,
  name: key,
  description: '',
  variationType: 'boolean',
  variations: [
    { id: 't', value: 'true' },
    { id: 'f', value: 'false' },
  ],
  targetUsers: [{ variationId: 'f', keyIds: ['off-user'] }],
  rules: [],
  isEnabled: true,
  disabledVariationId: 'f',
  fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 't', rollout: [0, 1], exptRollout: 1 }] },
  exptIncludeAllTargets: true,
  tags: [],
  isArchived: false,
  revision: `r-${updatedAt}`,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(updatedAt).toISOString(),
  ...over,
});
const segment = (id: string, updatedAt: number): SdkSegment => ({
  id,
  envId: 'e1',
  name: id,
  description: '',
  type: 'environment-specific',
  scopes: [],
  included: [],
  excluded: [],
  rules: [],
  tags: [],
  isArchived: false,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(updatedAt).toISOString(),
});
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('SDK payloads', () => {
  const snap = makeSnapshot('e1', [flag('a', 100), flag('b', 200)], [segment('s', 150)]);

  it('timestamp 0 is a full sync; otherwise the items strictly newer than it, as a patch', () => {
    expect(itemsSince(snap, 0)).toMatchObject({ eventType: 'full', flags: [{ key: 'a' }, { key: 'b' }], segments: [{ id: 's' }] });
    const p = itemsSince(snap, 150);
    expect({ e: p.eventType, f: p.flags.map((f) => f.key), s: p.segments.map((g) => g.id) }).toEqual({ e: 'patch', f: ['b'], s: [] });
    expect(itemsSince(snap, 200)).toMatchObject({ flags: [], segments: [] });
  });

  it('reads odd timestamps as 0, as FeatBit does', () => {
    expect([syncTimestamp(undefined), syncTimestamp(null), syncTimestamp('x'), syncTimestamp(-5), syncTimestamp(NaN), syncTimestamp('12'), syncTimestamp(7.9)]).toEqual([0, 0, 0, 0, 0, 12, 7]);
  });

  it('a change is the new items and those whose updatedAt moved', () => {
    const next = makeSnapshot('e1', [flag('a', 100), flag('b', 300), flag('c', 300)], [segment('s', 150), segment('t', 300)]);
    const c = changedItems(snap, next);
    expect({ f: c.flags.map((f) => f.key), s: c.segments.map((g) => g.id) }).toEqual({ f: ['b', 'c'], s: ['t'] });
  });

  it('accepts FeatBit users and refuses what is not one', () => {
    expect(
      parseUser({
        keyId: 'u',
        name: 'U',
        customizedProperties: [
          { name: 'age', value: 3 },
          { name: 'x', value: null },
        ],
      }),
    ).toEqual({
      keyId: 'u',
      name: 'U',
      customizedProperties: [
        { name: 'age', value: '3' },
        { name: 'x', value: '' },
      ],
    });
    for (const bad of [null, 'u', [], {}, { keyId: '' }, { keyId: 1 }, { keyId: 'u', customizedProperties: 'x' }, { keyId: 'u', customizedProperties: [{ value: 'no name' }] }])
      expect(parseUser(bad)).toBeNull();
  });
});

describe('SDK read model', () => {
  it('loads once, reloads after an invalidation naming the environment, and loads again when a change raced a load', async () => {
    let version = 1;
    let loads = 0;
    let gate: (() => void) | null = null;
    const changes: [number | null, number | null][] = [];
    const model = createSdkReadModel({
      load: async () => {
        loads++;
        const v = version;
        if (gate === null && loads === 3) await new Promise<void>((r) => (gate = r));
        return { flags: [flag('a', v)], segments: [] };
      },
      eager: () => true,
      onChange: (_env, before, after) => changes.push([before ? Date.parse(before.flags[0].updatedAt) : null, after ? Date.parse(after.flags[0].updatedAt) : null]),
      onError: (err) => {
        throw err;
      },
    });
    const first = await model.get('e1', 'o1');
    expect(await model.get('e1', 'o1')).toBe(first);
    expect(loads).toBe(1);
    model.invalidate({ kind: 'flags', envIds: ['other'] });
    expect(await model.get('e1', 'o1')).toBe(first);
    version = 2;
    model.invalidate({ kind: 'flags', envIds: ['e1'] });
    await model.settled();
    expect(loads).toBe(2);
    // A third load blocks; a change lands meanwhile: the model loads a fourth time before it settles.
    version = 3;
    model.invalidate({ kind: 'all' });
    await tick();
    version = 4;
    model.invalidate({ kind: 'flags', envIds: ['e1'] });
    gate!();
    const latest = await model.get('e1', 'o1');
    expect(latest!.flags[0].updatedAt).toBe(new Date(4).toISOString());
    expect(changes).toEqual([
      [null, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
  });

  it('keeps unchanged items as the same objects (the evaluation core caches compiled forms per object)', async () => {
    let flags = [flag('a', 1), flag('b', 1)];
    const model = createSdkReadModel({ load: async () => ({ flags, segments: [] }), eager: () => false, onChange: () => undefined, onError: () => undefined });
    const before = (await model.get('e1', 'o1'))!;
    flags = [flag('a', 1), flag('b', 2)];
    model.invalidate({ kind: 'flags', envIds: ['e1'] });
    const after = (await model.get('e1', 'o1'))!;
    expect(after.flags[0]).toBe(before.flags[0]);
    expect(after.flags[1]).not.toBe(before.flags[1]);
  });

  it('an environment that is gone reads as null', async () => {
    const model = createSdkReadModel({ load: async () => null, eager: () => false, onChange: () => undefined, onError: () => undefined });
    expect(await model.get('e1', 'o1')).toBeNull();
  });
});

describe('SDK hub', () => {
  function setup(resolveTo: (secret: string) => { envId: string; type: 'server' | 'client' } | null = () => null, idleTimeoutMs = 0) {
    let now = 0;
    let snapshot = makeSnapshot('e1', [flag('a', 100), flag('b', 100)], []);
    const revoked: ((e: SdkSecretRevocation) => void)[] = [];
    const hub = createSdkHub({
      readModel: { get: async () => snapshot, invalidate: () => undefined, settled: async () => undefined },
      resolver: {
        resolve: async (secret) => {
          const r = resolveTo(secret);
          return r && { ...r, secretId: 'x', orgId: 'o1', validUntil: null };
        },
        onRevoked: (l) => (revoked.push(l), () => undefined),
      },
      now: () => now,
      idleTimeoutMs,
      onError: (err) => {
        throw err;
      },
    });
    const socket = (envId: string, type: 'server' | 'client', secretId: string, secret = `key-${secretId}`) => {
      const sent: string[] = [];
      const raw: (string | Buffer)[] = [];
      const closed: number[] = [];
      const send = (t: string | Buffer) => void (raw.push(t), sent.push(String(t)));
      const conn = hub.open({ envId, orgId: 'o1', type, secretId, secret, socket: { send, close: (code) => void closed.push(code) } });
      return { sent, raw, closed, conn };
    };
    const advance = (ms: number) => void (now += ms);
    return { hub, socket, advance, revoke: (e: SdkSecretRevocation) => revoked.forEach((l) => l(e)), set: (s: typeof snapshot) => (snapshot = s), get: () => snapshot };
  }

  it("pushes one shared patch string to every server socket of the environment, and each client its user's changed flags only", async () => {
    const h = setup();
    const s1 = h.socket('e1', 'server', 'k1');
    const s2 = h.socket('e1', 'server', 'k1');
    const other = h.socket('e2', 'server', 'k9');
    const c = h.socket('e1', 'client', 'k2');
    c.conn.onMessage(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0, user: { keyId: 'off-user' } } }));
    await tick();
    expect(JSON.parse(c.sent[0]).data.featureFlags.map((f: any) => [f.id, f.variation])).toEqual([
      ['a', 'false'],
      ['b', 'false'],
    ]);
    const before = h.get();
    const after = h.set(makeSnapshot('e1', [before.flags[0], flag('b', 200, { isEnabled: false })], []));
    h.hub.pushChange('e1', before, after);
    expect(s1.sent).toHaveLength(1);
    // The very same bytes, encoded once.
    expect(s1.raw[0]).toBe(s2.raw[0]);
    expect(JSON.parse(s1.sent[0]).data).toMatchObject({ eventType: 'patch', featureFlags: [{ key: 'b', isEnabled: false }], segments: [] });
    expect(other.sent).toEqual([]);
    const patch = JSON.parse(c.sent[1]);
    expect(patch.data).toMatchObject({ eventType: 'patch', userKeyId: 'off-user', featureFlags: [{ id: 'b', variation: 'false', matchReason: 'flag disabled' }] });
    expect(patch.data.featureFlags).toHaveLength(1);
    // No change, no message.
    h.hub.pushChange('e1', after, after);
    expect(s1.sent).toHaveLength(1);
  });

  it('answers ping with pong and ignores what it does not understand', async () => {
    const h = setup();
    const s = h.socket('e1', 'server', 'k1');
    for (const junk of ['not json', 'null', '[]', '{"messageType":"other"}', '{"messageType":"data-sync","data":"x"}']) s.conn.onMessage(junk);
    s.conn.onMessage('{"messageType":"ping"}');
    await tick();
    expect(s.sent.filter((t) => t.includes('pong'))).toEqual(['{"messageType":"pong","data":{}}']);
  });

  it('closes the sockets of a deleted key, of a deleted environment, and after a rotation those whose key no longer resolves', async () => {
    const h = setup((secret) => (secret === 'key-kept' ? { envId: 'e2', type: 'server' } : null));
    const a = h.socket('e1', 'server', 'k1');
    const b = h.socket('e1', 'client', 'k2');
    const c = h.socket('e2', 'server', 'k3');
    const kept = h.socket('e2', 'server', 'k4', 'key-kept');
    const rotatedOld = h.socket('e2', 'server', 'k4', 'key-old');
    h.revoke({ envId: 'e1', secretId: 'k1', reason: 'deleted' });
    expect([a.closed, b.closed]).toEqual([[CLOSE_REFUSED], []]);
    h.revoke({ envId: 'e1', secretId: null, reason: 'deleted' });
    expect(b.closed).toEqual([CLOSE_REFUSED]);
    h.revoke({ envId: 'e2', secretId: 'k4', reason: 'rotated' });
    await tick();
    expect([c.closed, kept.closed, rotatedOld.closed]).toEqual([[], [], [CLOSE_REFUSED]]);
    h.revoke({ envId: null, secretId: null, reason: 'unknown' });
    await tick();
    expect(c.closed).toEqual([CLOSE_REFUSED]);
    expect(kept.closed).toEqual([]);
  });

  it('closes a socket that sent nothing for the idle timeout, counting any message (a ping) as a sign of life', async () => {
    const h = setup(() => null, 60_000);
    const silent = h.socket('e1', 'server', 'k1');
    const pinging = h.socket('e1', 'client', 'k2');
    const garbled = h.socket('e2', 'server', 'k3');
    h.advance(40_000);
    pinging.conn.onMessage('{"messageType":"ping"}');
    garbled.conn.onMessage('not json');
    h.advance(19_999);
    expect(h.hub.closeIdle()).toBe(0);
    h.advance(1);
    expect(h.hub.closeIdle()).toBe(1);
    expect([silent.closed, pinging.closed, garbled.closed]).toEqual([[CLOSE_IDLE], [], []]);
    h.advance(40_000);
    h.hub.closeIdle();
    expect([pinging.closed, garbled.closed]).toEqual([[CLOSE_IDLE], [CLOSE_IDLE]]);
  });

  it('an idle timeout of 0 never closes a socket', () => {
    const h = setup(() => null, 0);
    const s = h.socket('e1', 'server', 'k1');
    h.advance(365 * 86_400_000);
    expect(h.hub.closeIdle()).toBe(0);
    expect(s.closed).toEqual([]);
  });
});

// The resolver alone, over a fake store: what it caches, what an invalidation drops, and that a lookup which raced an
// invalidation does not put the old answer back.
import { describe, expect, it } from 'vitest';
import { createDigester } from '../auth/credential-format.ts';
import type { Invalidation } from '../platform/invalidation-bus.ts';
import { generateSdkSecret } from './sdk-key-format.ts';
import { createSdkSecretResolver, type SdkSecretRevocation } from './sdk-secret-resolver.ts';
import type { SecretRow } from './sdk-secret-store.ts';

const digester = createDigester('resolver-test-secret');
const NOW = Date.parse('2026-01-01T00:00:00Z');

function setup(options: { onListenerError?: (err: unknown) => void } = {}) {
  const value = generateSdkSecret('server');
  const row: SecretRow = {
    id: 's1',
    orgId: 'o1',
    envId: 'e1',
    name: 'Server Key',
    type: 'server',
    digest: digester.digest(value),
    hint: '',
    value: null,
    prevDigest: null,
    prevUntil: null,
    createdAt: NOW,
    updatedAt: NOW,
  };
  const rows = new Map<string, SecretRow>([[row.digest, row]]);
  let lookups = 0;
  let gate: Promise<void> | null = null;
  const listeners: ((e: Invalidation) => void)[] = [];
  const resolver = createSdkSecretResolver({
    kysely: null as never,
    digester,
    clock: { now: () => NOW },
    maxAgeMs: 5_000,
    onInvalidate: (l) => void listeners.push(l),
    store: {
      async findByDigest(d) {
        lookups++;
        const found = rows.get(d) ?? null;
        if (gate) await gate;
        return found;
      },
    },
    ...options,
  });
  const invalidate = (e: Invalidation) => listeners.forEach((l) => l(e));
  const events: SdkSecretRevocation[] = [];
  resolver.onRevoked((e) => events.push(e));
  return { value, row, rows, resolver, invalidate, events, lookups: () => lookups, hold: (p: Promise<void> | null) => (gate = p) };
}

describe('SDK key resolver', () => {
  it('hashes a working key once, yet a deletion still refuses it at once', async () => {
    const s = setup();
    let hashed = 0;
    const lookupKey = digester.lookupKey;
    digester.lookupKey = (v) => (hashed++, lookupKey(v));
    try {
      for (let i = 0; i < 5; i++) expect(await s.resolver.resolve(s.value, NOW)).not.toBeNull();
      expect(hashed).toBe(1);
      s.rows.clear();
      s.invalidate({ kind: 'sdk-secrets', envIds: ['e1'], secretId: 's1', reason: 'deleted', graceUntil: null });
      expect(await s.resolver.resolve(s.value, NOW)).toBeNull();
      // Garbage is never remembered: each try is checked (and refused) again, without a lookup.
      for (let i = 0; i < 3; i++) expect(await s.resolver.resolve('garbage', NOW)).toBeNull();
      expect(s.lookups()).toBe(2);
    } finally {
      digester.lookupKey = lookupKey;
    }
  });

  it('answers a known key from memory after the first lookup, until the bound', async () => {
    const s = setup();
    expect(await s.resolver.resolve(s.value, NOW)).toEqual({ secretId: 's1', envId: 'e1', orgId: 'o1', type: 'server', validUntil: null });
    expect(await s.resolver.resolve(s.value, NOW + 4_999)).not.toBeNull();
    expect(s.lookups()).toBe(1);
    expect(await s.resolver.resolve(s.value, NOW + 5_000)).not.toBeNull();
    expect(s.lookups()).toBe(2);
    s.resolver.close();
  });

  it('a lookup that raced a deletion answers once but leaves nothing cached', async () => {
    const s = setup();
    let release!: () => void;
    s.hold(new Promise<void>((r) => (release = r)));
    const pending = s.resolver.resolve(s.value, NOW);
    // The row is deleted and the deletion announced while the lookup is still in flight.
    s.rows.clear();
    s.invalidate({ kind: 'sdk-secrets', envIds: ['e1'], secretId: 's1', reason: 'deleted', graceUntil: null });
    release();
    expect(await pending).not.toBeNull(); // read before the delete
    s.hold(null);
    expect(await s.resolver.resolve(s.value, NOW)).toBeNull(); // not served from a stale cache entry
    expect(s.events).toEqual([{ envId: 'e1', secretId: 's1', reason: 'deleted' }]);
    s.resolver.close();
  });

  it('an environment deletion drops its keys and says so; a lost connection asks for a re-check of everything', async () => {
    const s = setup();
    await s.resolver.resolve(s.value, NOW);
    s.rows.clear();
    s.invalidate({ kind: 'sdk-secrets', envIds: ['e1'], secretId: null, reason: 'deleted', graceUntil: null });
    expect(await s.resolver.resolve(s.value, NOW)).toBeNull();
    s.invalidate({ kind: 'all' });
    expect(s.events).toEqual([
      { envId: 'e1', secretId: null, reason: 'deleted' },
      { envId: null, secretId: null, reason: 'unknown' },
    ]);
    s.resolver.close();
  });

  it('flag invalidations neither drop keys nor raise revocations', async () => {
    const s = setup();
    await s.resolver.resolve(s.value, NOW);
    s.invalidate({ kind: 'flags', envIds: ['e1'] });
    s.invalidate({ kind: 'token', tokenId: 't' });
    expect(await s.resolver.resolve(s.value, NOW)).not.toBeNull();
    expect(s.lookups()).toBe(1);
    expect(s.events).toEqual([]);
    s.resolver.close();
  });

  it('a listener that throws does not stop the others', async () => {
    const errors: unknown[] = [];
    const { resolver, invalidate } = setup({ onListenerError: (err) => errors.push(err) });
    const heard: SdkSecretRevocation[] = [];
    resolver.onRevoked(() => {
      throw new Error('socket holder bug');
    });
    const off = resolver.onRevoked((e) => heard.push(e));
    invalidate({ kind: 'sdk-secrets', envIds: ['e1'], secretId: 's1', reason: 'deleted', graceUntil: null });
    expect(heard).toHaveLength(1);
    expect(errors).toHaveLength(1);
    off();
    invalidate({ kind: 'sdk-secrets', envIds: ['e1'], secretId: 's1', reason: 'deleted', graceUntil: null });
    expect(heard).toHaveLength(1);
    resolver.close();
  });
});

// SDK key → environment, for the public SDK routes (streaming, polling, insights). The hot path asks memory, not the
// database: a lookup is cached by the key's keyed lookup hash and read again once older than the re-validation bound
// (CACHE_REVALIDATE_SECONDS), like API credentials (auth/credential-cache.ts). Deleting or rotating a key publishes
// an invalidation (every instance drops what it cached before the change's response is sent) and, on every instance,
// a revocation event, so that open SDK sockets can be closed; a rotated key's grace end is noticed by a timer.
import type { Digester } from '../auth/credential-format.ts';
import type { Clock } from '../platform/clock.ts';
import type { Invalidation } from '../platform/invalidation-bus.ts';
import type { DbHandle } from '../platform/db.ts';
import { parseSdkSecret, type SdkSecretType } from './sdk-key-format.ts';
import { sdkSecretStore } from './sdk-secret-store.ts';

export interface ResolvedSdkSecret {
  secretId: string;
  envId: string;
  orgId: string;
  type: SdkSecretType;
  /** Null for a secret's current key; for a rotated key still in its grace period, when it stops working. */
  validUntil: number | null;
}

/**
 * Something that may refuse keys which resolved before. A holder of open SDK sockets closes those matching the event:
 * - reason 'deleted': every socket of `secretId` (or, when `secretId` is null, of the environment `envId`);
 * - reason 'rotated': a previous key of `secretId` stopped working; close the sockets whose key no longer resolves;
 * - reason 'unknown' (`envId` and `secretId` null): notifications may have been missed; re-resolve every socket's key.
 */
export interface SdkSecretRevocation {
  envId: string | null;
  secretId: string | null;
  reason: 'deleted' | 'rotated' | 'unknown';
}

export interface SdkSecretResolver {
  /** The environment an SDK key belongs to, or null. A string that fails the format or checksum never reaches the database. */
  resolve(value: string, now: number): Promise<ResolvedSdkSecret | null>;
  /** Listens for revocations on this instance (whichever instance made the change); returns an unsubscribe function. */
  onRevoked(listener: (event: SdkSecretRevocation) => void): () => void;
  /** Fires the grace ends that are due at `now`; the resolver's own timer calls it every GRACE_CHECK_MS. */
  checkGraceEnds(now: number): void;
  close(): void;
}

export interface SdkSecretResolverDeps {
  kysely: DbHandle;
  digester: Digester;
  clock: Clock;
  /** Entries older than this are read again (the bounded fallback for a lost notification). */
  maxAgeMs: number;
  onInvalidate(listener: (event: Invalidation) => void): void;
  /** Store lookups go through here, so a test can see that malformed keys never reach it. */
  store?: Pick<ReturnType<typeof sdkSecretStore>, 'findByDigest'>;
  onListenerError?(err: unknown): void;
}

/** How often due grace ends are looked for: revocations must reach sockets within a second. */
export const GRACE_CHECK_MS = 250;
const MAX_ENTRIES = 100_000;

interface Entry extends ResolvedSdkSecret {
  loadedAt: number;
}

export function createSdkSecretResolver(deps: SdkSecretResolverDeps): SdkSecretResolver {
  const store = deps.store ?? sdkSecretStore(deps.kysely);
  const entries = new Map<string, Entry>();
  // Keys that resolved once, by their text → their lookup key (a pure function of the text): an SDK reconnecting or
  // polling again skips the format check and the keyed hash. Only working keys get in, so garbage cannot fill it;
  // it decides nothing (the entry looked up with it does), so it needs no invalidation.
  const lookupKeys = new Map<string, string>();
  const keysBySecret = new Map<string, Set<string>>();
  // secretId → when its previous key stops, with its environment (for the event).
  const graceEnds = new Map<string, { envId: string; until: number }>();
  const listeners = new Set<(event: SdkSecretRevocation) => void>();
  // Bumped by every invalidation: a load that raced one must not put what it read back into the cache.
  let generation = 0;

  const emit = (event: SdkSecretRevocation) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        deps.onListenerError?.(err);
      }
    }
  };

  const forget = (secretId: string, onlyRotated = false) => {
    const keys = keysBySecret.get(secretId);
    if (!keys) return;
    for (const key of keys) {
      if (onlyRotated && entries.get(key)?.validUntil === null) continue;
      entries.delete(key);
      keys.delete(key);
    }
    if (keys.size === 0) keysBySecret.delete(secretId);
  };

  const put = (key: string, e: Entry) => {
    if (entries.size >= MAX_ENTRIES) {
      entries.clear();
      keysBySecret.clear();
    }
    entries.set(key, e);
    const keys = keysBySecret.get(e.secretId) ?? new Set<string>();
    keys.add(key);
    keysBySecret.set(e.secretId, keys);
  };

  const expectGraceEnd = (secretId: string, envId: string, until: number) => {
    const known = graceEnds.get(secretId);
    if (!known || known.until !== until) graceEnds.set(secretId, { envId, until });
  };

  deps.onInvalidate((event) => {
    if (event.kind === 'all') {
      generation++;
      entries.clear();
      keysBySecret.clear();
      emit({ envId: null, secretId: null, reason: 'unknown' });
      return;
    }
    if (event.kind !== 'sdk-secrets') return;
    generation++;
    if (event.secretId) {
      forget(event.secretId);
      graceEnds.delete(event.secretId);
      if (event.reason === 'rotated' && event.graceUntil !== null) expectGraceEnd(event.secretId, event.envIds[0], event.graceUntil);
      emit({ envId: event.envIds[0], secretId: event.secretId, reason: event.reason });
      return;
    }
    const gone = new Set(event.envIds);
    for (const [secretId, keys] of keysBySecret) {
      const any = entries.get(keys.values().next().value ?? '');
      if (any && gone.has(any.envId)) forget(secretId);
    }
    for (const [secretId, g] of graceEnds) if (gone.has(g.envId)) graceEnds.delete(secretId);
    for (const envId of event.envIds) emit({ envId, secretId: null, reason: 'deleted' });
  });

  function checkGraceEnds(now: number) {
    for (const [secretId, g] of graceEnds) {
      if (now < g.until) continue;
      graceEnds.delete(secretId);
      generation++;
      forget(secretId, true);
      emit({ envId: g.envId, secretId, reason: 'rotated' });
    }
  }

  const timer = setInterval(() => checkGraceEnds(deps.clock.now()), GRACE_CHECK_MS);
  timer.unref();

  return {
    async resolve(value, now) {
      // Format and checksum first: garbage and forgeries cost no lookup.
      let key = lookupKeys.get(value);
      if (key === undefined) {
        if (!parseSdkSecret(value)) return null;
        key = deps.digester.lookupKey(value);
      }
      const cached = entries.get(key);
      if (cached && now - cached.loadedAt < deps.maxAgeMs) {
        if (cached.validUntil !== null && now >= cached.validUntil) return null;
        return { secretId: cached.secretId, envId: cached.envId, orgId: cached.orgId, type: cached.type, validUntil: cached.validUntil };
      }
      const stamp = generation;
      const type = parseSdkSecret(value);
      const digest = deps.digester.digest(value);
      const row = await store.findByDigest(digest);
      if (!row || row.type !== type) return null;
      let validUntil: number | null = null;
      if (!deps.digester.equal(row.digest, digest)) {
        // The previous key of a rotated secret: honoured until its grace ends, never after.
        if (row.prevDigest === null || row.prevUntil === null || !deps.digester.equal(row.prevDigest, digest) || now >= row.prevUntil) return null;
        validUntil = row.prevUntil;
        // An instance that started after the rotation learns of the grace end here.
        expectGraceEnd(row.id, row.envId, row.prevUntil);
      }
      const resolved: ResolvedSdkSecret = { secretId: row.id, envId: row.envId, orgId: row.orgId, type: row.type, validUntil };
      if (stamp === generation) put(key, { ...resolved, loadedAt: now });
      if (lookupKeys.size >= MAX_ENTRIES) lookupKeys.clear();
      lookupKeys.set(value, key);
      return resolved;
    },

    onRevoked(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    checkGraceEnds,

    close() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}

declare module '../platform/context.ts' {
  interface AppContext {
    /** SDK key → environment for the public SDK routes, with revocation events. */
    sdkSecrets: SdkSecretResolver;
  }
}

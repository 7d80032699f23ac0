// Look-up for authentication: this instance's cache first, then the credential store, one load per key at a time.
import type { DbHandle } from '../platform/db.ts';
import type { CredentialCache } from './credential-cache.ts';
import { memberEntry, memberKey, sessionMemberKey, tokenEntry, type MemberEntry, type SessionEntry, type TokenEntry } from './credential-entry.ts';
import type { Digester } from './credential-format.ts';
import { findSessionByDigest, findTokenByDigest } from './credential-store.ts';
import { loadMemberAccess } from './member-access.ts';

export interface LookupDeps {
  db: DbHandle;
  digester: Digester;
  cache: CredentialCache;
}

/** `key` names a credential in the cache (Digester.lookupKey); `secret` is only hashed for the database on a miss. */
export function createCredentialLookup({ db, digester, cache }: LookupDeps) {
  // Concurrent misses on one key (say, every connection of a busy client when its entry ages out) share
  // one load, but only a load that began after the latest invalidation: nobody waits for data older than
  // a change it could know about.
  const inflight = new Map<string, { stamp: number; promise: Promise<unknown> }>();
  function shared<T>(key: string, load: () => Promise<T>): Promise<T> {
    const stamp = cache.stamp();
    const running = inflight.get(key);
    if (running && running.stamp === stamp) return running.promise as Promise<T>;
    const promise: Promise<T> = load().finally(() => {
      if (inflight.get(key)?.promise === promise) inflight.delete(key);
    });
    inflight.set(key, { stamp, promise });
    return promise;
  }

  // Each load takes its stamp before reading, so a load that raced an invalidation is not cached.
  async function loadToken(key: string, secret: string, now: number): Promise<TokenEntry | null> {
    const stamp = cache.stamp();
    const digest = digester.digest(secret);
    const row = await findTokenByDigest(db, digest);
    if (!row) return null;
    const entry = tokenEntry({ ...row, current: digester.equal(row.digest, digest) }, now);
    cache.putToken(key, entry, stamp);
    return entry;
  }

  async function loadMember(key: string, where: { memberId: string } | { orgId: string; userId: string }, now: number): Promise<MemberEntry | null> {
    const stamp = cache.stamp();
    const access = await loadMemberAccess(db, where);
    const entry = access ? memberEntry(access, now) : null;
    cache.putMember(key, entry, now, stamp);
    if (entry) cache.putMember(memberKey(entry.access.memberId), entry, now, stamp);
    return entry;
  }

  async function loadSession(key: string, secret: string, now: number): Promise<SessionEntry | null> {
    const stamp = cache.stamp();
    const row = await findSessionByDigest(db, digester.digest(secret));
    if (!row) return null;
    const entry: SessionEntry = { ...row, loadedAt: now };
    cache.putSession(key, entry, stamp);
    return entry;
  }

  return {
    /** The cached entry alone: undefined when this instance has none (or it is too old). */
    cachedToken: (key: string, now: number): TokenEntry | undefined => cache.token(key, now),
    /** A personal token's owner from the cache alone; null for a token with no owner. */
    cachedOwner: (t: TokenEntry, now: number): MemberEntry | null | undefined => (t.ownerKey ? cache.member(t.ownerKey, now) : null),

    token: (key: string, secret: string, now: number): Promise<TokenEntry | null> => shared(`t:${key}`, () => loadToken(key, secret, now)),
    owner: (t: TokenEntry, now: number): Promise<MemberEntry | null> => shared(t.ownerKey!, () => loadMember(t.ownerKey!, { memberId: t.ownerMemberId! }, now)),
    session: (key: string, secret: string, now: number): SessionEntry | Promise<SessionEntry | null> => cache.session(key, now) ?? shared(`s:${key}`, () => loadSession(key, secret, now)),
    /** A session user's membership of `orgId`: null when not a member. */
    member(orgId: string, userId: string, now: number): MemberEntry | null | Promise<MemberEntry | null> {
      const key = sessionMemberKey(orgId, userId);
      const cached = cache.member(key, now);
      return cached !== undefined ? cached : shared(key, () => loadMember(key, { orgId, userId }, now));
    },
  };
}

export type CredentialLookup = ReturnType<typeof createCredentialLookup>;

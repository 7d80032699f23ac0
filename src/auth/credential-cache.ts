// The hot path's memory: credential (by its keyed lookup hash) → what authenticate needs, and member → current statements.
// Every change that can narrow a credential calls `invalidate` before its response is sent, and a
// generation counter stops a load that raced with an invalidation from putting stale data back.
import type { MemberEntry, SessionEntry, TokenEntry } from './credential-entry.ts';
import type { Invalidation } from '../platform/invalidation-bus.ts';

export class CredentialCache {
  private generation = 0;
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly digestsByToken = new Map<string, Set<string>>();
  private readonly sessions = new Map<string, SessionEntry>();
  // A slot, so that "not a member" is cached with a load time too and re-validated like the rest.
  private readonly members = new Map<string, { entry: MemberEntry | null; loadedAt: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries = 200_000,
  ) {}

  /** Take before a database load; pass to `put*` so a load that raced an invalidation is dropped. */
  stamp(): number {
    return this.generation;
  }

  private fresh<T extends { loadedAt: number }>(e: T | undefined, now: number): T | undefined {
    return e && now - e.loadedAt < this.maxAgeMs ? e : undefined;
  }

  token(digest: string, now: number): TokenEntry | undefined {
    return this.fresh(this.tokens.get(digest), now);
  }
  putToken(digest: string, e: TokenEntry, stamp: number): void {
    if (stamp !== this.generation) return;
    if (this.tokens.size >= this.maxEntries) this.clearTokens();
    this.tokens.set(digest, e);
    const digests = this.digestsByToken.get(e.id) ?? new Set<string>();
    digests.add(digest);
    this.digestsByToken.set(e.id, digests);
  }

  session(digest: string, now: number): SessionEntry | undefined {
    return this.fresh(this.sessions.get(digest), now);
  }
  putSession(digest: string, e: SessionEntry, stamp: number): void {
    if (stamp !== this.generation) return;
    if (this.sessions.size >= this.maxEntries) this.sessions.clear();
    this.sessions.set(digest, e);
  }

  /** undefined = not cached (or too old); null = cached "not a member". */
  member(key: string, now: number): MemberEntry | null | undefined {
    const slot = this.members.get(key);
    return slot && now - slot.loadedAt < this.maxAgeMs ? slot.entry : undefined;
  }
  putMember(key: string, e: MemberEntry | null, loadedAt: number, stamp: number): void {
    if (stamp !== this.generation) return;
    if (this.members.size >= this.maxEntries) this.members.clear();
    this.members.set(key, { entry: e, loadedAt });
  }

  invalidate(event: Invalidation): void {
    if (event.kind === 'flags' || event.kind === 'sdk-secrets') return; // flag data and SDK keys, not API credentials
    this.generation++;
    switch (event.kind) {
      case 'token':
        for (const digest of this.digestsByToken.get(event.tokenId) ?? []) this.tokens.delete(digest);
        this.digestsByToken.delete(event.tokenId);
        return;
      case 'session':
        for (const [digest, e] of this.sessions) if (e.userId === event.userId) this.sessions.delete(digest);
        this.members.clear();
        return;
      case 'org':
        // Statements of every member of the org may change; tokens of the org carry owners' layers.
        this.members.clear();
        for (const [digest, e] of this.tokens) {
          if (e.orgId !== event.orgId) continue;
          this.tokens.delete(digest);
          this.digestsByToken.delete(e.id);
        }
        for (const [digest, e] of this.sessions) if (e.orgIds.includes(event.orgId)) this.sessions.delete(digest);
        return;
      case 'all':
        this.clearTokens();
        this.sessions.clear();
        this.members.clear();
        return;
    }
  }

  private clearTokens(): void {
    this.tokens.clear();
    this.digestsByToken.clear();
  }

  sizes() {
    return { tokens: this.tokens.size, sessions: this.sessions.size, members: this.members.size };
  }
}

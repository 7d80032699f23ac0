// credential → principal. Unknown, malformed, wrong-checksum and expired credentials all become the same 401.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';
import type { Clock } from '../platform/clock.ts';
import { AppError, BadRequest, Forbidden, TooManyRequests, Unauthorized } from '../platform/errors.ts';
import type { Database } from '../platform/tables.ts';
import type { CredentialCache, MemberEntry, SessionEntry, TokenEntry } from './credential-cache.ts';
import { credentialFromHeader, parseCredential, type Digester } from './credential-format.ts';
import { loadMemberAccess } from './member-access.ts';
import { layer, type Layer, type MemberPrincipal, type Principal, type TokenPrincipal } from './principal.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { UsageTracker } from './usage.ts';

export const SESSION_COOKIE = 'ensign_session';
export const WEB_CLIENT_HEADER = 'x-requested-with';
export const WEB_CLIENT_VALUE = 'ensign-web';

export interface AuthDeps {
  db: Kysely<Database>;
  digester: Digester;
  cache: CredentialCache;
  clock: Clock;
  usage: UsageTracker;
  limiter: RateLimiter | null;
  /** Drops every cache when another process changed the database behind this one's back (SQLite; see invalidation-bus.ts). */
  noticeExternalWrites?: () => void;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Rejections are values, not exceptions: a flood of bad credentials costs no throw. They carry no
// stack and no per-request state, so one instance of each serves every request.
const UNAUTHORIZED = new Unauthorized();
const FORBIDDEN = new Forbidden();

/** A principal, or the error to answer with (401, 403, 429, or 400 for a bad Organization header). */
export type AuthOutcome = Principal | AppError;

/** The credential text of a request, null when there is none, or undefined for a malformed Authorization header. */
function credentialOf(request: FastifyRequest): { text: string; viaCookie: boolean } | null | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    if (typeof header !== 'string') return undefined;
    return { text: credentialFromHeader(header), viaCookie: false };
  }
  // Cookies are parsed here, only for requests without an Authorization header (no parsing hook on every request).
  const raw = request.headers.cookie;
  const cookie = raw ? request.server.parseCookie(raw)[SESSION_COOKIE] : undefined;
  return cookie ? { text: cookie, viaCookie: true } : null;
}

export function createAuthenticator(deps: AuthDeps) {
  const { db, digester, cache, clock, usage, limiter } = deps;
  const noticeExternalWrites = deps.noticeExternalWrites ?? (() => undefined);

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

  /** Loads (and caches) a member's current statements; callers try `cache.member` first, so a hit costs no promise. */
  async function loadMember(key: string, where: { memberId: string } | { orgId: string; userId: string }, now: number): Promise<MemberEntry | null> {
    const stamp = cache.stamp();
    const access = await loadMemberAccess(db, where);
    const entry = access ? { access, layer: layer(access.statements, access.memberId), loadedAt: now } : null;
    cache.putMember(key, entry, now, stamp);
    if (entry) cache.putMember(`m:${entry.access.memberId}`, entry, now, stamp);
    return entry;
  }

  async function loadToken(key: string, secret: string, now: number): Promise<TokenEntry | null> {
    const stamp = cache.stamp();
    const digest = digester.digest(secret);
    const row = await db
      .selectFrom('access_tokens')
      .innerJoin('organizations', 'organizations.id', 'access_tokens.org_id')
      .selectAll('access_tokens')
      .select('organizations.key as org_key')
      .where((eb) => eb.or([eb('access_tokens.digest', '=', digest), eb('access_tokens.prev_digest', '=', digest)]))
      .executeTakeFirst();
    if (!row) return null;
    const current = digester.equal(row.digest, digest);
    const permissions = JSON.parse(row.permissions) as Statement[];
    const entry: TokenEntry = {
      id: row.id,
      orgId: row.org_id,
      orgKey: row.org_key,
      name: row.name,
      type: row.type,
      status: row.status,
      expiresAt: row.expires_at,
      graceUntil: current ? null : (row.prev_digest_until ?? 0),
      ownerMemberId: row.creator_member_id,
      ownerKey: row.creator_member_id ? `m:${row.creator_member_id}` : null,
      tokenLayer: row.type === 'Personal' && permissions.length === 0 ? null : layer(permissions),
      loadedAt: now,
    };
    cache.putToken(key, entry, stamp);
    return entry;
  }

  async function loadSession(key: string, secret: string, now: number): Promise<SessionEntry | null> {
    const stamp = cache.stamp();
    const digest = digester.digest(secret);
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id', 'sessions.user_id', 'sessions.expires_at', 'users.name', 'users.email'])
      .where('sessions.digest', '=', digest)
      .executeTakeFirst();
    if (!row) return null;
    const orgs = await db.selectFrom('members').select('org_id').where('user_id', '=', row.user_id).execute();
    const entry: SessionEntry = {
      id: row.id,
      userId: row.user_id,
      name: row.name,
      email: row.email,
      expiresAt: row.expires_at,
      orgIds: orgs.map((o) => o.org_id),
      loadedAt: now,
    };
    cache.putSession(key, entry, stamp);
    return entry;
  }

  /**
   * Shared by `authenticate` and `cachedToken` (the flag read answered before routing): a rule for tokens goes
   * here, or in `admit`, so that both paths apply it.
   *
   * What a loaded token allows at `now`: its principal, the rejection, or undefined when it is a personal token
   * whose owner's entry was not given (`owner` undefined: not looked up yet; null: not a member any more).
   */
  function tokenOutcome(t: TokenEntry, owner: MemberEntry | null | undefined, now: number): TokenPrincipal | AppError | undefined {
    if (t.graceUntil !== null && now >= t.graceUntil) return UNAUTHORIZED;
    if (t.expiresAt !== null && now >= t.expiresAt) return UNAUTHORIZED;
    // The source document: an inactive token gets exactly the Forbidden envelope.
    if (t.status !== 'Active') return FORBIDDEN;
    if (t.type === 'Service') return (t.principal ??= tokenPrincipal(t, null));
    // A personal token never does more than its owner can do now.
    if (!t.ownerMemberId || !t.ownerKey) return FORBIDDEN;
    if (owner === undefined) return undefined;
    if (!owner || owner.access.orgId !== t.orgId) return FORBIDDEN;
    // Both entries are immutable snapshots: the principal built from this pair is reused until either is replaced.
    if (t.principal && t.principalOwner === owner) return t.principal;
    t.principalOwner = owner;
    return (t.principal = tokenPrincipal(t, owner));
  }

  const cachedOwner = (t: TokenEntry, now: number) => (t.ownerKey ? cache.member(t.ownerKey, now) : null);

  /** `key` names the credential in the cache; `secret` is only hashed for the database on a miss. */
  async function fromToken(key: string, secret: string, now: number): Promise<TokenPrincipal | AppError> {
    const t = cache.token(key, now) ?? (await shared(`t:${key}`, () => loadToken(key, secret, now)));
    if (!t) return UNAUTHORIZED;
    const known = tokenOutcome(t, cachedOwner(t, now), now);
    if (known !== undefined) return known;
    const ownerMemberId = t.ownerMemberId!;
    const owner = await shared(t.ownerKey!, () => loadMember(t.ownerKey!, { memberId: ownerMemberId }, now));
    return tokenOutcome(t, owner, now)!;
  }

  async function fromSession(request: FastifyRequest, key: string, secret: string, now: number): Promise<Principal | AppError> {
    const s = cache.session(key, now) ?? (await shared(`s:${key}`, () => loadSession(key, secret, now)));
    if (!s || now >= s.expiresAt) return UNAUTHORIZED;
    const user = { userId: s.userId, sessionId: s.id, name: s.name, email: s.email };
    const header = request.headers.organization;
    if (Array.isArray(header)) return new BadRequest('organization_is_invalid');
    const orgId = header?.trim() || (s.orgIds.length === 1 ? s.orgIds[0] : null);
    if (!orgId) return { kind: 'user', ...user };
    const memberKey = `u:${orgId}:${s.userId}`;
    const cached = cache.member(memberKey, now);
    const m = cached !== undefined ? cached : await shared(memberKey, () => loadMember(memberKey, { orgId, userId: s.userId }, now));
    if (!m) return FORBIDDEN;
    const principal: MemberPrincipal = {
      kind: 'member',
      ...user,
      org: { id: m.access.orgId, key: m.access.orgKey },
      memberId: m.access.memberId,
      permission: { layers: [m.layer] },
      statements: m.access.statements,
    };
    return principal;
  }

  const limitText = limiter ? String(limiter.limit) : '';
  const NO_HEADERS: readonly string[] = Object.freeze([]);

  /**
   * The last step of every authentication: the rate limit (a 429, or the X-RateLimit-* headers to send as
   * [name, value, …]) and the token's last use.
   */
  function admit(principal: Principal, now: number): TooManyRequests | readonly string[] {
    let headers = NO_HEADERS;
    if (limiter) {
      const d = limiter.hit(principal.kind === 'token' ? `t:${principal.tokenId}` : `s:${principal.sessionId}`, now);
      // The error envelope adds X-RateLimit-Remaining: 0 (and Retry-After) to a 429.
      if (!d.allowed) return new TooManyRequests(d.retryAfterSeconds, limiter.limit);
      headers = ['x-ratelimit-limit', limitText, 'x-ratelimit-remaining', String(d.remaining)];
    }
    if (principal.kind === 'token') usage.touch(principal.tokenId, now);
    return headers;
  }

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<AuthOutcome> {
    const credential = credentialOf(request);
    if (!credential) return UNAUTHORIZED;
    // Format and checksum first: a made-up credential never reaches the database.
    const kind = parseCredential(credential.text);
    if (!kind || (credential.viaCookie && kind !== 'Session')) return UNAUTHORIZED;
    // A cookie rides along on cross-site requests; a custom header cannot (CSRF defence).
    if (credential.viaCookie && UNSAFE.has(request.method) && request.headers[WEB_CLIENT_HEADER] !== WEB_CLIENT_VALUE) return FORBIDDEN;
    noticeExternalWrites();
    const now = clock.now();
    const key = digester.lookupKey(credential.text);
    const principal = kind === 'Session' ? await fromSession(request, key, credential.text, now) : await fromToken(key, credential.text, now);
    if (principal instanceof AppError) return principal;
    const admitted = admit(principal, now);
    if (admitted instanceof AppError) return admitted;
    for (let i = 0; i < admitted.length; i += 2) reply.header(admitted[i], admitted[i + 1]);
    return principal;
  }

  /**
   * The principal of an access token (an Authorization header's value) from this instance's cache alone, with
   * no database read and no promise; undefined when that is not enough to decide (a session, a malformed
   * header, or anything not cached). For flags/flag-fast-read.ts, which answers only what it can decide here
   * and leaves everything else to `authenticate`. Not admitted yet: call `admit` before answering.
   */
  function cachedToken(header: string, now: number): TokenPrincipal | undefined {
    const text = credentialFromHeader(header);
    const kind = parseCredential(text);
    if (kind !== 'Personal' && kind !== 'Service') return undefined;
    noticeExternalWrites();
    const t = cache.token(digester.lookupKey(text), now);
    if (!t) return undefined;
    const outcome = tokenOutcome(t, cachedOwner(t, now), now);
    return outcome instanceof AppError ? undefined : outcome;
  }

  return { authenticate, cachedToken, admit };
}

/** What a token may do: a service token its own statements; a personal token its own ∩ its owner's current ones. */
// Frozen, because many requests share it: a handler that tried to widen it would throw instead.
function tokenPrincipal(t: TokenEntry, owner: MemberEntry | null): TokenPrincipal {
  const org = Object.freeze({ id: t.orgId, key: t.orgKey });
  const layers = Object.freeze(owner ? (t.tokenLayer ? [owner.layer, t.tokenLayer] : [owner.layer]) : [t.tokenLayer!]) as Layer[];
  const permission = Object.freeze({ layers });
  const a = owner?.access;
  return Object.freeze({
    kind: 'token' as const,
    tokenType: t.type,
    tokenId: t.id,
    tokenName: t.name,
    org,
    memberId: a?.memberId ?? null,
    userId: a?.userId ?? null,
    name: a?.name ?? null,
    email: a?.email ?? null,
    permission,
    expiresAt: t.graceUntil === null ? t.expiresAt : Math.min(t.graceUntil, t.expiresAt ?? Infinity),
  });
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

// Re-exported so routes can build RNs without reaching into iam internals.
export { rn };

// credential → principal. Unknown, malformed, wrong-checksum and expired credentials all become the same 401.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { rn } from '../iam/rn.ts';
import type { Statement } from '../iam/statement.ts';
import type { Clock } from '../platform/clock.ts';
import { BadRequest, Forbidden, TooManyRequests, Unauthorized } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import type { CredentialCache, MemberEntry, SessionEntry, TokenEntry } from './credential-cache.ts';
import { parseCredential, type Digester } from './credential-format.ts';
import { loadMemberAccess } from './member-access.ts';
import { layer, type MemberPrincipal, type Principal, type TokenPrincipal } from './principal.ts';
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
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The credential text of a request, or null; throws 401 for a malformed Authorization header. */
function credentialOf(request: FastifyRequest): { text: string; viaCookie: boolean } | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    if (typeof header !== 'string') throw new Unauthorized();
    const text = header.startsWith('Bearer ') || header.startsWith('bearer ') ? header.slice(7).trim() : header.trim();
    return { text, viaCookie: false };
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  return cookie ? { text: cookie, viaCookie: true } : null;
}

export function createAuthenticator(deps: AuthDeps) {
  const { db, digester, cache, clock, usage, limiter } = deps;

  async function memberEntry(key: string, where: { memberId: string } | { orgId: string; userId: string }, now: number): Promise<MemberEntry | null> {
    const cached = cache.member(key, now);
    if (cached !== undefined) return cached;
    const stamp = cache.stamp();
    const access = await loadMemberAccess(db, where);
    const entry = access ? { access, layer: layer(access.statements), loadedAt: now } : null;
    cache.putMember(key, entry, stamp);
    if (entry) cache.putMember(`m:${entry.access.memberId}`, entry, stamp);
    return entry;
  }

  async function tokenEntry(digest: string, now: number): Promise<TokenEntry | null> {
    const cached = cache.token(digest, now);
    if (cached) return cached;
    const stamp = cache.stamp();
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
      tokenLayer: row.type === 'Personal' && permissions.length === 0 ? null : layer(permissions),
      loadedAt: now,
    };
    cache.putToken(digest, entry, stamp);
    return entry;
  }

  async function sessionEntry(digest: string, now: number): Promise<SessionEntry | null> {
    const cached = cache.session(digest, now);
    if (cached) return cached;
    const stamp = cache.stamp();
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
    cache.putSession(digest, entry, stamp);
    return entry;
  }

  async function fromToken(digest: string, now: number): Promise<TokenPrincipal> {
    const t = await tokenEntry(digest, now);
    if (!t) throw new Unauthorized();
    if (t.graceUntil !== null && now >= t.graceUntil) throw new Unauthorized();
    if (t.expiresAt !== null && now >= t.expiresAt) throw new Unauthorized();
    // The source document: an inactive token gets exactly the Forbidden envelope.
    if (t.status !== 'Active') throw new Forbidden();
    const org = { id: t.orgId, key: t.orgKey };
    const base = { kind: 'token' as const, tokenType: t.type, tokenId: t.id, tokenName: t.name, org };
    if (t.type === 'Service') {
      return { ...base, memberId: null, userId: null, name: null, email: null, permission: { layers: [t.tokenLayer!] } };
    }
    // A personal token never does more than its owner can do now.
    if (!t.ownerMemberId) throw new Forbidden();
    const owner = await memberEntry(`m:${t.ownerMemberId}`, { memberId: t.ownerMemberId }, now);
    if (!owner || owner.access.orgId !== t.orgId) throw new Forbidden();
    const layers = t.tokenLayer ? [owner.layer, t.tokenLayer] : [owner.layer];
    const a = owner.access;
    return { ...base, memberId: a.memberId, userId: a.userId, name: a.name, email: a.email, permission: { layers } };
  }

  async function fromSession(request: FastifyRequest, digest: string, now: number): Promise<Principal> {
    const s = await sessionEntry(digest, now);
    if (!s || now >= s.expiresAt) throw new Unauthorized();
    const user = { userId: s.userId, sessionId: s.id, name: s.name, email: s.email };
    const header = request.headers.organization;
    if (Array.isArray(header)) throw new BadRequest('organization_is_invalid');
    const orgId = header?.trim() || (s.orgIds.length === 1 ? s.orgIds[0] : null);
    if (!orgId) return { kind: 'user', ...user };
    const m = await memberEntry(`u:${orgId}:${s.userId}`, { orgId, userId: s.userId }, now);
    if (!m) throw new Forbidden();
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

  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    const credential = credentialOf(request);
    if (!credential) throw new Unauthorized();
    // Format and checksum first: a made-up credential never reaches the database.
    const kind = parseCredential(credential.text);
    if (!kind || (credential.viaCookie && kind !== 'Session')) throw new Unauthorized();
    // A cookie rides along on cross-site requests; a custom header cannot (CSRF defence).
    if (credential.viaCookie && UNSAFE.has(request.method) && request.headers[WEB_CLIENT_HEADER] !== WEB_CLIENT_VALUE) throw new Forbidden();
    const now = clock.now();
    const digest = digester.digest(credential.text);
    const principal = kind === 'Session' ? await fromSession(request, digest, now) : await fromToken(digest, now);
    if (limiter) {
      const key = principal.kind === 'token' ? `t:${principal.tokenId}` : `s:${principal.sessionId}`;
      const d = limiter.hit(key, now);
      reply.header('X-RateLimit-Limit', String(limiter.limit));
      if (!d.allowed) {
        reply.header('X-RateLimit-Remaining', '0');
        throw new TooManyRequests(d.retryAfterSeconds);
      }
      reply.header('X-RateLimit-Remaining', String(d.remaining));
    }
    if (principal.kind === 'token') usage.touch(principal.tokenId, now);
    return principal;
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;

// Re-exported so routes can build RNs without reaching into iam internals.
export { rn };

// credential → principal, in four steps: parse → look up → decide → attach. Unknown, malformed, wrong-checksum
// and expired credentials all become the same 401 (token-decision.ts decides; this file only gathers what it needs).
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../platform/clock.ts';
import { AppError, BadRequest, Forbidden, Unauthorized } from '../platform/errors.ts';
import type { DbHandle } from '../platform/db.ts';
import { createAdmission } from './admission.ts';
import type { CredentialCache } from './credential-cache.ts';
import { credentialFromHeader, parseCredential, type Digester } from './credential-format.ts';
import { createCredentialLookup } from './credential-lookup.ts';
import { passesCsrfCheck } from './csrf.ts';
import type { MemberPrincipal, Principal, TokenPrincipal } from './principal.ts';
import type { RateLimiter } from './rate-limit.ts';
import { decideToken, isLookUp, isRefusal, type Refusal, type RequestFacts, type TokenDecision, type TokenEvidence } from './token-decision.ts';
import type { UsageTracker } from './usage.ts';

export const SESSION_COOKIE = 'ensign_session';
// Named here too: the sign-in route and tests set them where they set the cookie.
export { WEB_CLIENT_HEADER, WEB_CLIENT_VALUE } from './csrf.ts';

export interface AuthDeps {
  db: DbHandle;
  digester: Digester;
  cache: CredentialCache;
  clock: Clock;
  usage: UsageTracker;
  limiter: RateLimiter | null;
  /** Drops every cache when another process changed the database behind this one's back (SQLite; see invalidation-bus.ts). */
  noticeExternalWrites?: () => void;
  /**
   * The client's address of a raw request by the TRUST_PROXY rule (platform/client-address.ts `clientAddressOf`, the
   * same answer as request.ip): what `cachedToken` asks for a network-bound token. Default: the socket's peer.
   */
  clientAddress?: (req: IncomingMessage) => string;
}

// Rejections are values, not exceptions: a flood of bad credentials costs no throw. They carry no
// stack and no per-request state, so one instance of each serves every request.
const UNAUTHORIZED = new Unauthorized();
const FORBIDDEN = new Forbidden();
const REFUSED: Record<Refusal['code'], AppError> = {
  Unauthorized: UNAUTHORIZED,
  Forbidden: FORBIDDEN,
  AddressNotAllowed: new Forbidden('AddressNotAllowed'),
  TokenViolatesPolicy: new Forbidden('TokenViolatesPolicy'),
};
const errorOf = (r: Refusal): AppError => REFUSED[r.code];
const socketAddress = (req: IncomingMessage) => req.socket?.remoteAddress ?? '';

/** A principal, or the error to answer with (401, 403, 429, or 400 for a bad Organization header). */
export type AuthOutcome = Principal | AppError;

/** The credential text of a request, null when there is none, or undefined for a malformed Authorization header. */
function credentialOf(request: FastifyRequest): { text: string; via: RequestFacts['via'] } | null | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    if (typeof header !== 'string') return undefined;
    return { text: credentialFromHeader(header), via: 'header' };
  }
  // Cookies are parsed here, only for requests without an Authorization header (no parsing hook on every request).
  const raw = request.headers.cookie;
  const cookie = raw ? request.server.parseCookie(raw)[SESSION_COOKIE] : undefined;
  return cookie ? { text: cookie, via: 'cookie' } : null;
}

export function createAuthenticator(deps: AuthDeps) {
  const { digester, clock } = deps;
  const noticeExternalWrites = deps.noticeExternalWrites ?? (() => undefined);
  const clientAddressOf = deps.clientAddress ?? socketAddress;
  const lookup = createCredentialLookup(deps);
  const admit = createAdmission(deps.limiter, deps.usage);

  /** Adds what this instance has cached of the token (and its owner) to the evidence; false when nothing is. */
  function fromCache(evidence: TokenEvidence, key: string, now: number): boolean {
    const t = lookup.cachedToken(key, now);
    if (!t) return false;
    evidence.token = t;
    evidence.owner = lookup.cachedOwner(t, now);
    return true;
  }

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<AuthOutcome> {
    // Parse: the credential's text and kind (format and checksum, no look-up yet).
    const credential = credentialOf(request);
    if (!credential) return UNAUTHORIZED;
    const facts: RequestFacts = { now: clock.now(), via: credential.via, clientAddress: request.ip };
    const evidence: TokenEvidence = { kind: parseCredential(credential.text) };
    let decision = decideToken(evidence, facts);
    if (isRefusal(decision)) return errorOf(decision);
    if (credential.via === 'cookie' && !passesCsrfCheck(request.method, request.headers)) return FORBIDDEN;

    // Look up and decide: what the decision asks for, from the cache or the database, until it decides.
    noticeExternalWrites();
    const key = digester.lookupKey(credential.text);
    let principal: Principal | AppError;
    if (isLookUp(decision) && decision.lookUp === 'session') {
      principal = await sessionPrincipal(request, key, credential.text, facts.now);
    } else {
      if (!fromCache(evidence, key, facts.now)) evidence.token = await lookup.token(key, credential.text, facts.now);
      decision = decideToken(evidence, facts);
      // The client's address is in the facts, so after the token the only thing left to look up is its owner.
      if (isLookUp(decision) && decision.lookUp === 'owner') {
        evidence.owner = await lookup.owner(evidence.token!, facts.now);
        decision = decideToken(evidence, facts);
      }
      principal = isRefusal(decision) ? errorOf(decision) : isLookUp(decision) ? FORBIDDEN : decision;
    }
    if (principal instanceof AppError) return principal;

    // Attach: the rate limit and its headers, and the token's last use.
    const admitted = admit(principal, facts.now);
    if (admitted instanceof AppError) return admitted;
    for (let i = 0; i < admitted.length; i += 2) reply.header(admitted[i], admitted[i + 1]);
    return principal;
  }

  /** A session's user, or its member in the organization the Organization header names (or the only one). */
  async function sessionPrincipal(request: FastifyRequest, key: string, secret: string, now: number): Promise<Principal | AppError> {
    const s = await lookup.session(key, secret, now);
    if (!s || now >= s.expiresAt) return UNAUTHORIZED;
    const user = { userId: s.userId, sessionId: s.id, name: s.name, email: s.email };
    const header = request.headers.organization;
    if (Array.isArray(header)) return new BadRequest('organization_is_invalid');
    const orgId = header?.trim() || (s.orgIds.length === 1 ? s.orgIds[0] : null);
    if (!orgId) return { kind: 'user', ...user };
    const m = await lookup.member(orgId, s.userId, now);
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

  /**
   * The principal of an access token (an Authorization header's value) from this instance's cache alone, with
   * no database read and no promise; undefined when that is not enough to decide (a session, a malformed
   * header, a refusal, or anything not cached). For flags/flag-fast-read.ts, which answers only what it can
   * decide here and leaves everything else to `authenticate`. Not admitted yet: call `admit` before answering.
   */
  function cachedToken(header: string, now: number, req: IncomingMessage): TokenPrincipal | undefined {
    const text = credentialFromHeader(header);
    const facts: RequestFacts = { now, via: 'header' };
    const evidence: TokenEvidence = { kind: parseCredential(text) };
    const first = decideToken(evidence, facts);
    if (!isLookUp(first) || first.lookUp !== 'token') return undefined;
    noticeExternalWrites();
    if (!fromCache(evidence, digester.lookupKey(text), now)) return undefined;
    let decision: TokenDecision = decideToken(evidence, facts);
    // A network-bound token: the address is resolved only now, so a token without ranges never pays for it.
    if (isLookUp(decision) && decision.lookUp === 'address') {
      facts.clientAddress = clientAddressOf(req);
      decision = decideToken(evidence, facts);
    }
    return isRefusal(decision) || isLookUp(decision) ? undefined : decision;
  }

  return { authenticate, cachedToken, admit };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

// What auth provides to every feature, as members of the shared context (platform/context.ts declares the rest).
declare module '../platform/context.ts' {
  interface AppContext {
    digester: Digester;
    cache: CredentialCache;
    usage: UsageTracker;
    /** Authentication: the hook runs `authenticate`; answers given before routing use `cachedToken` and `admit`. */
    auth: Authenticator;
  }
}

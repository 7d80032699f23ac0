// The one token decision: what a request's credential allows, from what is known of it so far. Pure: no I/O,
// no clock, no framework. The credential gate (nothing looked up), the authenticate hook (everything looked up)
// and the flag fast read (only what this instance has cached) all call it, so a token rule lives here alone.
//
// Each call says what it knows; the answer is a principal, a refusal, or the next thing to look up. A check on
// tokens is data on the entry or the request facts, and one line below: a network-bound token's ranges
// (`allowedCidrs` on the entry, `clientAddress` in the facts) and its organization's token policy (`policy`).
import type { CredentialKind } from './credential-format.ts';
import type { MemberEntry, TokenEntry } from './credential-entry.ts';
import type { Layer, TokenPrincipal } from './principal.ts';
import { tokenPolicyRefusal } from './token-policy.ts';

/** What the request itself tells, apart from its credential. */
export interface RequestFacts {
  /** The decision's clock reading (ms). */
  now: number;
  /** Where the credential came from: a cookie may carry only a session. */
  via: 'header' | 'cookie';
  /**
   * The client's address (request.ip, after TRUST_PROXY; platform/client-address.ts). Undefined where it is not
   * resolved (the credential gate, the flag read before it asks): a network-bound token then answers `look up address`.
   */
  clientAddress?: string;
}

/** What is known of the credential: its parsed kind, then (when looked up) its stored token and the token owner's membership. */
export interface TokenEvidence {
  /** The kind parseCredential found; null when the text cannot be a credential (format or checksum). */
  kind: CredentialKind | null;
  /** undefined: not looked up yet; null: no such token. */
  token?: TokenEntry | null;
  /** A personal token's owner. undefined: not looked up yet; null: not a member any more. */
  owner?: MemberEntry | null;
}

/** A refusal with its status and stable code; unknown, malformed, wrong-checksum and expired are all the same 401. */
export interface Refusal {
  readonly status: 401 | 403;
  /** The 403s of a network-bound token used from elsewhere, and of a token its organization's policy refuses, name why (after `Forbidden`). */
  readonly code: 'Unauthorized' | 'Forbidden' | 'AddressNotAllowed' | 'TokenViolatesPolicy';
}

/**
 * The decision cannot be made without this: a session (not a token), the stored token, the client's address (a
 * network-bound token, where the caller has not resolved it), or the owner's membership.
 */
export interface LookUp {
  readonly lookUp: 'session' | 'token' | 'address' | 'owner';
}

export type TokenDecision = TokenPrincipal | Refusal | LookUp;

// Shared, frozen values: deciding a flood of bad credentials allocates nothing.
export const UNAUTHORIZED: Refusal = Object.freeze({ status: 401, code: 'Unauthorized' });
// The source document: an inactive token, or one whose owner left, gets exactly the Forbidden envelope.
export const FORBIDDEN: Refusal = Object.freeze({ status: 403, code: 'Forbidden' });
export const ADDRESS_NOT_ALLOWED: Refusal = Object.freeze({ status: 403, code: 'AddressNotAllowed' });
export const TOKEN_VIOLATES_POLICY: Refusal = Object.freeze({ status: 403, code: 'TokenViolatesPolicy' });
const LOOK_UP_SESSION: LookUp = Object.freeze({ lookUp: 'session' });
const LOOK_UP_TOKEN: LookUp = Object.freeze({ lookUp: 'token' });
const LOOK_UP_ADDRESS: LookUp = Object.freeze({ lookUp: 'address' });
const LOOK_UP_OWNER: LookUp = Object.freeze({ lookUp: 'owner' });

export const isRefusal = (d: TokenDecision): d is Refusal => 'status' in d;
export const isLookUp = (d: TokenDecision): d is LookUp => 'lookUp' in d;

export function decideToken(e: TokenEvidence, facts: RequestFacts): TokenDecision {
  // Format and checksum first: a made-up credential never reaches the database.
  if (e.kind === null) return UNAUTHORIZED;
  // A cookie rides along on any request to the site: it may only ever carry a session.
  if (facts.via === 'cookie' && e.kind !== 'Session') return UNAUTHORIZED;
  if (e.kind === 'Session') return LOOK_UP_SESSION;
  const t = e.token;
  if (t === undefined) return LOOK_UP_TOKEN;
  if (t === null) return UNAUTHORIZED;
  // A pre-reset secret past its grace period, and an expired token, are as good as unknown.
  if (t.graceUntil !== null && facts.now >= t.graceUntil) return UNAUTHORIZED;
  if (t.expiresAt !== null && facts.now >= t.expiresAt) return UNAUTHORIZED;
  // A network-bound token, before anything else about it: a request from elsewhere learns nothing of its state.
  // Where the address is not resolved yet, nothing is decided: the caller resolves it, or the full path decides.
  if (t.allowedCidrs !== null) {
    if (facts.clientAddress === undefined) return LOOK_UP_ADDRESS;
    if (!t.allowedCidrs.has(facts.clientAddress)) return ADDRESS_NOT_ALLOWED;
  }
  if (t.status !== 'Active') return FORBIDDEN;
  // The organization's token policy as it stands now: breaking it refuses the token; loosening it brings the token back.
  if (t.policy !== null && tokenPolicyRefusal(t, t.policy) !== null) return TOKEN_VIOLATES_POLICY;
  if (t.type === 'Service') return (t.principal ??= tokenPrincipal(t, null));
  // A personal token never does more than its owner can do now.
  if (!t.ownerMemberId || !t.ownerKey) return FORBIDDEN;
  const owner = e.owner;
  if (owner === undefined) return LOOK_UP_OWNER;
  if (!owner || owner.access.orgId !== t.orgId) return FORBIDDEN;
  // Both entries are immutable snapshots: the principal built from this pair is reused until either is replaced,
  // so remembering it on the entry changes no answer.
  if (t.principal && t.principalOwner === owner) return t.principal;
  t.principalOwner = owner;
  return (t.principal = tokenPrincipal(t, owner));
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
    allowedCidrs: t.allowedCidrs ? Object.freeze(t.allowedCidrs.ranges.map((r) => r.text)) : null,
    // When this credential stops working: its expiry, or the end of a reset's grace if that comes first.
    expiresAt: t.graceUntil === null ? t.expiresAt : Math.min(t.graceUntil, t.expiresAt ?? Infinity),
  });
}

// What is known of a credential once it is looked up: the shapes the store fills, the cache keeps and the
// token decision reads. Each entry is an immutable snapshot of the database at `loadedAt`.
import type { Statement } from '../policy/statement.ts';
import { CidrSet } from './cidr.ts';
import type { MemberAccess } from './member-access.ts';
import { layer, type Layer, type TokenPrincipal } from './principal.ts';
import { compileTokenPolicy, type CompiledTokenPolicy, type TokenPolicy } from './token-policy.ts';

/** The stored facts of a token, as the credential store reads them. */
export interface StoredToken {
  id: string;
  orgId: string;
  orgKey: string;
  name: string;
  type: 'Personal' | 'Service';
  status: 'Active' | 'Inactive';
  expiresAt: number | null;
  ownerMemberId: string | null;
  permissions: Statement[];
  /** False when the secret matched the pre-reset digest, which works until `prevDigestUntil`. */
  current: boolean;
  prevDigestUntil: number | null;
  createdAt: number;
  /** Canonical CIDR ranges it may be used from; null: anywhere. */
  allowedCidrs: string[] | null;
  /** Its organization's token policy; null: none set (the default, which asks nothing). */
  policy: TokenPolicy | null;
}

export interface TokenEntry extends Pick<StoredToken, 'id' | 'orgId' | 'orgKey' | 'name' | 'type' | 'status' | 'expiresAt' | 'ownerMemberId' | 'createdAt'> {
  /** Set when this digest is a pre-reset secret: it works until then. */
  graceUntil: number | null;
  /** The owner's key in the member cache (`m:<memberId>`), built once. */
  ownerKey: string | null;
  tokenLayer: Layer | null; // null: a personal token with no statements of its own ("all I can do")
  /** A personal token with no statements of its own (what the token policy may forbid). */
  followsOwner: boolean;
  /** Its organization's token policy, compiled; null when the policy asks nothing. */
  policy: CompiledTokenPolicy | null;
  /** Where it may be used from, compiled; null: anywhere. */
  allowedCidrs: CidrSet | null;
  loadedAt: number;
  /** Derived once from this entry (and, for a personal token, `principalOwner`) by the token decision, then shared read-only. */
  principal?: TokenPrincipal;
  principalOwner?: MemberEntry;
}

/** The stored facts of a session, as the credential store reads them. */
export interface StoredSession {
  id: string;
  userId: string;
  name: string;
  email: string;
  expiresAt: number;
  /** The organizations the user is a member of. */
  orgIds: string[];
}

export interface SessionEntry extends StoredSession {
  loadedAt: number;
}

export interface MemberEntry {
  access: MemberAccess;
  layer: Layer;
  loadedAt: number;
}

export function tokenEntry(t: StoredToken, now: number): TokenEntry {
  const followsOwner = t.type === 'Personal' && t.permissions.length === 0;
  return {
    id: t.id,
    orgId: t.orgId,
    orgKey: t.orgKey,
    name: t.name,
    type: t.type,
    status: t.status,
    expiresAt: t.expiresAt,
    // A pre-reset secret with no grace left is refused like an unknown one.
    graceUntil: t.current ? null : (t.prevDigestUntil ?? 0),
    ownerMemberId: t.ownerMemberId,
    ownerKey: t.ownerMemberId ? memberKey(t.ownerMemberId) : null,
    tokenLayer: followsOwner ? null : layer(t.permissions),
    createdAt: t.createdAt,
    followsOwner,
    policy: t.policy === null ? null : compileTokenPolicy(t.policy),
    // Stored ranges were validated when written; one that no longer parses matches no address (fails closed).
    allowedCidrs: t.allowedCidrs === null ? null : (CidrSet.from(t.allowedCidrs) ?? new CidrSet([])),
    loadedAt: now,
  };
}

export const memberEntry = (access: MemberAccess, now: number): MemberEntry => ({ access, layer: layer(access.statements, access.memberId), loadedAt: now });

/** Member cache keys: by member id (a personal token's owner), or by organization and user (a session's member). */
export const memberKey = (memberId: string) => `m:${memberId}`;
export const sessionMemberKey = (orgId: string, userId: string) => `u:${orgId}:${userId}`;

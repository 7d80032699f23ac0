// Who is calling, and what they may do. Decisions go through `permits`; hand-outs through `coversAll`.
import { compilePolicy, decide, type CompiledPolicy } from '../policy/evaluate.ts';
import { covers } from '../policy/covers.ts';
import { formatRn, type Rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';
import { Forbidden, PermissionRefused } from '../platform/errors.ts';

export interface Layer {
  statements: Statement[];
  compiled: CompiledPolicy;
  /** Set when these are a member's own current statements (a session's, or a personal token owner's layer). */
  memberId?: string;
}

/** An effective permission: a request is allowed only if every layer allows it (a personal token = token ∩ owner). */
export interface Permission {
  layers: Layer[];
}

export const layer = (statements: Statement[], memberId?: string): Layer => ({ statements, compiled: compilePolicy(statements), ...(memberId ? { memberId } : {}) });

export const permits = (p: Permission, action: string, target: Rn): boolean => p.layers.length > 0 && p.layers.every((l) => decide(l.compiled, action, target));

/** Exact for an intersection: T ⊆ A∩B ⇔ T ⊆ A ∧ T ⊆ B. */
export const coversAll = (p: Permission, requested: Statement[]): boolean => p.layers.length > 0 && p.layers.every((l) => covers(l.statements, requested));

export interface OrgRef {
  id: string;
  key: string;
}

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  sessionId: string;
  name: string;
  email: string;
}

export interface MemberPrincipal {
  kind: 'member';
  userId: string;
  sessionId: string;
  name: string;
  email: string;
  org: OrgRef;
  memberId: string;
  permission: Permission;
  statements: Statement[];
}

export interface TokenPrincipal {
  kind: 'token';
  tokenType: 'Personal' | 'Service';
  tokenId: string;
  tokenName: string;
  org: OrgRef;
  /** The owner, for a personal token; null for a service token. */
  memberId: string | null;
  userId: string | null;
  name: string | null;
  email: string | null;
  permission: Permission;
  /** The ranges this token may be used from (canonical CIDRs); null or absent: anywhere. */
  allowedCidrs?: readonly string[] | null;
  /** When this credential stops working (its expiry, or the end of a pre-reset secret's grace); absent or null: never. */
  expiresAt?: number | null;
}

export type Principal = UserPrincipal | MemberPrincipal | TokenPrincipal;
export type OrgPrincipal = MemberPrincipal | TokenPrincipal;

/**
 * The caller is this member acting with all of their own rights: their session, or a personal token of theirs that
 * follows them in full. A narrowed token is bounded by its own statements everywhere, "self" included.
 */
export const isSelf = (p: OrgPrincipal, memberId: string): boolean => p.memberId === memberId && p.permission.layers.length > 0 && p.permission.layers.every((l) => l.memberId === memberId);

/**
 * A token bound to address ranges never hands out a credential that cannot be bound (an invitation code, and the
 * session it becomes): that would work from anywhere. 403 PermissionsExceedCaller. Tokens it mints are checked
 * against its ranges instead (`cidrsWithin`).
 */
export function requireNotNetworkBound(p: OrgPrincipal): void {
  if (p.kind === 'token' && p.allowedCidrs) throw new Forbidden('PermissionsExceedCaller');
}

export function requirePermission(p: OrgPrincipal, action: string, target: Rn): void {
  if (!permits(p.permission, action, target)) throw new PermissionRefused(action, formatRn(target));
}

/** What an audit entry records about who acted. */
export interface Actor {
  kind: 'member' | 'token' | 'system';
  memberId: string | null;
  name: string | null;
  tokenId: string | null;
  tokenName: string | null;
}

export function actorOf(p: OrgPrincipal): Actor {
  if (p.kind === 'member') return { kind: 'member', memberId: p.memberId, name: p.name, tokenId: null, tokenName: null };
  return { kind: 'token', memberId: p.memberId, name: p.name, tokenId: p.tokenId, tokenName: p.tokenName };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every request inside the secured context (app.ts). */
    principal: Principal | null;
  }
}

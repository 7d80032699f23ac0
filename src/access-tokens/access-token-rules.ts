// Who may do what to which token (01-access-tokens.md, "Who may manage which token"), as pure decisions.
import { permits, type OrgPrincipal } from '../auth/principal.ts';
import { covers } from '../policy/covers.ts';
import { cidrsWithin } from '../auth/cidr.ts';
import { rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';
import type { TokenRow } from './access-token-store.ts';

export type TokenOperation = 'rename' | 'activate' | 'deactivate' | 'reset' | 'remove';

export interface TokenFacts {
  id: string;
  type: 'Personal' | 'Service';
  /** The member who created it: for a personal token, its owner. */
  ownerMemberId: string | null;
  /** The token whose request created it, if one did. */
  creatorTokenId: string | null;
  /** Its own statements: frozen for a service token; for a personal token, empty means "all my owner can do". */
  permissions: readonly Statement[];
  /** The ranges it may be used from; null or absent: anywhere. */
  allowedCidrs?: readonly string[] | null;
}

/** What the management rules need to know of a stored token. */
export const tokenFacts = (t: Pick<TokenRow, 'id' | 'type' | 'creator_member_id' | 'creator_token_id' | 'permissions' | 'allowed_cidrs'>): TokenFacts => ({
  id: t.id,
  type: t.type,
  ownerMemberId: t.creator_member_id,
  creatorTokenId: t.creator_token_id,
  permissions: JSON.parse(t.permissions) as Statement[],
  allowedCidrs: t.allowed_cidrs === null ? null : (JSON.parse(t.allowed_cidrs) as string[]),
});

/** Another member's personal token may only be deactivated or removed, and only by an IAM manager. */
const ADMIN_OPERATIONS: ReadonlySet<TokenOperation> = new Set(['deactivate', 'remove']);

/** Operations that reveal a secret or re-enable a credential: the caller must hold all the token can do. */
const CREDENTIAL_OPERATIONS: ReadonlySet<TokenOperation> = new Set(['activate', 'reset']);

function mayTouch(p: OrgPrincipal, token: TokenFacts, op: TokenOperation): boolean {
  const target = rn.accessToken(token.id);
  if (token.type === 'Service') return permits(p.permission, 'ManageServiceAccessTokens', target);
  if (!permits(p.permission, 'ManagePersonalAccessTokens', target)) return false;
  if (isOwn(p, token)) return true;
  return ADMIN_OPERATIONS.has(op) && permits(p.permission, 'CanManageIAM', rn.iam(p.org.key));
}

const isOwn = (p: OrgPrincipal, token: TokenFacts): boolean => p.memberId !== null && p.memberId === token.ownerMemberId;

/** The member, or the very token, whose request created it (the source document: only they ever see its secret). */
export const isCreator = (p: OrgPrincipal, token: TokenFacts): boolean => isOwn(p, token) || (p.kind === 'token' && p.tokenId === token.creatorTokenId);

/**
 * Whether the caller holds at least what the token can do now (its effective statements), layer by layer:
 * - a service token can do its frozen statements;
 * - a personal token can do its own statements ∩ its owner's current ones (the owner's alone when it has none).
 * A caller's layer that is the token owner's own current statements holds it by definition. Any other layer must
 * cover one of the sets the token is bounded by; covering one set covers their intersection. That is conservative
 * (an intersection covered only as a whole is refused), never unsound.
 *
 * Only a token's owner (or the owner's tokens) may activate or reset a personal token, so the owner's current
 * statements are the caller's own layer and no database read is needed; a caller that is not the owner (an
 * organization's token policy brought back someone's token) passes the owner's current statements.
 *
 * A network-bound caller (a token with allowedCidrs) holds only tokens bound inside its own ranges.
 */
export function holdsAtLeast(p: OrgPrincipal, token: TokenFacts, ownerStatements?: Statement[]): boolean {
  if (!cidrsWithin(token.allowedCidrs ?? null, (p.kind === 'token' && p.allowedCidrs) || null)) return false;
  const layers = p.permission.layers;
  if (layers.length === 0) return false;
  if (token.type === 'Service') return layers.every((l) => covers(l.statements, token.permissions as Statement[]));
  const owner = layers.find((l) => l.memberId !== undefined && l.memberId === token.ownerMemberId);
  const ownerNow = owner?.statements ?? ownerStatements;
  // Not the owner's, and not told: nothing here says what the owner holds now, so nothing can be shown to be covered.
  if (!ownerNow) return false;
  const bounds = token.permissions.length === 0 ? [ownerNow] : [token.permissions as Statement[], ownerNow];
  // The owner's own layer holds the token by definition; every other layer must cover one of its bounds.
  return layers.every((l) => l === owner || bounds.some((b) => covers(l.statements, b)));
}

export type TokenRefusal = 'Forbidden' | 'PermissionsExceedCaller';

/**
 * The one decision every token-management route calls: null when the caller may perform `op` on the token,
 * else why not. Reset and activate reveal a secret or re-enable a credential, so they also need the caller to hold
 * all the token can do; reset is, in addition, only for its creator.
 */
export function tokenRefusal(p: OrgPrincipal, token: TokenFacts, op: TokenOperation): TokenRefusal | null {
  if (!mayTouch(p, token, op)) return 'Forbidden';
  if (op === 'reset' && !isCreator(p, token)) return 'Forbidden';
  if (CREDENTIAL_OPERATIONS.has(op) && !holdsAtLeast(p, token)) return 'PermissionsExceedCaller';
  return null;
}

export const mayManage = (p: OrgPrincipal, token: TokenFacts, op: TokenOperation): boolean => tokenRefusal(p, token, op) === null;

export const mayList = (p: OrgPrincipal, tokenId = '*'): boolean => permits(p.permission, 'ListAccessTokens', rn.accessToken(tokenId));

/** The operations a caller may perform on a token: the UI shows only these. */
export const allowedOperations = (p: OrgPrincipal, token: TokenFacts): TokenOperation[] => (['rename', 'activate', 'deactivate', 'reset', 'remove'] as const).filter((op) => mayManage(p, token, op));

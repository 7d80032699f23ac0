// Who may do what to which token (01-access-tokens.md, "Who may manage which token"), as pure decisions.
import { permits, type OrgPrincipal } from '../auth/principal.ts';
import { rn } from '../iam/rn.ts';

export type TokenOperation = 'rename' | 'activate' | 'deactivate' | 'reset' | 'remove';

export interface TokenFacts {
  id: string;
  type: 'Personal' | 'Service';
  ownerMemberId: string | null;
}

/** Another member's personal token may only be deactivated or removed, and only by an IAM manager. */
const ADMIN_OPERATIONS: ReadonlySet<TokenOperation> = new Set(['deactivate', 'remove']);

export function mayManage(p: OrgPrincipal, token: TokenFacts, op: TokenOperation): boolean {
  const target = rn.accessToken(token.id);
  if (token.type === 'Service') return permits(p.permission, 'ManageServiceAccessTokens', target);
  if (!permits(p.permission, 'ManagePersonalAccessTokens', target)) return false;
  const own = p.memberId !== null && p.memberId === token.ownerMemberId;
  if (own) return true;
  return ADMIN_OPERATIONS.has(op) && permits(p.permission, 'CanManageIAM', rn.iam(p.org.key));
}

export const mayList = (p: OrgPrincipal, tokenId = '*'): boolean => permits(p.permission, 'ListAccessTokens', rn.accessToken(tokenId));

/** The operations a caller may perform on a token: the UI shows only these. */
export const allowedOperations = (p: OrgPrincipal, token: TokenFacts): TokenOperation[] =>
  (['rename', 'activate', 'deactivate', 'reset', 'remove'] as const).filter((op) => mayManage(p, token, op));

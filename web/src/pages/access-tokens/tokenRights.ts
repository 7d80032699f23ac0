import type { AccessTokenView } from '../../api/types.ts';
import type { ReadySession } from '../../session.tsx';

export interface TokenRights {
  rename: boolean;
  activate: boolean;
  deactivate: boolean;
  reset: boolean;
  remove: boolean;
}

/** Whether the signed-in member created this token: only for wording, never for deciding what they may do. */
export function isOwnToken(t: AccessTokenView, s: Pick<ReadySession, 'memberId' | 'profile'>): boolean {
  return t.creator?.id === s.memberId || t.creator?.id === s.profile.id;
}

// Which actions to offer: the server decides what the caller may do (allowedOperations, from the rules that
// also guard the routes); the token's state decides which of those make sense now.
export function tokenRights(t: AccessTokenView): TokenRights {
  const may = new Set(t.allowedOperations ?? []);
  return {
    rename: may.has('rename'),
    activate: may.has('activate') && t.status !== 'Active' && t.inactiveReason !== 'OwnerRemoved',
    deactivate: may.has('deactivate') && t.status === 'Active',
    reset: may.has('reset'),
    remove: may.has('remove'),
  };
}

export const hasAnyRight = (r: TokenRights) => r.rename || r.activate || r.deactivate || r.reset || r.remove;

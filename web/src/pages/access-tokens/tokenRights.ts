import type { AccessTokenView } from '../../api/types.ts';
import type { ReadySession } from '../../session.tsx';

export interface TokenRights {
  rename: boolean;
  activate: boolean;
  deactivate: boolean;
  reset: boolean;
  remove: boolean;
}

export function isOwnToken(t: AccessTokenView, s: Pick<ReadySession, 'memberId' | 'profile'>): boolean {
  return t.creator?.id === s.memberId || t.creator?.id === s.profile.id;
}

// Who may manage which token (01-access-tokens.md). The server enforces it;
// this only decides which menu items to offer.
export function tokenRights(t: AccessTokenView, s: ReadySession): TokenRights {
  const orphan = t.inactiveReason === 'OwnerRemoved';
  // The server says which operations the caller has rights to; the state decides which make sense now.
  if (t.allowedOperations) {
    const may = new Set(t.allowedOperations);
    return {
      rename: may.has('rename'),
      activate: may.has('activate') && t.status !== 'Active' && !orphan,
      deactivate: may.has('deactivate') && t.status === 'Active',
      reset: may.has('reset'),
      remove: may.has('remove'),
    };
  }
  return localRights(t, s);
}

function localRights(t: AccessTokenView, s: ReadySession): TokenRights {
  const none = { rename: false, activate: false, deactivate: false, reset: false, remove: false };
  const orphaned = t.inactiveReason === 'OwnerRemoved';
  if (t.type === 'Service') {
    if (!s.canManageServiceTokens) return none;
    return { rename: true, activate: t.status !== 'Active', deactivate: t.status === 'Active', reset: true, remove: true };
  }
  if (!s.canManagePersonalTokens) return none;
  if (isOwnToken(t, s)) {
    return { rename: true, activate: t.status !== 'Active' && !orphaned, deactivate: t.status === 'Active', reset: true, remove: true };
  }
  // Another member's personal token: administrators may only stop it.
  if (s.canManageIam) return { ...none, deactivate: t.status === 'Active', remove: true };
  return none;
}

export const hasAnyRight = (r: TokenRights) => r.rename || r.activate || r.deactivate || r.reset || r.remove;

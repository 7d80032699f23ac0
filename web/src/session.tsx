import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, get, onUnauthorized, post, storedOrganizationId, storeOrganizationId } from './api/client.ts';
import type { Permissions, Profile, Statement } from './api/types.ts';
import { can as canWith, ORG_WIDE, type Rn } from './permissions.ts';

type Phase =
  | { kind: 'loading' }
  | { kind: 'setup' }
  | { kind: 'signedOut' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; profile: Profile; organizationId: string; permissions: Permissions };

export interface SessionApi {
  phase: Phase;
  reload: () => Promise<void>;
  signOut: () => Promise<void>;
  switchOrganization: (id: string) => Promise<void>;
}

export interface ReadySession {
  profile: Profile;
  organizationId: string;
  memberId: string;
  statements: Statement[];
  can: (action: string, resource: Rn) => boolean;
  canManageIam: boolean;
  canListTokens: boolean;
  canManagePersonalTokens: boolean;
  canManageServiceTokens: boolean;
  refreshPermissions: () => Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const load = useCallback(async () => {
    try {
      const setup = await api<{ needsSetup: boolean }>('GET', '/setup', { quietUnauthorized: true });
      if (setup.needsSetup) {
        setPhase({ kind: 'setup' });
        return;
      }
      let profile: Profile;
      try {
        profile = await api<Profile>('GET', '/user/profile', { quietUnauthorized: true, withoutOrganization: true });
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          setPhase({ kind: 'signedOut' });
          return;
        }
        throw e;
      }
      const orgs = profile.organizations ?? [];
      const stored = storedOrganizationId();
      const organizationId = orgs.find((o) => o.id === stored)?.id ?? orgs[0]?.id;
      if (!organizationId) {
        setPhase({ kind: 'error', message: 'Your account is not a member of any organization.' });
        return;
      }
      storeOrganizationId(organizationId);
      const permissions = await get<Permissions>('/user/permissions');
      setPhase({ kind: 'ready', profile, organizationId, permissions });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setPhase({ kind: 'signedOut' });
      else setPhase({ kind: 'error', message: (e as Error).message });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => onUnauthorized(() => setPhase((p) => (p.kind === 'ready' ? { kind: 'signedOut' } : p))), []);

  const signOut = useCallback(async () => {
    try {
      await post('/identity/logout');
    } catch {
      // Already signed out on the server: nothing left to end.
    }
    setPhase({ kind: 'signedOut' });
  }, []);

  const switchOrganization = useCallback(
    async (id: string) => {
      storeOrganizationId(id);
      setPhase({ kind: 'loading' });
      await load();
    },
    [load],
  );

  const value = useMemo(() => ({ phase, reload: load, signOut, switchOrganization }), [phase, load, signOut, switchOrganization]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionApi(): SessionApi {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSessionApi outside <SessionProvider>');
  return s;
}

// For pages rendered only once signed in.
export function useSession(): ReadySession {
  const { phase, reload } = useSessionApi();
  if (phase.kind !== 'ready') throw new Error('useSession before sign-in');
  const { profile, organizationId, permissions } = phase;
  return useMemo(() => {
    const statements = permissions.statements ?? [];
    const can = (action: string, resource: Rn) => canWith(statements, action, resource);
    return {
      profile,
      organizationId,
      memberId: permissions.memberId,
      statements,
      can,
      canManageIam: can('CanManageIAM', ORG_WIDE.iam),
      canListTokens: can('ListAccessTokens', ORG_WIDE.accessTokens),
      canManagePersonalTokens: can('ManagePersonalAccessTokens', ORG_WIDE.accessTokens),
      canManageServiceTokens: can('ManageServiceAccessTokens', ORG_WIDE.accessTokens),
      refreshPermissions: reload,
    };
  }, [profile, organizationId, permissions, reload]);
}

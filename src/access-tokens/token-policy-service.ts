// An organization's token policy: read it, change it. A tightened policy refuses the tokens that break it on their
// next request (every instance hears the change); a loosened one brings back the tokens it stops refusing.
import { loadMemberAccess } from '../auth/member-access.ts';
import { actorOf, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { holdsAtLeast, tokenFacts } from './access-token-rules.ts';
import { compileTokenPolicy, tokenPolicyRefusal, type TokenPolicy } from '../auth/token-policy.ts';
import { formatRn, rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';
import type { AppContext } from '../platform/context.ts';
import { Forbidden, NotFound } from '../platform/errors.ts';
import { findTokenPolicy, saveTokenPolicy, usableTokens } from './token-policy-store.ts';

type UsableToken = Awaited<ReturnType<typeof usableTokens>>[number];

const facts = (t: UsableToken) => ({
  createdAt: t.created_at,
  expiresAt: t.expires_at,
  followsOwner: t.type === 'Personal' && (JSON.parse(t.permissions) as unknown[]).length === 0,
});

export function createTokenPolicyService(ctx: AppContext) {
  const { kysely, clock } = ctx;

  function sameOrg(p: OrgPrincipal, orgId: string): void {
    // Another organization's policy does not exist for this caller.
    if (orgId !== p.org.id) throw new NotFound();
  }

  /**
   * Covering for a policy change. A policy only takes away, so tightening needs nothing more than CanManageIAM.
   * Loosening brings back every token the old policy refused and the new one does not: that re-enables
   * credentials, so, as for activating one token, the caller must hold all each of them can do now.
   */
  async function mayBringBack(p: OrgPrincipal, before: TokenPolicy, after: TokenPolicy, now: number): Promise<boolean> {
    const old = compileTokenPolicy(before);
    const next = compileTokenPolicy(after);
    if (old === null) return true;
    const back = (await usableTokens(kysely, p.org.id, now)).filter((t) => tokenPolicyRefusal(facts(t), old) !== null && tokenPolicyRefusal(facts(t), next) === null);
    const owners = new Map<string, Statement[] | null>();
    for (const t of back) {
      let ownerStatements: Statement[] | undefined;
      if (t.type === 'Personal') {
        const ownerId = t.creator_member_id;
        if (!ownerId) continue;
        if (!owners.has(ownerId)) owners.set(ownerId, (await loadMemberAccess(kysely, { memberId: ownerId }))?.statements ?? null);
        const s = owners.get(ownerId);
        // No longer a member: the token stays refused whatever the policy says.
        if (!s) continue;
        ownerStatements = s;
      }
      if (!holdsAtLeast(p, tokenFacts(t), ownerStatements)) return false;
    }
    return true;
  }

  return {
    async get(p: OrgPrincipal, orgId: string): Promise<TokenPolicy> {
      sameOrg(p, orgId);
      return findTokenPolicy(kysely, orgId);
    },

    async put(p: OrgPrincipal, orgId: string, policy: TokenPolicy): Promise<TokenPolicy> {
      sameOrg(p, orgId);
      requirePermission(p, 'CanManageIAM', rn.iam(p.org.key));
      const now = clock.now();
      const before = await findTokenPolicy(kysely, orgId);
      if (!(await mayBringBack(p, before, policy, now))) throw new Forbidden('PermissionsExceedCaller');
      await kysely.transaction().execute(async (trx) => {
        await saveTokenPolicy(trx, orgId, policy, now);
        await ctx.audit.record(trx, {
          orgId,
          actor: actorOf(p),
          action: 'UpdateTokenPolicy',
          refType: 'organization',
          refId: orgId,
          refKey: p.org.key,
          rn: formatRn(rn.iam(p.org.key)),
          before: { ...before },
          after: { ...policy },
        });
      });
      // The org's cached tokens carry the policy they were loaded with: drop them here and on every instance.
      await ctx.invalidate({ kind: 'org', orgId });
      return policy;
    },
  };
}

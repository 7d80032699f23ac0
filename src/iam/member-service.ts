// Members: list, read, remove, attach and detach policies, and what they hold. Inviting is invitation-service.ts.
import { deactivateOwnedTokens } from '../access-tokens/access-token-service.ts';
import { actorOf, isSelf, type OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { NotFound } from '../platform/errors.ts';
import { memberGroupIds, groupPage, groupPolicies } from './group-store.ts';
import { assertOwnerRemains, changeLink, managedRow, recordIamChange, requireCovers, requireIamManager } from './iam-rules.ts';
import { mapPage, type PageRequest, type RelationFilter } from './iam-store.ts';
import { deleteMemberInvitations } from './invitation-store.ts';
import { inviteMember, type InviteInput } from './invitation-service.ts';
import { addMemberPolicy, deleteMember, findMember, hasMemberPolicy, listMembers, memberGroups, memberPolicies, memberStatements, removeMemberPolicy, type MemberRow } from './member-store.ts';
import { memberPolicyView, memberViews, type MemberPolicyView, type MemberView } from './member-view.ts';
import { findPolicy, inheritedPolicyPage, memberPolicyIds, policyPage } from './policy-store.ts';

export type MemberServiceDeps = Pick<AppContext, 'kysely' | 'clock' | 'ids' | 'digester' | 'audit' | 'invalidate'>;

/** Reading one's own member record needs no IAM right. */
function requireIamOrSelf(p: OrgPrincipal, memberId: string) {
  // A narrowed token of one's own is not oneself (isSelf): it is bounded by its own statements everywhere.
  if (!isSelf(p, memberId)) requireIamManager(p);
}

export function createMemberService(deps: MemberServiceDeps) {
  const { kysely, clock } = deps;

  async function views(rows: MemberRow[]): Promise<MemberView[]> {
    const ids = rows.map((r) => r.id);
    const [policies, groups] = await Promise.all([memberPolicies(kysely, ids), memberGroups(kysely, ids)]);
    return memberViews(rows, policies, groups);
  }

  /** The member of the caller's organization, or 404; then: the caller manages IAM, or (when `self` allows it) is this member. */
  async function member(p: OrgPrincipal, memberId: string, self: boolean): Promise<MemberRow> {
    if (!self) return managedRow(p, findMember(kysely, p.org.id, memberId));
    const m = await findMember(kysely, p.org.id, memberId);
    if (!m) throw new NotFound();
    requireIamOrSelf(p, memberId);
    return m;
  }

  return {
    async list(p: OrgPrincipal, searchText: string | undefined, page: PageRequest) {
      requireIamManager(p);
      const found = await listMembers(kysely, p.org.id, searchText?.trim() || undefined, page);
      return { totalCount: found.totalCount, items: await views(found.items) };
    },

    get: async (p: OrgPrincipal, memberId: string): Promise<MemberView> => (await views([await member(p, memberId, true)]))[0],

    async invite(p: OrgPrincipal, input: InviteInput) {
      const { member: m, invitation } = await inviteMember(deps, p, input);
      return { member: (await views([m]))[0], invitation };
    },

    /** Removes a member (or withdraws an invitation): their personal tokens there become inactive, their sessions forget the organization. */
    async remove(p: OrgPrincipal, memberId: string): Promise<void> {
      const m = await member(p, memberId, false);
      // Only someone who covers everything the member holds (or will hold, once an invitation is redeemed) may remove them.
      requireCovers(p, await memberStatements(kysely, memberId));
      const now = clock.now();
      const tokenIds = await kysely.transaction().execute(async (trx) => {
        await deleteMemberInvitations(trx, p.org.id, memberId);
        await deleteMember(trx, memberId);
        await assertOwnerRemains(trx, p.org.id);
        const tokenIds = await deactivateOwnedTokens(trx, deps.audit, actorOf(p), p.org.id, memberId, now);
        await recordIamChange(
          deps.audit,
          trx,
          p,
          'RemoveMember',
          { id: memberId, key: m.email },
          { before: { email: m.email, name: m.name, status: m.status }, after: { deactivatedTokenIds: tokenIds } },
        );
        return tokenIds;
      });
      await deps.invalidate({ kind: 'org', orgId: p.org.id });
      if (m.userId) await deps.invalidate({ kind: 'session', userId: m.userId });
      for (const tokenId of tokenIds) await deps.invalidate({ kind: 'token', tokenId });
    },

    /** Attaches or detaches a policy (idempotent); either way the caller must cover the policy and the member. */
    async changePolicy(p: OrgPrincipal, memberId: string, policyId: string, op: 'add' | 'remove'): Promise<MemberView> {
      const [m, policy] = [await findMember(kysely, p.org.id, memberId), await findPolicy(kysely, p.org.id, policyId)];
      if (!m || !policy) throw new NotFound();
      requireIamManager(p);
      // Detaching needs the same cover as attaching: an Administrator cannot demote an Owner.
      requireCovers(p, policy.statements);
      await kysely.transaction().execute(async (trx) => {
        const link = { has: () => hasMemberPolicy(trx, memberId, policyId), add: () => addMemberPolicy(trx, p.org.id, memberId, policyId), remove: () => removeMemberPolicy(trx, memberId, policyId) };
        if (await changeLink(p, trx, [memberId], link, op === 'add')) {
          const [before, after] = op === 'add' ? [null, policy.key] : [policy.key, null];
          await recordIamChange(deps.audit, trx, p, op === 'add' ? 'AddMemberPolicy' : 'RemoveMemberPolicy', { id: memberId, key: m.email }, { before: { policy: before }, after: { policy: after } });
        }
      });
      await deps.invalidate({ kind: 'org', orgId: p.org.id });
      return (await views([m]))[0];
    },

    /** Direct policies, then those inherited through each group (a policy held twice is listed twice, with its source). */
    async policies(p: OrgPrincipal, memberId: string): Promise<MemberPolicyView[]> {
      await member(p, memberId, true);
      const direct = (await memberPolicies(kysely, [memberId])).map((x) => memberPolicyView(x, null));
      const groups = await memberGroups(kysely, [memberId]);
      const viaGroups = (
        await groupPolicies(
          kysely,
          groups.map((g) => g.id),
        )
      ).map((x) => memberPolicyView(x, groups.find((g) => g.id === x.groupId)!));
      return [...direct, ...viaGroups];
    },

    /** The member's groups (or every group, marked), as FeatBit's MemberGroupVm. Listing every group needs CanManageIAM. */
    async groups(p: OrgPrincipal, memberId: string, f: RelationFilter) {
      await member(p, memberId, !f.all);
      return mapPage(await groupPage(kysely, p.org.id, memberGroupIds(kysely, memberId), f), ({ linked, ...g }) => ({ ...g, memberId, isGroupMember: linked }));
    },

    /** The member's direct policies (or every policy, marked), as FeatBit's MemberPolicyVm. Listing every policy needs CanManageIAM. */
    async directPolicies(p: OrgPrincipal, memberId: string, f: RelationFilter) {
      await member(p, memberId, !f.all);
      return mapPage(await policyPage(kysely, p.org.id, memberPolicyIds(kysely, memberId), f), ({ linked, key: _key, ...x }) => ({ ...x, isMemberPolicy: linked }));
    },

    /** Policies inherited through groups, one per group, as FeatBit's InheritedMemberPolicy. */
    async inheritedPolicies(p: OrgPrincipal, memberId: string, f: PageRequest & { text?: string }) {
      await member(p, memberId, true);
      return mapPage(await inheritedPolicyPage(kysely, p.org.id, memberId, f), (x) => ({ ...x, createdAt: new Date(x.createdAt).toISOString() }));
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;

// Groups, as FeatBit answers them (GroupController): a member inherits every policy of their groups.
import type { OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, NotFound, isUniqueViolation } from '../platform/errors.ts';
import {
  addGroupMember,
  addGroupPolicy,
  deleteGroup,
  findGroup,
  groupMemberIds,
  groupStatements,
  hasGroupPolicy,
  insertGroup,
  isGroupMember,
  isGroupNameUsed,
  listGroups,
  removeGroupMember,
  removeGroupPolicy,
  updateGroup,
  type GroupRow,
} from './group-store.ts';
import { groupVm } from './group-view.ts';
import { assertOwnerRemains, changeLink, managedRow, recordIamChange, requireCovers, requireCoversMembers, requireIamManager } from './iam-rules.ts';
import { mapPage, type PageRequest, type Q, type RelationFilter } from './iam-store.ts';
import { findMember, groupMemberIdsQuery, memberPage } from './member-store.ts';
import { findPolicy, groupPolicyIds, policyPage } from './policy-store.ts';

export type GroupServiceDeps = Pick<AppContext, 'kysely' | 'clock' | 'ids' | 'audit' | 'invalidate'>;

export function createGroupService(deps: GroupServiceDeps) {
  const { kysely, clock, ids } = deps;

  const audit = (trx: Q, p: OrgPrincipal, action: string, g: { id: string; name: string }, before: Record<string, unknown> | null, after: Record<string, unknown> | null) =>
    recordIamChange(deps.audit, trx, p, action, { id: g.id, key: g.name }, { before, after });

  /** The group of the caller's organization, or 404; then the IAM check. */
  const group = (p: OrgPrincipal, groupId: string): Promise<GroupRow> => managedRow(p, findGroup(kysely, p.org.id, groupId));

  /** A name not blank and not taken by another group (any letter case): else 400 / 422 NameHasBeenUsed. */
  async function checkedName(orgId: string, raw: string, exceptId?: string): Promise<string> {
    const name = raw.trim();
    if (!name) throw new BadRequest('name_is_required');
    if (await isGroupNameUsed(kysely, orgId, name, exceptId)) throw new BusinessRule('NameHasBeenUsed');
    return name;
  }

  /** A concurrent save of the same name loses at the unique index: the same answer as the check. */
  async function saving(fn: () => Promise<void>) {
    try {
      await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw new BusinessRule('NameHasBeenUsed');
      throw err;
    }
  }

  return {
    async list(p: OrgPrincipal, name: string | undefined, page: PageRequest) {
      requireIamManager(p);
      return mapPage(await listGroups(kysely, p.org.id, name?.trim() || undefined, page), groupVm);
    },

    async isNameUsed(p: OrgPrincipal, name: string) {
      requireIamManager(p);
      return isGroupNameUsed(kysely, p.org.id, name.trim());
    },

    async create(p: OrgPrincipal, body: { name: string; description?: string | null }) {
      requireIamManager(p);
      const name = await checkedName(p.org.id, body.name);
      const now = clock.now();
      const g = { id: ids.next(), org_id: p.org.id, name, description: body.description ?? '', created_at: now, updated_at: now };
      await saving(() =>
        kysely.transaction().execute(async (trx) => {
          await insertGroup(trx, g);
          await audit(trx, p, 'CreateGroup', g, null, { name, description: g.description });
        }),
      );
      return groupVm(g);
    },

    get: async (p: OrgPrincipal, groupId: string) => groupVm(await group(p, groupId)),

    async update(p: OrgPrincipal, groupId: string, body: { name: string; description?: string | null }) {
      const g = await group(p, groupId);
      // FeatBit replaces both fields; a missing description keeps the old one (Ensign's UI sends both anyway).
      const next = { name: await checkedName(p.org.id, body.name, g.id), description: body.description ?? g.description, updated_at: clock.now() };
      await saving(() =>
        kysely.transaction().execute(async (trx) => {
          await updateGroup(trx, g.id, next);
          await audit(trx, p, 'UpdateGroup', g, { name: g.name, description: g.description }, { name: next.name, description: next.description });
        }),
      );
      return groupVm({ ...g, ...next });
    },

    async remove(p: OrgPrincipal, groupId: string): Promise<void> {
      const g = await group(p, groupId);
      requireCovers(p, await groupStatements(kysely, g.id));
      await kysely.transaction().execute(async (trx) => {
        const members = await groupMemberIds(trx, g.id);
        await requireCoversMembers(p, trx, members);
        await deleteGroup(trx, g.id);
        await assertOwnerRemains(trx, p.org.id);
        await requireCoversMembers(p, trx, members);
        await audit(trx, p, 'DeleteGroup', g, { name: g.name }, null);
      });
      await deps.invalidate({ kind: 'org', orgId: p.org.id });
    },

    async members(p: OrgPrincipal, groupId: string, f: RelationFilter) {
      const g = await group(p, groupId);
      return mapPage(await memberPage(kysely, p.org.id, groupMemberIdsQuery(kysely, g.id), f), ({ linked, ...m }) => ({ ...m, isGroupMember: linked }));
    },

    async policies(p: OrgPrincipal, groupId: string, f: RelationFilter) {
      const g = await group(p, groupId);
      return mapPage(await policyPage(kysely, p.org.id, groupPolicyIds(kysely, g.id), f), ({ linked, key: _key, ...x }) => ({ ...x, isGroupPolicy: linked }));
    },

    // Joining a group or giving it a policy hands out permissions, so both need the caller to cover them;
    // leaving and removal need it too, so nobody strips a permission they could not have granted.
    async changeMember(p: OrgPrincipal, groupId: string, memberId: string, op: 'add-member' | 'remove-member'): Promise<void> {
      const [g, m] = [await findGroup(kysely, p.org.id, groupId), await findMember(kysely, p.org.id, memberId)];
      if (!g || !m) throw new NotFound();
      requireIamManager(p);
      requireCovers(p, await groupStatements(kysely, groupId));
      await kysely.transaction().execute(async (trx) => {
        const link = { has: () => isGroupMember(trx, groupId, memberId), add: () => addGroupMember(trx, p.org.id, groupId, memberId), remove: () => removeGroupMember(trx, groupId, memberId) };
        if (await changeLink(p, trx, [memberId], link, op === 'add-member')) {
          await audit(trx, p, op === 'add-member' ? 'AddGroupMember' : 'RemoveGroupMember', g, null, { memberId, email: m.email });
        }
      });
      await deps.invalidate({ kind: 'org', orgId: p.org.id });
    },

    async changePolicy(p: OrgPrincipal, groupId: string, policyId: string, op: 'add-policy' | 'remove-policy'): Promise<void> {
      const [g, policy] = [await findGroup(kysely, p.org.id, groupId), await findPolicy(kysely, p.org.id, policyId)];
      if (!g || !policy) throw new NotFound();
      requireIamManager(p);
      requireCovers(p, policy.statements);
      await kysely.transaction().execute(async (trx) => {
        const link = { has: () => hasGroupPolicy(trx, groupId, policyId), add: () => addGroupPolicy(trx, p.org.id, groupId, policyId), remove: () => removeGroupPolicy(trx, groupId, policyId) };
        if (await changeLink(p, trx, await groupMemberIds(trx, groupId), link, op === 'add-policy')) {
          await audit(trx, p, op === 'add-policy' ? 'AddGroupPolicy' : 'RemoveGroupPolicy', g, null, { policy: policy.key });
        }
      });
      await deps.invalidate({ kind: 'org', orgId: p.org.id });
    },
  };
}

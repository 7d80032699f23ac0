// SQL for groups of one organization, their members and their policies. Every query is scoped by org_id.
import type { SelectQueryBuilder } from 'kysely';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';
import type { Database } from '../platform/tables.ts';
import type { Statement } from '../policy/statement.ts';
import { mapPage, pageOf, type Page, type PageRequest, type Q, type RelationFilter } from './iam-store.ts';

export type GroupRow = Database['groups'];

/** Group ids as a subquery, for relation listings of members and policies. */
export type GroupIds = SelectQueryBuilder<Database, keyof Database, { id: string }>;

export async function findGroup(db: Q, orgId: string, groupId: string): Promise<GroupRow | null> {
  const r = await db.selectFrom('groups').selectAll().where('org_id', '=', orgId).where('id', '=', groupId).executeTakeFirst();
  return r ?? null;
}

/** Whether another group of the organization has this name, in any letter case (as FeatBit checks). */
export async function isGroupNameUsed(db: Q, orgId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db
    .selectFrom('groups')
    .select('id')
    .where('org_id', '=', orgId)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function listGroups(db: Q, orgId: string, name: string | undefined, page: PageRequest): Promise<Page<GroupRow>> {
  let q = db.selectFrom('groups').where('org_id', '=', orgId);
  if (name) q = q.where(containsIgnoreCase('name', name));
  return pageOf(q, page, (q) => q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'));
}

export async function insertGroup(db: Q, row: GroupRow): Promise<void> {
  await db.insertInto('groups').values(row).execute();
}

export async function updateGroup(db: Q, groupId: string, set: Pick<GroupRow, 'name' | 'description' | 'updated_at'>): Promise<void> {
  await db.updateTable('groups').set(set).where('id', '=', groupId).execute();
}

/** The group with its memberships and policy attachments. */
export async function deleteGroup(db: Q, groupId: string): Promise<void> {
  await db.deleteFrom('group_members').where('group_id', '=', groupId).execute();
  await db.deleteFrom('group_policies').where('group_id', '=', groupId).execute();
  await db.deleteFrom('groups').where('id', '=', groupId).execute();
}

export async function groupMemberIds(db: Q, groupId: string): Promise<string[]> {
  return (await db.selectFrom('group_members').select('member_id').where('group_id', '=', groupId).execute()).map((r) => r.member_id);
}

/** Policies of these groups, oldest policy first. */
export async function groupPolicies(db: Q, groupIds: string[]) {
  if (groupIds.length === 0) return [];
  return db
    .selectFrom('group_policies')
    .innerJoin('policies', 'policies.id', 'group_policies.policy_id')
    .select(['group_policies.group_id as groupId', 'policies.id', 'policies.key', 'policies.name', 'policies.type', 'policies.description', 'policies.statements', 'policies.updated_at as updatedAt'])
    .where('group_policies.group_id', 'in', groupIds)
    .orderBy('policies.created_at')
    .execute();
}

/** Everything the group's policies hold. */
export async function groupStatements(db: Q, groupId: string): Promise<Statement[]> {
  return (await groupPolicies(db, [groupId])).flatMap((x) => JSON.parse(x.statements) as Statement[]);
}

export async function isGroupMember(db: Q, groupId: string, memberId: string): Promise<boolean> {
  return (await db.selectFrom('group_members').select('member_id').where('group_id', '=', groupId).where('member_id', '=', memberId).executeTakeFirst()) !== undefined;
}

export async function addGroupMember(db: Q, orgId: string, groupId: string, memberId: string): Promise<void> {
  await db.insertInto('group_members').values({ group_id: groupId, member_id: memberId, org_id: orgId }).execute();
}

export async function removeGroupMember(db: Q, groupId: string, memberId: string): Promise<void> {
  await db.deleteFrom('group_members').where('group_id', '=', groupId).where('member_id', '=', memberId).execute();
}

export async function hasGroupPolicy(db: Q, groupId: string, policyId: string): Promise<boolean> {
  return (await db.selectFrom('group_policies').select('policy_id').where('group_id', '=', groupId).where('policy_id', '=', policyId).executeTakeFirst()) !== undefined;
}

export async function addGroupPolicy(db: Q, orgId: string, groupId: string, policyId: string): Promise<void> {
  await db.insertInto('group_policies').values({ group_id: groupId, policy_id: policyId, org_id: orgId }).execute();
}

export async function removeGroupPolicy(db: Q, groupId: string, policyId: string): Promise<void> {
  await db.deleteFrom('group_policies').where('group_id', '=', groupId).where('policy_id', '=', policyId).execute();
}

/** Ids of the groups a member belongs to. */
export const memberGroupIds = (db: Q, memberId: string): GroupIds => db.selectFrom('group_members').select('group_id as id').where('member_id', '=', memberId);

/** Ids of the groups holding a policy. */
export const policyGroupIds = (db: Q, policyId: string): GroupIds => db.selectFrom('group_policies').select('group_id as id').where('policy_id', '=', policyId);

/**
 * Groups related to something (or every group, `linked` marking the related ones), newest first; `text` matches the
 * name. The one listing behind a member's groups and a policy's groups.
 */
export async function groupPage(db: Q, orgId: string, related: GroupIds, f: RelationFilter) {
  let q = db.selectFrom('groups').where('groups.org_id', '=', orgId);
  if (!f.all) q = q.where('groups.id', 'in', related);
  if (f.text) q = q.where(containsIgnoreCase('groups.name', f.text));
  const page = await pageOf(q, f, (q) =>
    q
      .select((eb) => ['groups.id', 'groups.name', 'groups.description', eb('groups.id', 'in', related).as('linked')])
      .orderBy('groups.created_at', 'desc')
      .orderBy('groups.id', 'desc'),
  );
  return mapPage(page, (r) => ({ id: r.id, name: r.name, description: r.description, linked: Boolean(r.linked) }));
}

// SQL for members of one organization and their direct policies and groups. Every query is scoped by org_id.
import type { SelectQueryBuilder } from 'kysely';
import { loadMemberPolicies } from '../auth/member-access.ts';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';
import type { Database } from '../platform/tables.ts';
import type { Statement } from '../policy/statement.ts';
import { mapPage, pageOf, type Page, type PageRequest, type Q, type RelationFilter } from './iam-store.ts';

export interface MemberRow {
  id: string;
  /** null while the member is Invited. */
  userId: string | null;
  status: 'Active' | 'Invited';
  name: string;
  email: string;
  invitorId: string | null;
  createdAt: number;
}

/** Member ids as a subquery, for relation listings of groups and policies. */
export type MemberIds = SelectQueryBuilder<Database, keyof Database, { id: string }>;

/** Members with the account's name and email once bound; before that, what the inviter typed. */
function memberRows(db: Q, orgId: string) {
  return db
    .selectFrom('members')
    .leftJoin('users', 'users.id', 'members.user_id')
    .select((eb) => [
      'members.id',
      'members.user_id as userId',
      'members.status',
      eb.fn.coalesce('users.name', 'members.name').as('name'),
      eb.fn.coalesce('users.email', 'members.email').as('email'),
      'members.invitor_member_id as invitorId',
      'members.created_at as createdAt',
    ])
    .where('members.org_id', '=', orgId);
}

export async function findMember(db: Q, orgId: string, memberId: string): Promise<MemberRow | null> {
  const r = await memberRows(db, orgId).where('members.id', '=', memberId).executeTakeFirst();
  return r ?? null;
}

/** Members by name, Invited ones included; `text` matches part of the name or email (the account's once bound). */
export async function listMembers(db: Q, orgId: string, text: string | undefined, page: PageRequest): Promise<Page<MemberRow>> {
  let q = memberRows(db, orgId);
  if (text) {
    q = q.where((eb) =>
      eb.or([
        containsIgnoreCase('users.name', text),
        containsIgnoreCase('users.email', text),
        eb.and([eb('members.user_id', 'is', null), eb.or([containsIgnoreCase('members.name', text), containsIgnoreCase('members.email', text)])]),
      ]),
    );
  }
  return pageOf(q, page, (q) => q.orderBy('name').orderBy('members.id'));
}

/** Binds an Invited member to an account; false if it is no longer Invited. */
export async function activateMember(db: Q, memberId: string, user: { id: string; name: string; email: string }): Promise<boolean> {
  const res = await db
    .updateTable('members')
    .set({ status: 'Active', user_id: user.id, name: user.name, email: user.email })
    .where('id', '=', memberId)
    .where('status', '=', 'Invited')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** An Invited member and its links (an Active one is removed with deleteMember, after its owner-count check). */
export async function deleteInvitedMember(db: Q, orgId: string, memberId: string): Promise<void> {
  await db.deleteFrom('member_policies').where('org_id', '=', orgId).where('member_id', '=', memberId).execute();
  await db.deleteFrom('group_members').where('org_id', '=', orgId).where('member_id', '=', memberId).execute();
  await db.deleteFrom('members').where('org_id', '=', orgId).where('id', '=', memberId).where('status', '=', 'Invited').execute();
}

/** Whether the organization has a member (or an invitation) for this email. */
export async function isEmailMember(db: Q, orgId: string, email: string): Promise<boolean> {
  return (await db.selectFrom('members').select('id').where('org_id', '=', orgId).where('email', '=', email).executeTakeFirst()) !== undefined;
}

export async function insertMember(db: Q, row: Database['members'], policyIds: string[], groupIds: string[]): Promise<void> {
  await db.insertInto('members').values(row).execute();
  for (const policyId of policyIds) await db.insertInto('member_policies').values({ member_id: row.id, policy_id: policyId, org_id: row.org_id }).execute();
  for (const groupId of groupIds) await db.insertInto('group_members').values({ group_id: groupId, member_id: row.id, org_id: row.org_id }).execute();
}

/** The member and their links to policies and groups (their invitation and tokens are their features' to end). */
export async function deleteMember(db: Q, memberId: string): Promise<void> {
  await db.deleteFrom('member_policies').where('member_id', '=', memberId).execute();
  await db.deleteFrom('group_members').where('member_id', '=', memberId).execute();
  await db.deleteFrom('members').where('id', '=', memberId).execute();
}

/**
 * What a member holds (direct policies ∪ their groups' policies), whatever their status: the rules about who may
 * change or remove a member apply to an Invited one too, who will hold all of it once the code is redeemed.
 */
export async function memberStatements(db: Q, memberId: string): Promise<Statement[]> {
  // The same rows authentication reads (auth/member-access.ts), so the rules here judge what the member really holds.
  return (await loadMemberPolicies(db, memberId)).flatMap((x) => x.statements);
}

/** Direct policies of these members, oldest policy first. */
export async function memberPolicies(db: Q, memberIds: string[]) {
  if (memberIds.length === 0) return [];
  return db
    .selectFrom('member_policies')
    .innerJoin('policies', 'policies.id', 'member_policies.policy_id')
    .select([
      'member_policies.member_id as memberId',
      'policies.id',
      'policies.key',
      'policies.name',
      'policies.type',
      'policies.description',
      'policies.statements',
      'policies.updated_at as updatedAt',
    ])
    .where('member_policies.member_id', 'in', memberIds)
    .orderBy('policies.created_at')
    .execute();
}

/** Groups of these members, by name. */
export async function memberGroups(db: Q, memberIds: string[]) {
  if (memberIds.length === 0) return [];
  return db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.id', 'group_members.group_id')
    .select(['group_members.member_id as memberId', 'groups.id', 'groups.name', 'groups.description'])
    .where('group_members.member_id', 'in', memberIds)
    .orderBy('groups.name')
    .execute();
}

export async function hasMemberPolicy(db: Q, memberId: string, policyId: string): Promise<boolean> {
  return (await db.selectFrom('member_policies').select('member_id').where('member_id', '=', memberId).where('policy_id', '=', policyId).executeTakeFirst()) !== undefined;
}

export async function addMemberPolicy(db: Q, orgId: string, memberId: string, policyId: string): Promise<void> {
  await db.insertInto('member_policies').values({ member_id: memberId, policy_id: policyId, org_id: orgId }).execute();
}

export async function removeMemberPolicy(db: Q, memberId: string, policyId: string): Promise<void> {
  await db.deleteFrom('member_policies').where('member_id', '=', memberId).where('policy_id', '=', policyId).execute();
}

/** Ids of the members holding a policy directly. */
export const policyMemberIds = (db: Q, policyId: string): MemberIds => db.selectFrom('member_policies').select('member_id as id').where('policy_id', '=', policyId);

/** Ids of a group's members. */
export const groupMemberIdsQuery = (db: Q, groupId: string): MemberIds => db.selectFrom('group_members').select('member_id as id').where('group_id', '=', groupId);

/**
 * Members related to something (or every member, `linked` marking the related ones), newest first; `text` matches the
 * email. The one listing behind a group's members and a policy's members.
 */
export async function memberPage(db: Q, orgId: string, related: MemberIds, f: RelationFilter) {
  let q = db.selectFrom('members').leftJoin('users', 'users.id', 'members.user_id').where('members.org_id', '=', orgId);
  if (!f.all) q = q.where('members.id', 'in', related);
  if (f.text) q = q.where(containsIgnoreCase('members.email', f.text));
  const page = await pageOf(q, f, (q) =>
    q
      .select((eb) => ['members.id', eb.fn.coalesce('users.name', 'members.name').as('name'), eb.fn.coalesce('users.email', 'members.email').as('email'), eb('members.id', 'in', related).as('linked')])
      .orderBy('members.created_at', 'desc')
      .orderBy('members.id', 'desc'),
  );
  return mapPage(page, (r) => ({ id: r.id, name: r.name, email: r.email, linked: Boolean(r.linked) }));
}

// SQL for members, groups and policies of one organization. Every query is scoped by org_id.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/tables.ts';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';
import type { Statement } from '../policy/statement.ts';

export type Q = Kysely<Database> | Transaction<Database>;

export interface PolicyRow {
  id: string;
  key: string;
  name: string;
  description: string;
  type: 'SysManaged' | 'CustomerManaged';
  statements: Statement[];
  createdAt: number;
  updatedAt: number;
}

const toPolicy = (r: Database['policies']): PolicyRow => ({
  id: r.id,
  key: r.key,
  name: r.name,
  description: r.description,
  type: r.type,
  statements: JSON.parse(r.statements) as Statement[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function findPolicy(db: Q, orgId: string, policyId: string): Promise<PolicyRow | null> {
  const r = await db.selectFrom('policies').selectAll().where('org_id', '=', orgId).where('id', '=', policyId).executeTakeFirst();
  return r ? toPolicy(r) : null;
}

export async function listPolicies(db: Q, orgId: string, name: string | undefined, pageIndex: number, pageSize: number) {
  let q = db.selectFrom('policies').where('org_id', '=', orgId);
  if (name) q = q.where(containsIgnoreCase('name', name));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  // Newest first, as FeatBit lists them; the key breaks ties (built-ins are created in one instant).
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('key').offset(pageIndex * pageSize).limit(pageSize).execute();
  return { totalCount: Number(total.n), items: rows.map(toPolicy) };
}

/** A policy by key and type (FeatBit's clone names its origin so). */
export async function findPolicyByKey(db: Q, orgId: string, key: string, type: PolicyRow['type']): Promise<PolicyRow | null> {
  const r = await db.selectFrom('policies').selectAll().where('org_id', '=', orgId).where('key', '=', key).where('type', '=', type).executeTakeFirst();
  return r ? toPolicy(r) : null;
}

/** Whether a policy of the organization has this key, in any letter case (as FeatBit checks). */
export async function isPolicyKeyUsed(db: Q, orgId: string, key: string): Promise<boolean> {
  const r = await db.selectFrom('policies').select('id').where('org_id', '=', orgId).where((eb) => eb(eb.fn('lower', ['key']), '=', key.toLowerCase())).executeTakeFirst();
  return r !== undefined;
}

export interface Page<T> {
  totalCount: number;
  items: T[];
}

export interface PageRequest {
  pageIndex: number;
  pageSize: number;
}

/** A relation listing: only the related rows, or (`all`) every row of the organization, each marked. */
export interface RelationFilter extends PageRequest {
  /** A name (groups, policies) or email (members) fragment, case-insensitive. */
  text?: string;
  all: boolean;
}

export type GroupRow = Database['groups'];

/** Whether another group of the organization has this name, in any letter case (as FeatBit checks). */
export async function isGroupNameUsed(db: Q, orgId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('groups').select('id').where('org_id', '=', orgId).where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function listGroups(db: Q, orgId: string, name: string | undefined, page: PageRequest): Promise<Page<GroupRow>> {
  let q = db.selectFrom('groups').where('org_id', '=', orgId);
  if (name) q = q.where(containsIgnoreCase('name', name));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(page.pageIndex * page.pageSize)
    .limit(page.pageSize)
    .execute();
  return { totalCount: Number(total.n), items: rows };
}

/**
 * The organization's members, the one place member listings start from, with their account when they have one: an
 * Invited member has none yet, and shows the invitation's email and name.
 */
function memberBase(db: Q, orgId: string) {
  return db.selectFrom('members').leftJoin('users', 'users.id', 'members.user_id').where('members.org_id', '=', orgId);
}

/** Members of a group (or all members, `linked` marking the group's), newest first; `text` matches the email. */
export async function groupMemberPage(db: Q, orgId: string, groupId: string, f: RelationFilter) {
  let q = memberBase(db, orgId).leftJoin('group_members as gm', (j) => j.onRef('gm.member_id', '=', 'members.id').on('gm.group_id', '=', groupId));
  if (!f.all) q = q.where('gm.group_id', 'is not', null);
  if (f.text) q = q.where(containsIgnoreCase('members.email', f.text));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select((eb) => ['members.id', eb.fn.coalesce('users.name', 'members.name').as('name'), eb.fn.coalesce('users.email', 'members.email').as('email'), 'gm.group_id as linked'])
    .orderBy('members.created_at', 'desc')
    .orderBy('members.id', 'desc')
    .offset(f.pageIndex * f.pageSize)
    .limit(f.pageSize)
    .execute();
  return { totalCount: Number(total.n), items: rows.map((r) => ({ id: r.id, name: r.name, email: r.email, linked: r.linked !== null })) };
}

/** Members holding a policy directly (or all members, `linked` marking them), newest first; `text` matches the email. */
export async function policyMemberPage(db: Q, orgId: string, policyId: string, f: RelationFilter) {
  let q = memberBase(db, orgId).leftJoin('member_policies as mp', (j) => j.onRef('mp.member_id', '=', 'members.id').on('mp.policy_id', '=', policyId));
  if (!f.all) q = q.where('mp.policy_id', 'is not', null);
  if (f.text) q = q.where(containsIgnoreCase('members.email', f.text));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select((eb) => ['members.id', eb.fn.coalesce('users.name', 'members.name').as('name'), eb.fn.coalesce('users.email', 'members.email').as('email'), 'mp.policy_id as linked'])
    .orderBy('members.created_at', 'desc')
    .orderBy('members.id', 'desc')
    .offset(f.pageIndex * f.pageSize)
    .limit(f.pageSize)
    .execute();
  return { totalCount: Number(total.n), items: rows.map((r) => ({ id: r.id, name: r.name, email: r.email, linked: r.linked !== null })) };
}

/** Policies of a group (or all policies, `linked` marking the group's), newest first; `text` matches the name. */
export async function groupPolicyPage(db: Q, orgId: string, groupId: string, f: RelationFilter) {
  let q = db
    .selectFrom('policies')
    .leftJoin('group_policies as gp', (j) => j.onRef('gp.policy_id', '=', 'policies.id').on('gp.group_id', '=', groupId))
    .where('policies.org_id', '=', orgId);
  if (!f.all) q = q.where('gp.group_id', 'is not', null);
  if (f.text) q = q.where(containsIgnoreCase('policies.name', f.text));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select(['policies.id', 'policies.key', 'policies.name', 'policies.type', 'policies.description', 'gp.group_id as linked'])
    .orderBy('policies.created_at', 'desc')
    .orderBy('policies.key')
    .offset(f.pageIndex * f.pageSize)
    .limit(f.pageSize)
    .execute();
  return { totalCount: Number(total.n), items: rows.map((r) => ({ id: r.id, key: r.key, name: r.name, type: r.type, description: r.description, linked: r.linked !== null })) };
}

/** Groups holding a policy (or all groups, `linked` marking them), newest first; `text` matches the name. */
export async function policyGroupPage(db: Q, orgId: string, policyId: string, f: RelationFilter) {
  let q = db
    .selectFrom('groups')
    .leftJoin('group_policies as gp', (j) => j.onRef('gp.group_id', '=', 'groups.id').on('gp.policy_id', '=', policyId))
    .where('groups.org_id', '=', orgId);
  if (!f.all) q = q.where('gp.policy_id', 'is not', null);
  if (f.text) q = q.where(containsIgnoreCase('groups.name', f.text));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select(['groups.id', 'groups.name', 'groups.description', 'gp.policy_id as linked'])
    .orderBy('groups.created_at', 'desc')
    .orderBy('groups.id', 'desc')
    .offset(f.pageIndex * f.pageSize)
    .limit(f.pageSize)
    .execute();
  return { totalCount: Number(total.n), items: rows.map((r) => ({ id: r.id, name: r.name, description: r.description, linked: r.linked !== null })) };
}

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

/** Members with the account's name and email once bound; before that, what the inviter typed. */
export function memberRows(db: Q, orgId: string) {
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

/**
 * What a member holds (direct policies ∪ their groups' policies), whatever their status: the rules about who may
 * change or remove a member apply to an Invited one too, who will hold all of it once the code is redeemed.
 */
export async function memberStatements(db: Q, memberId: string): Promise<Statement[]> {
  const rows = await db
    .selectFrom('policies')
    .select('policies.statements')
    .where((eb) =>
      eb.or([
        eb('policies.id', 'in', eb.selectFrom('member_policies').select('policy_id').where('member_id', '=', memberId)),
        eb(
          'policies.id',
          'in',
          eb.selectFrom('group_policies').innerJoin('group_members', 'group_members.group_id', 'group_policies.group_id').select('group_policies.policy_id').where('group_members.member_id', '=', memberId),
        ),
      ]),
    )
    .execute();
  return rows.flatMap((r) => JSON.parse(r.statements) as Statement[]);
}

export async function memberPolicies(db: Q, memberIds: string[]) {
  if (memberIds.length === 0) return [];
  return db
    .selectFrom('member_policies')
    .innerJoin('policies', 'policies.id', 'member_policies.policy_id')
    .select(['member_policies.member_id as memberId', 'policies.id', 'policies.key', 'policies.name', 'policies.type'])
    .where('member_policies.member_id', 'in', memberIds)
    .orderBy('policies.created_at')
    .execute();
}

export async function memberGroups(db: Q, memberIds: string[]) {
  if (memberIds.length === 0) return [];
  return db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.id', 'group_members.group_id')
    .select(['group_members.member_id as memberId', 'groups.id', 'groups.name'])
    .where('group_members.member_id', 'in', memberIds)
    .orderBy('groups.name')
    .execute();
}

export async function groupPolicies(db: Q, groupIds: string[]) {
  if (groupIds.length === 0) return [];
  return db
    .selectFrom('group_policies')
    .innerJoin('policies', 'policies.id', 'group_policies.policy_id')
    .select(['group_policies.group_id as groupId', 'policies.id', 'policies.key', 'policies.name', 'policies.type', 'policies.statements'])
    .where('group_policies.group_id', 'in', groupIds)
    .orderBy('policies.created_at')
    .execute();
}

export async function findGroup(db: Q, orgId: string, groupId: string) {
  const r = await db.selectFrom('groups').selectAll().where('org_id', '=', orgId).where('id', '=', groupId).executeTakeFirst();
  return r ?? null;
}

/**
 * Takes the organization's row lock until the transaction ends. Why: on PostgreSQL (READ COMMITTED) two
 * concurrent Owner removals each counted the other's still-visible Owner and both committed, leaving no
 * Owner. Taken before counting, the later transaction waits and its count then sees the earlier one's change.
 * On SQLite writers are already serialized and this is a harmless no-op write.
 */
export async function lockOrganization(db: Q, orgId: string): Promise<void> {
  await db.updateTable('organizations').set((eb) => ({ name: eb.ref('name') })).where('id', '=', orgId).execute();
}

/** Active members holding the Owner policy, directly or through a group (an Invited one cannot act, so does not count). */
export async function ownerCount(db: Q, orgId: string): Promise<number> {
  const owner = await db.selectFrom('policies').select('id').where('org_id', '=', orgId).where('key', '=', 'owner').where('type', '=', 'SysManaged').executeTakeFirstOrThrow();
  const direct = await db
    .selectFrom('member_policies')
    .innerJoin('members', 'members.id', 'member_policies.member_id')
    .select('member_policies.member_id')
    .where('member_policies.policy_id', '=', owner.id)
    .where('members.status', '=', 'Active')
    .execute();
  const viaGroups = await db
    .selectFrom('group_members')
    .innerJoin('group_policies', 'group_policies.group_id', 'group_members.group_id')
    .innerJoin('members', 'members.id', 'group_members.member_id')
    .select('group_members.member_id')
    .where('group_policies.policy_id', '=', owner.id)
    .where('members.status', '=', 'Active')
    .execute();
  return new Set([...direct.map((r) => r.member_id), ...viaGroups.map((r) => r.member_id)]).size;
}

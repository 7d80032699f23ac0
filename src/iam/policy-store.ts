// SQL for policies of one organization and who holds them. Every query is scoped by org_id.
import type { SelectQueryBuilder } from 'kysely';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';
import type { Database } from '../platform/tables.ts';
import type { Statement } from '../policy/statement.ts';
import { mapPage, pageOf, type Page, type PageRequest, type Q, type RelationFilter } from './iam-store.ts';

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

/** Policy ids as a subquery, for relation listings. */
export type PolicyIds = SelectQueryBuilder<Database, keyof Database, { id: string }>;

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

export async function listPolicies(db: Q, orgId: string, name: string | undefined, page: PageRequest): Promise<Page<PolicyRow>> {
  let q = db.selectFrom('policies').where('org_id', '=', orgId);
  if (name) q = q.where(containsIgnoreCase('name', name));
  // Newest first, as FeatBit lists them; the key breaks ties (built-ins are created in one instant).
  return mapPage(await pageOf(q, page, (q) => q.selectAll().orderBy('created_at', 'desc').orderBy('key')), toPolicy);
}

/** A policy by key and type (FeatBit's clone names its origin so). */
export async function findPolicyByKey(db: Q, orgId: string, key: string, type: PolicyRow['type']): Promise<PolicyRow | null> {
  const r = await db.selectFrom('policies').selectAll().where('org_id', '=', orgId).where('key', '=', key).where('type', '=', type).executeTakeFirst();
  return r ? toPolicy(r) : null;
}

/** Whether a policy of the organization has this key, in any letter case (as FeatBit checks). */
export async function isPolicyKeyUsed(db: Q, orgId: string, key: string): Promise<boolean> {
  const r = await db
    .selectFrom('policies')
    .select('id')
    .where('org_id', '=', orgId)
    .where((eb) => eb(eb.fn('lower', ['key']), '=', key.toLowerCase()))
    .executeTakeFirst();
  return r !== undefined;
}

export async function insertPolicies(db: Q, rows: Database['policies'][]): Promise<void> {
  if (rows.length > 0) await db.insertInto('policies').values(rows).execute();
}

export async function updatePolicy(db: Q, policyId: string, set: Partial<Pick<Database['policies'], 'name' | 'description' | 'statements' | 'updated_at'>>): Promise<void> {
  await db.updateTable('policies').set(set).where('id', '=', policyId).execute();
}

/** The policy, detached from every member and group first. */
export async function deletePolicy(db: Q, policyId: string): Promise<void> {
  await db.deleteFrom('member_policies').where('policy_id', '=', policyId).execute();
  await db.deleteFrom('group_policies').where('policy_id', '=', policyId).execute();
  await db.deleteFrom('policies').where('id', '=', policyId).execute();
}

/** Everyone holding a policy, directly or through a group. */
export async function policyHolders(db: Q, policyId: string): Promise<string[]> {
  const direct = await db.selectFrom('member_policies').select('member_id').where('policy_id', '=', policyId).execute();
  const viaGroups = await db
    .selectFrom('group_policies')
    .innerJoin('group_members', 'group_members.group_id', 'group_policies.group_id')
    .select('group_members.member_id')
    .where('group_policies.policy_id', '=', policyId)
    .execute();
  return [...direct, ...viaGroups].map((r) => r.member_id);
}

/** Ids of a member's direct policies. */
export const memberPolicyIds = (db: Q, memberId: string): PolicyIds => db.selectFrom('member_policies').select('policy_id as id').where('member_id', '=', memberId);

/** Ids of a group's policies. */
export const groupPolicyIds = (db: Q, groupId: string): PolicyIds => db.selectFrom('group_policies').select('policy_id as id').where('group_id', '=', groupId);

/**
 * Policies related to something (or every policy, `linked` marking the related ones), newest first (the key breaks
 * ties); `text` matches the name. The one listing behind a group's policies and a member's direct policies.
 */
export async function policyPage(db: Q, orgId: string, related: PolicyIds, f: RelationFilter) {
  let q = db.selectFrom('policies').where('policies.org_id', '=', orgId);
  if (!f.all) q = q.where('policies.id', 'in', related);
  if (f.text) q = q.where(containsIgnoreCase('policies.name', f.text));
  const page = await pageOf(q, f, (q) =>
    q
      .select((eb) => ['policies.id', 'policies.key', 'policies.name', 'policies.type', 'policies.description', eb('policies.id', 'in', related).as('linked')])
      .orderBy('policies.created_at', 'desc')
      .orderBy('policies.key'),
  );
  return mapPage(page, (r) => ({ id: r.id, key: r.key, name: r.name, type: r.type, description: r.description, linked: Boolean(r.linked) }));
}

/**
 * Policies a member inherits through their groups, one row per (group, policy), newest policy first; `text` matches
 * the policy's name (FeatBit's inherited-policies).
 */
export async function inheritedPolicyPage(db: Q, orgId: string, memberId: string, f: PageRequest & { text?: string }) {
  let q = db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.id', 'group_members.group_id')
    .innerJoin('group_policies', 'group_policies.group_id', 'group_members.group_id')
    .innerJoin('policies', 'policies.id', 'group_policies.policy_id')
    .where('group_members.org_id', '=', orgId)
    .where('group_members.member_id', '=', memberId);
  if (f.text) q = q.where(containsIgnoreCase('policies.name', f.text));
  return pageOf(q, f, (q) =>
    q
      .select(['policies.id', 'policies.name', 'policies.type', 'policies.description', 'policies.created_at as createdAt', 'groups.name as groupName'])
      .orderBy('policies.created_at', 'desc')
      .orderBy('policies.key')
      .orderBy('groups.name')
      .orderBy('groups.id'),
  );
}

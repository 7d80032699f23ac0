// SQL shared by members, groups and policies: the query handle, page shapes, and what spans all three tables.
import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database } from '../platform/tables.ts';

export type Q = Kysely<Database> | Transaction<Database>;

export interface Page<T> {
  totalCount: number;
  items: T[];
}

export interface PageRequest {
  pageIndex: number;
  pageSize: number;
}

/** The same page with each item turned into its view. */
export const mapPage = <T, U>(page: Page<T>, view: (item: T) => U): Page<U> => ({ totalCount: page.totalCount, items: page.items.map(view) });

/**
 * One page of a filtered query and the count of all its rows: `rows` adds the columns and the order (which must be
 * total, so pages neither overlap nor skip); the count ignores any columns the query already selects.
 */
export async function pageOf<DB, TB extends keyof DB, O, R>(
  q: SelectQueryBuilder<DB, TB, O>,
  page: PageRequest,
  rows: (q: SelectQueryBuilder<DB, TB, O>) => SelectQueryBuilder<DB, TB, R>,
): Promise<Page<R>> {
  // Kysely cannot name the columns of a selection over a generic set of tables; this one selects only n.
  const total = (await q.clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()) as { n: number | string };
  const items = await rows(q)
    .offset(page.pageIndex * page.pageSize)
    .limit(page.pageSize)
    .execute();
  return { totalCount: Number(total.n), items };
}

/** A relation listing: only the related rows, or (`all`) every row of the organization, each marked `linked`. */
export interface RelationFilter extends PageRequest {
  /** A name (groups, policies) or email (members) fragment, case-insensitive. */
  text?: string;
  all: boolean;
}

/**
 * Takes the organization's row lock until the transaction ends. Why: on PostgreSQL (READ COMMITTED) two
 * concurrent Owner removals each counted the other's still-visible Owner and both committed, leaving no
 * Owner. Taken before counting, the later transaction waits and its count then sees the earlier one's change.
 * On SQLite writers are already serialized and this is a harmless no-op write. (The organization's row is the lock;
 * nothing of it changes.)
 */
export async function lockOrganization(db: Q, orgId: string): Promise<void> {
  await db
    .updateTable('organizations')
    .set((eb) => ({ name: eb.ref('name') }))
    .where('id', '=', orgId)
    .execute();
}

/** The policies a new member gets when the inviter names none (IAM's setting, kept on the organization's row). */
export async function defaultPolicyIds(db: Q, orgId: string): Promise<string[]> {
  const org = await db.selectFrom('organizations').select('default_policy_ids').where('id', '=', orgId).executeTakeFirstOrThrow();
  return JSON.parse(org.default_policy_ids) as string[];
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

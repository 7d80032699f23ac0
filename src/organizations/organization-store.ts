// SQL for organizations. Creating one seeds its IAM (built-in policies, the Owner) through IAM's stores.
import { insertMember } from '../iam/member-store.ts';
import { insertPolicies } from '../iam/policy-store.ts';
import type { Q } from '../iam/iam-store.ts';
import { BUILTIN_POLICIES } from '../policy/builtin-policies.ts';
import type { Ids } from '../platform/clock.ts';

export interface OrganizationRow {
  id: string;
  key: string;
  name: string;
}

/** Lower-case slug of the name, made unique with a numeric suffix. */
async function freeKey(db: Q, name: string): Promise<string> {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'org';
  for (let i = 1; ; i++) {
    const key = i === 1 ? base : `${base}-${i}`;
    const taken = await db.selectFrom('organizations').select('id').where('key', '=', key).executeTakeFirst();
    if (!taken) return key;
  }
}

/** Creates the organization, its built-in policies, and makes the account its Owner. */
export async function createOrganizationWithOwner(db: Q, ids: Ids, now: number, name: string, owner: { id: string; email: string; name: string }) {
  const orgId = ids.next();
  const key = await freeKey(db, name);
  const policyIds: Record<string, string> = {};
  for (const p of BUILTIN_POLICIES) policyIds[p.key] = ids.next();
  await db
    .insertInto('organizations')
    .values({ id: orgId, key, name, default_policy_ids: JSON.stringify([policyIds.developer]), created_at: now })
    .execute();
  await insertPolicies(
    db,
    BUILTIN_POLICIES.map((p) => ({
      id: policyIds[p.key],
      org_id: orgId,
      key: p.key,
      name: p.name,
      description: p.description,
      type: 'SysManaged' as const,
      statements: JSON.stringify(p.statements),
      created_at: now,
      updated_at: now,
    })),
  );
  const memberId = ids.next();
  await insertMember(db, { id: memberId, org_id: orgId, user_id: owner.id, status: 'Active', email: owner.email, name: owner.name, invitor_member_id: null, created_at: now }, [policyIds.owner], []);
  return { org: { id: orgId, key, name }, memberId, policyIds };
}

export async function organizationsOfUser(db: Q, userId: string): Promise<OrganizationRow[]> {
  return db
    .selectFrom('organizations')
    .innerJoin('members', 'members.org_id', 'organizations.id')
    .select(['organizations.id', 'organizations.key', 'organizations.name'])
    .where('members.user_id', '=', userId)
    .where('members.status', '=', 'Active')
    .orderBy('organizations.created_at')
    .orderBy('organizations.id')
    .execute();
}

export async function findOrganization(db: Q, orgId: string): Promise<OrganizationRow | null> {
  return (await db.selectFrom('organizations').select(['id', 'key', 'name']).where('id', '=', orgId).executeTakeFirst()) ?? null;
}

export async function renameOrganization(db: Q, orgId: string, name: string): Promise<void> {
  await db.updateTable('organizations').set({ name }).where('id', '=', orgId).execute();
}

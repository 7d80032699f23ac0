// Read model: a member's identity and current statements (direct policies ∪ their groups' policies).
import type { Statement } from '../policy/statement.ts';
import type { DbHandle } from '../platform/db.ts';

export interface MemberAccess {
  memberId: string;
  userId: string;
  orgId: string;
  orgKey: string;
  name: string;
  email: string;
  statements: Statement[];
}

export async function loadMemberAccess(db: DbHandle, where: { memberId: string } | { orgId: string; userId: string }): Promise<MemberAccess | null> {
  let q = db
    .selectFrom('members')
    .innerJoin('users', 'users.id', 'members.user_id')
    .innerJoin('organizations', 'organizations.id', 'members.org_id')
    .select(['members.id as memberId', 'users.id as userId', 'members.org_id as orgId', 'organizations.key as orgKey', 'users.name', 'users.email'])
    // An Invited member has no access: only a redeemed (Active) membership bound to an account authenticates.
    .where('members.status', '=', 'Active');
  q = 'memberId' in where ? q.where('members.id', '=', where.memberId) : q.where('members.org_id', '=', where.orgId).where('members.user_id', '=', where.userId);
  const m = await q.executeTakeFirst();
  if (!m) return null;
  const policies = await loadMemberPolicies(db, m.memberId);
  const statements = policies.flatMap((p) => p.statements);
  return { ...m, statements };
}

export interface MemberPolicy {
  id: string;
  name: string;
  statements: Statement[];
}

/**
 * A member's policies, direct and through groups, each with its statements. `loadMemberAccess` flattens exactly
 * these, so what explains a decision (explain/) and what enforces it read the same rows.
 */
export async function loadMemberPolicies(db: DbHandle, memberId: string): Promise<MemberPolicy[]> {
  const rows = await db
    .selectFrom('policies')
    .select(['policies.id', 'policies.name', 'policies.statements'])
    .where((eb) =>
      eb.or([
        eb('policies.id', 'in', eb.selectFrom('member_policies').select('policy_id').where('member_id', '=', memberId)),
        eb(
          'policies.id',
          'in',
          eb
            .selectFrom('group_policies')
            .innerJoin('group_members', 'group_members.group_id', 'group_policies.group_id')
            .select('group_policies.policy_id')
            .where('group_members.member_id', '=', memberId),
        ),
      ]),
    )
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, statements: JSON.parse(r.statements) as Statement[] }));
}

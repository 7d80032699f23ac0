// Read model: a member's identity and current statements (direct policies ∪ their groups' policies).
import type { Kysely } from 'kysely';
import type { Statement } from '../policy/statement.ts';
import type { Database } from '../platform/tables.ts';

export interface MemberAccess {
  memberId: string;
  userId: string;
  orgId: string;
  orgKey: string;
  name: string;
  email: string;
  statements: Statement[];
}

export async function loadMemberAccess(
  db: Kysely<Database>,
  where: { memberId: string } | { orgId: string; userId: string },
): Promise<MemberAccess | null> {
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
  const rows = await db
    .selectFrom('policies')
    .select(['policies.id', 'policies.statements'])
    .where((eb) =>
      eb.or([
        eb('policies.id', 'in', eb.selectFrom('member_policies').select('policy_id').where('member_id', '=', m.memberId)),
        eb(
          'policies.id',
          'in',
          eb
            .selectFrom('group_policies')
            .innerJoin('group_members', 'group_members.group_id', 'group_policies.group_id')
            .select('group_policies.policy_id')
            .where('group_members.member_id', '=', m.memberId),
        ),
      ]),
    )
    .execute();
  const statements = rows.flatMap((r) => JSON.parse(r.statements) as Statement[]);
  return { ...m, statements };
}

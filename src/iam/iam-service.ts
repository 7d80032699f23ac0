// The IAM rules shared by member, group and policy routes: who may manage IAM, no escalation, an Owner always remains.
import { randomUUID } from 'node:crypto';
import { coversAll, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { BadRequest, BusinessRule, Forbidden } from '../platform/errors.ts';
import { validateStatements } from '../policy/actions.ts';
import { lockOrganization, memberStatements, ownerCount, type Q } from './iam-store.ts';
import { rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';

export const MAX_STATEMENTS = 100;
const MAX_ITEMS = 100;

export function requireIamManager(p: OrgPrincipal): void {
  requirePermission(p, 'CanManageIAM', rn.iam(p.org.key));
}

/** Nobody hands out, directly or through a group or a token, more than they hold. */
export function requireCovers(p: OrgPrincipal, statements: Statement[]): void {
  if (!coversAll(p.permission, statements)) throw new Forbidden('PermissionsExceedCaller');
}

/**
 * A change that touches members' permissions is allowed only if the caller covers each of them, before
 * and after it: nobody narrows (say, with a deny) or widens someone whose permissions they could not
 * have granted. Without this an Administrator could lock the Owner out with a deny-only policy.
 */
export async function requireCoversMembers(p: OrgPrincipal, db: Q, memberIds: Iterable<string>): Promise<void> {
  for (const memberId of new Set(memberIds)) requireCovers(p, await memberStatements(db, memberId));
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

export async function groupMemberIds(db: Q, groupId: string): Promise<string[]> {
  return (await db.selectFrom('group_members').select('member_id').where('group_id', '=', groupId).execute()).map((r) => r.member_id);
}

/** Validates statements from a body and gives each an id. */
export function parseStatements(input: unknown): Statement[] {
  if (Array.isArray(input) && input.length > MAX_STATEMENTS) throw new BadRequest('statements_is_too_long');
  const v = validateStatements(input);
  if (!v.ok) throw new BadRequest(...v.errors);
  for (const s of v.statements) {
    if (s.actions.length > MAX_ITEMS) throw new BadRequest('actions_is_too_long');
    if (s.resources.length > MAX_ITEMS) throw new BadRequest('resources_is_too_long');
  }
  return v.statements.map((s) => ({ ...s, id: /^[A-Za-z0-9._-]{1,64}$/.test(s.id) ? s.id : randomUUID() }));
}

/** Run after a change inside its transaction: throwing rolls the change back. */
export async function assertOwnerRemains(db: Q, orgId: string): Promise<void> {
  // Serialize owner-reducing changes per organization, else two concurrent removals can both pass (see lockOrganization).
  await lockOrganization(db, orgId);
  if ((await ownerCount(db, orgId)) === 0) throw new BusinessRule('LastOwner');
}

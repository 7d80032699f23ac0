// The IAM rules every IAM service applies: who may manage IAM, no escalation, an Owner always remains.
import { coversAll, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { BadRequest, BusinessRule, Forbidden } from '../platform/errors.ts';
import { rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';
import { readStatements } from '../policy/statement-input.ts';
import { lockOrganization, ownerCount, type Q } from './iam-store.ts';
import { memberStatements } from './member-store.ts';

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

/** Statements from a body, each with an id; else a 400 naming what is wrong. */
export function parseStatements(input: unknown, newId: () => string): Statement[] {
  const read = readStatements(input, newId);
  if (!read.ok) throw new BadRequest(...read.errors);
  return read.statements;
}

/** Run after a change inside its transaction: throwing rolls the change back. */
export async function assertOwnerRemains(db: Q, orgId: string): Promise<void> {
  // Serialize owner-reducing changes per organization, else two concurrent removals can both pass (see lockOrganization).
  await lockOrganization(db, orgId);
  if ((await ownerCount(db, orgId)) === 0) throw new BusinessRule('LastOwner');
}

/** The IAM audit entry: every IAM change is recorded against the organization's IAM resource. */
export const iamRn = (p: OrgPrincipal): string => `iam/${p.org.key}`;

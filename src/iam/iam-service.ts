// The IAM rules shared by member, group and policy routes: who may manage IAM, no escalation, an Owner always remains.
import { randomUUID } from 'node:crypto';
import { coversAll, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { BadRequest, BusinessRule, Forbidden } from '../platform/errors.ts';
import { validateStatements } from './actions.ts';
import { lockOrganization, ownerCount, type Q } from './iam-store.ts';
import { rn } from './rn.ts';
import type { Statement } from './statement.ts';

export const MAX_STATEMENTS = 100;
const MAX_ITEMS = 100;

export function requireIamManager(p: OrgPrincipal): void {
  requirePermission(p, 'CanManageIAM', rn.iam(p.org.key));
}

/** Nobody hands out, directly or through a group or a token, more than they hold. */
export function requireCovers(p: OrgPrincipal, statements: Statement[]): void {
  if (!coversAll(p.permission, statements)) throw new Forbidden('PermissionsExceedCaller');
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

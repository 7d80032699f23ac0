// The IAM rules every IAM service applies: who may manage IAM, no escalation, an Owner always remains.
import { actorOf, coversAll, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, Forbidden, NotFound } from '../platform/errors.ts';
import { rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';
import { readStatements } from '../policy/statement-input.ts';
import { lockOrganization, ownerCount, type Q } from './iam-store.ts';
import { memberStatements } from './member-store.ts';

export function requireIamManager(p: OrgPrincipal): void {
  requirePermission(p, 'CanManageIAM', rn.iam(p.org.key));
}

/** A row found in the caller's organization, or 404 (to anyone: the check comes after); then the IAM check. */
export async function managedRow<T>(p: OrgPrincipal, found: Promise<T | null>): Promise<T> {
  const row = await found;
  if (!row) throw new NotFound();
  requireIamManager(p);
  return row;
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

/** Records an IAM change by the caller, about `ref` (a member by email, a group by name, a policy by key). */
export function recordIamChange(
  audit: AppContext['audit'],
  db: Q,
  p: OrgPrincipal,
  action: string,
  ref: { id: string; key: string },
  change: { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null },
): Promise<void> {
  return audit.record(db, { orgId: p.org.id, actor: actorOf(p), action, refType: 'iam', refId: ref.id, refKey: ref.key, rn: iamRn(p), ...change });
}

/** One link (a group's member, a group's or a member's policy), as its store adds, finds and removes it. */
export interface Link {
  has(): Promise<boolean>;
  add(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Adds or removes a link, idempotently, inside the caller's transaction: the caller must cover every member it
 * touches, before and after, and removing it must leave an Owner. True when the link changed.
 */
export async function changeLink(p: OrgPrincipal, trx: Q, members: string[], link: Link, add: boolean): Promise<boolean> {
  await requireCoversMembers(p, trx, members);
  const has = await link.has();
  if (add && !has) await link.add();
  if (!add && has) {
    await link.remove();
    await assertOwnerRemains(trx, p.org.id);
  }
  await requireCoversMembers(p, trx, members);
  return add !== has;
}

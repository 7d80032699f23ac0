// Membership by invitation: adding a member creates an Invited member with no access and a one-time code;
// whoever redeems the code (and only them) becomes that member. Nobody chooses another person's password.
import { requireNotNetworkBound, type OrgPrincipal } from '../auth/principal.ts';
import type { Statement } from '../policy/statement.ts';
import { iso } from '../platform/clock.ts';
import type { AppContext } from '../platform/context.ts';
import { AppError, BusinessRule, Conflict, NotFound, isUniqueViolation } from '../platform/errors.ts';
import { findGroup, groupStatements } from './group-store.ts';
import { managedRow, recordIamChange, requireCovers, requireCoversMembers, requireIamManager } from './iam-rules.ts';
import { mapPage, defaultPolicyIds, type Q } from './iam-store.ts';
import { INVITATION_TTL_MS, generateInvitationCode, invitationUrl, isInvitationCodeShaped } from './invitation-code.ts';
import { consumeInvitation, deleteMemberInvitations, findInvitation, findInvitationByDigest, listInvitations, putInvitation, type InvitationRow } from './invitation-store.ts';
import { activateMember, deleteInvitedMember, findMember, insertMember, isEmailMember, type MemberRow } from './member-store.ts';
import { findPolicy } from './policy-store.ts';
import { pendingInvitationView, type IssuedInvitation } from './invitation-view.ts';

/** Unknown, expired, used, revoked and malformed codes all get this one answer. */
export class InvalidInvitation extends AppError {
  constructor() {
    super(400, ['InvalidInvitation']);
  }
}

type Ctx = Pick<AppContext, 'kysely' | 'clock' | 'ids' | 'digester' | 'audit' | 'invalidate'>;

async function issue(ctx: Ctx, db: Q, p: OrgPrincipal, memberId: string, now: number): Promise<IssuedInvitation> {
  requireNotNetworkBound(p);
  const code = generateInvitationCode();
  const id = ctx.ids.next();
  const expiresAt = now + INVITATION_TTL_MS;
  await putInvitation(db, { id, orgId: p.org.id, memberId, digest: ctx.digester.digest(code), createdBy: p.memberId, createdAt: now, expiresAt });
  return { id, code, url: invitationUrl(code), expiresAt: iso(expiresAt)! };
}

export interface InviteInput {
  email: string; // normalized
  name?: string;
  policyIds?: string[];
  groupIds?: string[];
}

/**
 * Creates the Invited member and its code. The answer depends only on this organization (409 when the email is
 * already a member or invited here): whether an account exists for the email is never looked at.
 */
export async function inviteMember(ctx: Ctx, p: OrgPrincipal, input: InviteInput): Promise<{ member: MemberRow; invitation: IssuedInvitation }> {
  requireIamManager(p);
  const email = input.email;
  const name = input.name?.trim() || email.split('@')[0];
  const now = ctx.clock.now();
  let result: { memberId: string; invitation: IssuedInvitation };
  try {
    result = await ctx.kysely.transaction().execute(async (trx) => {
      const policyIds = [...new Set(input.policyIds ?? (await defaultPolicyIds(trx, p.org.id)))];
      const groupIds = [...new Set(input.groupIds ?? [])];
      const granted: Statement[] = [];
      for (const id of policyIds) {
        const policy = await findPolicy(trx, p.org.id, id);
        if (!policy) throw new NotFound();
        granted.push(...policy.statements);
      }
      for (const id of groupIds) {
        if (!(await findGroup(trx, p.org.id, id))) throw new NotFound();
        granted.push(...(await groupStatements(trx, id)));
      }
      // Whoever redeems will hold all of it: nobody invites someone to more than they hold.
      requireCovers(p, granted);
      if (await isEmailMember(trx, p.org.id, email)) throw new Conflict();
      const memberId = ctx.ids.next();
      // A concurrent add of the same email fails here on the (org_id, email) key and becomes a 409 below.
      await insertMember(trx, { id: memberId, org_id: p.org.id, user_id: null, status: 'Invited', email, name, invitor_member_id: p.memberId, created_at: now }, policyIds, groupIds);
      const invitation = await issue(ctx, trx, p, memberId, now);
      await recordIamChange(
        ctx.audit,
        trx,
        p,
        'InviteMember',
        { id: memberId, key: email },
        { after: { email, name, policyIds, groupIds, invitationId: invitation.id, expiresAt: invitation.expiresAt } },
      );
      return { memberId, invitation };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict();
    throw err;
  }
  return { member: (await findMember(ctx.kysely, p.org.id, result.memberId))!, invitation: result.invitation };
}

/** A new code for an Invited member; the earlier one stops working. */
export async function reissueInvitation(ctx: Ctx, p: OrgPrincipal, memberId: string): Promise<IssuedInvitation> {
  const m = await managedRow(p, findMember(ctx.kysely, p.org.id, memberId));
  if (m.status !== 'Invited') throw new BusinessRule('MemberNotInvited');
  const now = ctx.clock.now();
  return ctx.kysely.transaction().execute(async (trx) => {
    // The code hands out everything the member holds: only someone who covers it may issue one.
    await requireCoversMembers(p, trx, [memberId]);
    if ((await findMember(trx, p.org.id, memberId))?.status !== 'Invited') throw new BusinessRule('MemberNotInvited');
    const invitation = await issue(ctx, trx, p, memberId, now);
    await recordIamChange(ctx.audit, trx, p, 'ReissueInvitation', { id: memberId, key: m.email }, { after: { invitationId: invitation.id, expiresAt: invitation.expiresAt } });
    return invitation;
  });
}

/** Revoking withdraws the invitation: the Invited member goes with its code. */
export async function revokeInvitation(ctx: Ctx, p: OrgPrincipal, invitationId: string): Promise<void> {
  const inv = await managedRow(p, findInvitation(ctx.kysely, p.org.id, invitationId));
  await ctx.kysely.transaction().execute(async (trx) => {
    await requireCoversMembers(p, trx, [inv.memberId]);
    await deleteMemberInvitations(trx, p.org.id, inv.memberId);
    await deleteInvitedMember(trx, p.org.id, inv.memberId);
    await recordIamChange(ctx.audit, trx, p, 'RevokeInvitation', { id: inv.memberId, key: inv.email }, { before: { email: inv.email, name: inv.name, invitationId: inv.id } });
  });
}

export async function pendingInvitations(ctx: Ctx, p: OrgPrincipal, pageIndex: number, pageSize: number) {
  requireIamManager(p);
  const now = ctx.clock.now();
  return mapPage(await listInvitations(ctx.kysely, p.org.id, pageIndex, pageSize), (i) => pendingInvitationView(i, now));
}

/** The digest of a code that can be one at all; anything else is refused without a database read. */
export function invitationDigest(digester: Ctx['digester'], code: string): string {
  if (!isInvitationCodeShaped(code)) throw new InvalidInvitation();
  return digester.digest(code);
}

/** The live invitation with this digest; unknown and expired ones are one refusal. */
export async function openInvitation(db: Q, digest: string, now: number): Promise<InvitationRow & { orgKey: string }> {
  const inv = await findInvitationByDigest(db, digest);
  if (!inv || now >= inv.expiresAt) throw new InvalidInvitation();
  return inv;
}

/**
 * Makes the account the invitation's member, inside the redeeming transaction: the code is consumed in the same
 * transaction that activates the member, so of two concurrent redeems exactly one commits.
 */
export async function acceptInvitation(
  trx: Q,
  audit: Ctx['audit'],
  inv: InvitationRow & { orgKey: string },
  digest: string,
  user: { id: string; name: string; email: string },
  newAccount: boolean,
): Promise<void> {
  if (!(await consumeInvitation(trx, inv.id, digest))) throw new InvalidInvitation();
  if (!(await activateMember(trx, inv.memberId, user))) throw new InvalidInvitation();
  await audit.record(trx, {
    orgId: inv.orgId,
    actor: { kind: 'member', memberId: inv.memberId, name: user.name, tokenId: null, tokenName: null },
    action: 'RedeemInvitation',
    refType: 'iam',
    refId: inv.memberId,
    refKey: inv.email,
    rn: `iam/${inv.orgKey}`,
    before: { status: 'Invited', name: inv.name },
    after: { status: 'Active', name: user.name, invitationId: inv.id, newAccount },
  });
}

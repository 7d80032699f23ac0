// Membership by invitation: adding a member creates an Invited member with no access and a one-time code;
// whoever redeems the code (and only them) becomes that member. Nobody chooses another person's password.
import { actorOf, type OrgPrincipal } from '../auth/principal.ts';
import { requireCovers, requireCoversMembers, requireIamManager } from '../iam/iam-service.ts';
import { findGroup, findMember, findPolicy, groupPolicies, type MemberRow } from '../iam/iam-store.ts';
import type { Statement } from '../policy/statement.ts';
import { hashPassword } from '../identity/passwords.ts';
import { iso } from '../platform/clock.ts';
import type { AppContext } from '../platform/context.ts';
import { AppError, BadRequest, BusinessRule, Conflict, Forbidden, NotFound, isUniqueViolation } from '../platform/errors.ts';
import { INVITATION_TTL_MS, generateInvitationCode, invitationUrl, isInvitationCodeShaped } from './invitation-code.ts';
import { pendingInvitationView, type IssuedInvitation } from './invitation-view.ts';
import { activateMember, consumeInvitation, deleteInvitedMember, findInvitation, findInvitationByDigest, listInvitations, putInvitation } from './invitation-store.ts';

/** Unknown, expired, used, revoked and malformed codes all get this one answer. */
export class InvalidInvitation extends AppError {
  constructor() {
    super(400, ['InvalidInvitation']);
  }
}

/** Redeeming with a name and password when the invitation's email already has an account: sign in and redeem with the session. */
export class AccountExists extends AppError {
  constructor() {
    super(409, ['AccountExists']);
  }
}

type Ctx = Pick<AppContext, 'kysely' | 'clock' | 'ids' | 'digester' | 'audit' | 'invalidate'>;

const iamRn = (p: OrgPrincipal) => `iam/${p.org.key}`;

async function issue(ctx: Ctx, db: Ctx['kysely'], p: OrgPrincipal, memberId: string, now: number): Promise<IssuedInvitation> {
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
      const org = await trx.selectFrom('organizations').select('default_policy_ids').where('id', '=', p.org.id).executeTakeFirstOrThrow();
      const policyIds = [...new Set(input.policyIds ?? (JSON.parse(org.default_policy_ids) as string[]))];
      const groupIds = [...new Set(input.groupIds ?? [])];
      const granted: Statement[] = [];
      for (const id of policyIds) {
        const policy = await findPolicy(trx, p.org.id, id);
        if (!policy) throw new NotFound();
        granted.push(...policy.statements);
      }
      for (const id of groupIds) {
        if (!(await findGroup(trx, p.org.id, id))) throw new NotFound();
        granted.push(...(await groupPolicies(trx, [id])).flatMap((g) => JSON.parse(g.statements) as Statement[]));
      }
      // Whoever redeems will hold all of it: nobody invites someone to more than they hold.
      requireCovers(p, granted);
      if (await trx.selectFrom('members').select('id').where('org_id', '=', p.org.id).where('email', '=', email).executeTakeFirst()) throw new Conflict();
      const memberId = ctx.ids.next();
      // A concurrent add of the same email fails here on the (org_id, email) key and becomes a 409 below.
      await trx.insertInto('members').values({ id: memberId, org_id: p.org.id, user_id: null, status: 'Invited', email, name, invitor_member_id: p.memberId, created_at: now }).execute();
      for (const policyId of policyIds) await trx.insertInto('member_policies').values({ member_id: memberId, policy_id: policyId, org_id: p.org.id }).execute();
      for (const groupId of groupIds) await trx.insertInto('group_members').values({ group_id: groupId, member_id: memberId, org_id: p.org.id }).execute();
      const invitation = await issue(ctx, trx, p, memberId, now);
      await ctx.audit.record(trx, {
        orgId: p.org.id,
        actor: actorOf(p),
        action: 'InviteMember',
        refType: 'iam',
        refId: memberId,
        refKey: email,
        rn: iamRn(p),
        after: { email, name, policyIds, groupIds, invitationId: invitation.id, expiresAt: invitation.expiresAt },
      });
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
  const m = await findMember(ctx.kysely, p.org.id, memberId);
  if (!m) throw new NotFound();
  requireIamManager(p);
  if (m.status !== 'Invited') throw new BusinessRule('MemberNotInvited');
  const now = ctx.clock.now();
  return ctx.kysely.transaction().execute(async (trx) => {
    // The code hands out everything the member holds: only someone who covers it may issue one.
    await requireCoversMembers(p, trx, [memberId]);
    const still = await trx.selectFrom('members').select('status').where('id', '=', memberId).executeTakeFirst();
    if (still?.status !== 'Invited') throw new BusinessRule('MemberNotInvited');
    const invitation = await issue(ctx, trx, p, memberId, now);
    await ctx.audit.record(trx, {
      orgId: p.org.id,
      actor: actorOf(p),
      action: 'ReissueInvitation',
      refType: 'iam',
      refId: memberId,
      refKey: m.email,
      rn: iamRn(p),
      after: { invitationId: invitation.id, expiresAt: invitation.expiresAt },
    });
    return invitation;
  });
}

/** Revoking withdraws the invitation: the Invited member goes with its code. */
export async function revokeInvitation(ctx: Ctx, p: OrgPrincipal, invitationId: string): Promise<void> {
  const inv = await findInvitation(ctx.kysely, p.org.id, invitationId);
  if (!inv) throw new NotFound();
  requireIamManager(p);
  await ctx.kysely.transaction().execute(async (trx) => {
    await requireCoversMembers(p, trx, [inv.memberId]);
    await deleteInvitedMember(trx, p.org.id, inv.memberId);
    await ctx.audit.record(trx, {
      orgId: p.org.id,
      actor: actorOf(p),
      action: 'RevokeInvitation',
      refType: 'iam',
      refId: inv.memberId,
      refKey: inv.email,
      rn: iamRn(p),
      before: { email: inv.email, name: inv.name, invitationId: inv.id },
    });
  });
}

export async function pendingInvitations(ctx: Ctx, p: OrgPrincipal, pageIndex: number, pageSize: number) {
  requireIamManager(p);
  const now = ctx.clock.now();
  const page = await listInvitations(ctx.kysely, p.org.id, pageIndex, pageSize);
  return {
    totalCount: page.totalCount,
    items: page.items.map((i) => pendingInvitationView(i, now)),
  };
}

export type Redeemer = { kind: 'account'; name: string; password: string } | { kind: 'session'; userId: string; email: string };

/**
 * Redeems a code: creates the account for the invitation's email, or binds the signed-in account whose email
 * is the invitation's. The code is consumed in the same transaction that activates the member, so of two
 * concurrent redeems exactly one commits; a refusal consumes nothing.
 */
export async function redeemInvitation(ctx: Ctx, code: string, who: Redeemer): Promise<{ memberId: string; organizationId: string; email: string; userId: string }> {
  if (!isInvitationCodeShaped(code)) throw new InvalidInvitation();
  const digest = ctx.digester.digest(code);
  const now = ctx.clock.now();
  const found = await findInvitationByDigest(ctx.kysely, digest);
  if (!found || now >= found.expiresAt) throw new InvalidInvitation();
  // Hashing is slow: do it before the transaction, only for a code that was valid a moment ago.
  const passwordHash = who.kind === 'account' ? await hashPassword(who.password) : null;
  let redeemed: { userId: string };
  try {
    redeemed = await ctx.kysely.transaction().execute(async (trx) => {
      const inv = await findInvitationByDigest(trx, digest);
      if (!inv || now >= inv.expiresAt) throw new InvalidInvitation();
      let user: { id: string; name: string; email: string };
      if (who.kind === 'session') {
        // The invitation was addressed to an email: only the account holding that email may accept it.
        if (who.email !== inv.email) throw new Forbidden('InvitationEmailMismatch');
        const row = await trx.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', who.userId).executeTakeFirst();
        if (!row) throw new InvalidInvitation();
        user = row;
      } else {
        if (await trx.selectFrom('users').select('id').where('email', '=', inv.email).executeTakeFirst()) throw new AccountExists();
        user = { id: ctx.ids.next(), name: who.name, email: inv.email };
        await trx.insertInto('users').values({ id: user.id, email: user.email, name: user.name, password_hash: passwordHash!, created_at: now }).execute();
      }
      if (!(await consumeInvitation(trx, inv.id, digest))) throw new InvalidInvitation();
      if (!(await activateMember(trx, inv.memberId, user))) throw new InvalidInvitation();
      await ctx.audit.record(trx, {
        orgId: inv.orgId,
        actor: { kind: 'member', memberId: inv.memberId, name: user.name, tokenId: null, tokenName: null },
        action: 'RedeemInvitation',
        refType: 'iam',
        refId: inv.memberId,
        refKey: inv.email,
        rn: `iam/${inv.orgKey}`,
        before: { status: 'Invited', name: inv.name },
        after: { status: 'Active', name: user.name, invitationId: inv.id, newAccount: who.kind === 'account' },
      });
      return { userId: user.id };
    });
  } catch (err) {
    // A concurrent redeem created the same account, or bound this user first.
    if (isUniqueViolation(err)) throw who.kind === 'account' ? new AccountExists() : new Conflict();
    throw err;
  }
  // The account's cached sessions list its organizations, and "not a member here" may be cached too.
  await ctx.invalidate({ kind: 'session', userId: redeemed.userId });
  return { memberId: found.memberId, organizationId: found.orgId, email: found.email, userId: redeemed.userId };
}

// SQL of invitations: one live code per Invited member, found by its digest; every query is scoped by org_id
// except the look-up by digest, which is how a code names its organization.
import type { Q } from './iam-store.ts';

export interface InvitationRow {
  id: string;
  orgId: string;
  memberId: string;
  email: string;
  name: string;
  invitorId: string | null;
  createdAt: number;
  expiresAt: number;
}

const invitationRows = (db: Q) =>
  db
    .selectFrom('invitations')
    .innerJoin('members', 'members.id', 'invitations.member_id')
    .select([
      'invitations.id',
      'invitations.org_id as orgId',
      'invitations.member_id as memberId',
      'members.email',
      'members.name',
      'invitations.created_by_member_id as invitorId',
      'invitations.created_at as createdAt',
      'invitations.expires_at as expiresAt',
    ])
    .where('members.status', '=', 'Invited');

export async function findInvitation(db: Q, orgId: string, id: string): Promise<InvitationRow | null> {
  return (await invitationRows(db).where('invitations.org_id', '=', orgId).where('invitations.id', '=', id).executeTakeFirst()) ?? null;
}

export async function findInvitationByDigest(db: Q, digest: string): Promise<(InvitationRow & { orgKey: string }) | null> {
  const r = await invitationRows(db)
    .innerJoin('organizations', 'organizations.id', 'invitations.org_id')
    .select('organizations.key as orgKey')
    .where('invitations.digest', '=', digest)
    .executeTakeFirst();
  return r ?? null;
}

export async function listInvitations(db: Q, orgId: string, pageIndex: number, pageSize: number) {
  const q = invitationRows(db).where('invitations.org_id', '=', orgId);
  // Counted over the same rows as the page (pending invitations of Invited members), so totalCount never promises more.
  const total = await q
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const items = await q
    .orderBy('invitations.created_at', 'desc')
    .orderBy('invitations.id')
    .offset(pageIndex * pageSize)
    .limit(pageSize)
    .execute();
  return { totalCount: Number(total.n), items };
}

/** Replaces any earlier code of the member: only the newest one works. */
export async function putInvitation(db: Q, row: { id: string; orgId: string; memberId: string; digest: string; createdBy: string | null; createdAt: number; expiresAt: number }) {
  await db.deleteFrom('invitations').where('member_id', '=', row.memberId).execute();
  await db
    .insertInto('invitations')
    .values({ id: row.id, org_id: row.orgId, member_id: row.memberId, digest: row.digest, created_by_member_id: row.createdBy, created_at: row.createdAt, expires_at: row.expiresAt })
    .execute();
}

/** Deletes the code if it is still there: true for exactly one of any number of concurrent callers. */
export async function consumeInvitation(db: Q, id: string, digest: string): Promise<boolean> {
  const res = await db.deleteFrom('invitations').where('id', '=', id).where('digest', '=', digest).executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

/** The member's live invitation, if any (removing a member withdraws it). */
export async function deleteMemberInvitations(db: Q, orgId: string, memberId: string): Promise<void> {
  await db.deleteFrom('invitations').where('org_id', '=', orgId).where('member_id', '=', memberId).execute();
}

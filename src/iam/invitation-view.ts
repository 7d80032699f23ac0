// What an invitation looks like in answers. The code appears only in IssuedInvitation, the answer to whoever issued it.
import type { Static } from 'typebox';
import { iso } from '../platform/clock.ts';
import { Type } from '../platform/schemas.ts';
import type { InvitationRow } from './invitation-store.ts';

export const IssuedInvitation = Type.Object({ id: Type.String(), code: Type.String(), url: Type.String(), expiresAt: Type.String() });

/** The only value that carries a plaintext code: returned once, to the inviter. */
export type IssuedInvitation = Static<typeof IssuedInvitation>;

export const PendingInvitation = Type.Object({
  id: Type.String(),
  memberId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  invitorId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  expired: Type.Boolean(),
});

export type PendingInvitation = Static<typeof PendingInvitation>;

/** A pending invitation as listed: never its code; `expired` as of `now`. */
export const pendingInvitationView = (i: InvitationRow, now: number): PendingInvitation => ({
  id: i.id,
  memberId: i.memberId,
  email: i.email,
  name: i.name,
  invitorId: i.invitorId,
  createdAt: iso(i.createdAt)!,
  expiresAt: iso(i.expiresAt)!,
  expired: now >= i.expiresAt,
});

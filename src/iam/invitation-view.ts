// What an invitation looks like in answers. The code appears only in IssuedInvitation, the answer to whoever issued it.
import { Type } from '../platform/schemas.ts';

export const IssuedInvitation = Type.Object({ id: Type.String(), code: Type.String(), url: Type.String(), expiresAt: Type.String() });

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

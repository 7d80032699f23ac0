// What clients see of groups: FeatBit's GroupVm, GroupMemberVm and GroupPolicyVm.
import type { Static } from 'typebox';
import { iso } from '../platform/clock.ts';
import { Type } from '../platform/schemas.ts';
import type { GroupRow } from './group-store.ts';

export const GroupVm = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), updatedAt: Type.String() });
export const GroupMemberVm = Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), isGroupMember: Type.Boolean() });
export const GroupPolicyVm = Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), description: Type.String(), isGroupPolicy: Type.Boolean() });

export const groupVm = (g: Pick<GroupRow, 'id' | 'name' | 'description' | 'updated_at'>): Static<typeof GroupVm> => ({
  id: g.id,
  name: g.name,
  description: g.description,
  updatedAt: iso(g.updated_at)!,
});

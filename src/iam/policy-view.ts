// What clients see of policies: FeatBit's PolicyVm, PolicyMemberVm and PolicyGroupVm.
import type { Static } from 'typebox';
import { iso } from '../platform/clock.ts';
import { StatementSchema, Type } from '../platform/schemas.ts';
import type { PolicyRow } from './policy-store.ts';

export const PolicyVm = Type.Object({
  id: Type.String(),
  name: Type.String(),
  key: Type.String(),
  type: Type.String(),
  description: Type.String(),
  statements: Type.Array(StatementSchema),
  updatedAt: Type.String(),
});
export const PolicyMemberVm = Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), isPolicyMember: Type.Boolean() });
export const PolicyGroupVm = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), isPolicyGroup: Type.Boolean() });

export const policyVm = (p: PolicyRow): Static<typeof PolicyVm> => ({
  id: p.id,
  name: p.name,
  key: p.key,
  type: p.type,
  description: p.description,
  statements: p.statements,
  updatedAt: iso(p.updatedAt)!,
});

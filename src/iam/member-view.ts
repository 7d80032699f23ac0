// What clients see of members: FeatBit's MemberVm (id, email, name, invitorId, initialPassword, groups) and Ensign's additions.
import type { Static } from 'typebox';
import { iso } from '../platform/clock.ts';
import { StatementSchema, Type } from '../platform/schemas.ts';
import type { Statement } from '../policy/statement.ts';
import type { MemberRow } from './member-store.ts';

/** FeatBit's MemberGroupVm: a group of the member (isGroupMember), or of the organization in a getAllGroups listing. */
export const MemberGroupVm = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), memberId: Type.String(), isGroupMember: Type.Boolean() });

export const MemberVm = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  /** Invited: added, no access, no account bound until the invitation is redeemed. */
  status: Type.Union([Type.Literal('Active'), Type.Literal('Invited')]),
  invitorId: Type.Union([Type.String(), Type.Null()]),
  /** FeatBit's MemberVm field; always null: nobody chooses another person's password. */
  initialPassword: Type.Null(),
  createdAt: Type.String(),
  policies: Type.Array(Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() })),
  groups: Type.Array(MemberGroupVm),
});

/** A policy the member holds, as FeatBit's PolicyVm, with where it comes from (directly, or through a group). */
export const MemberPolicyItem = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  type: Type.String(),
  description: Type.String(),
  statements: Type.Array(StatementSchema),
  updatedAt: Type.String(),
  inherited: Type.Boolean(),
  groupId: Type.Union([Type.String(), Type.Null()]),
  groupName: Type.Union([Type.String(), Type.Null()]),
});

/** FeatBit's MemberPolicyVm (direct-policies). */
export const MemberPolicyVm = Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), description: Type.String(), isMemberPolicy: Type.Boolean() });

/** FeatBit's InheritedMemberPolicy (inherited-policies): one per group the policy comes through. */
export const InheritedMemberPolicyVm = Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), description: Type.String(), createdAt: Type.String(), groupName: Type.String() });

export type MemberView = Static<typeof MemberVm>;
export type MemberPolicyView = Static<typeof MemberPolicyItem>;

interface PolicyLink {
  memberId: string;
  id: string;
  key: string;
  name: string;
}
interface GroupLink {
  memberId: string;
  id: string;
  name: string;
  description: string;
}
interface HeldPolicy {
  id: string;
  key: string;
  name: string;
  type: string;
  description: string;
  statements: string;
  updatedAt: number;
}

/** Members with their direct policies and groups (each list holds the links of every member given). */
export function memberViews(rows: Pick<MemberRow, 'id' | 'name' | 'email' | 'status' | 'invitorId' | 'createdAt'>[], policies: PolicyLink[], groups: GroupLink[]): MemberView[] {
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    status: r.status,
    invitorId: r.invitorId,
    initialPassword: null,
    createdAt: iso(r.createdAt)!,
    policies: policies.filter((p) => p.memberId === r.id).map((p) => ({ id: p.id, key: p.key, name: p.name })),
    groups: groups.filter((g) => g.memberId === r.id).map((g) => ({ id: g.id, name: g.name, description: g.description, memberId: r.id, isGroupMember: true })),
  }));
}

/** A held policy, directly (no group) or through a group. */
export function memberPolicyView(p: HeldPolicy, group: { id: string; name: string } | null): MemberPolicyView {
  return {
    id: p.id,
    key: p.key,
    name: p.name,
    type: p.type,
    description: p.description,
    statements: JSON.parse(p.statements) as Statement[],
    updatedAt: iso(p.updatedAt)!,
    inherited: group !== null,
    groupId: group?.id ?? null,
    groupName: group?.name ?? null,
  };
}

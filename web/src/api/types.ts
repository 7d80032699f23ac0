import type { Statement } from '../../../src/policy/statement.ts';

export type { Statement };

export interface OrganizationRef {
  id: string;
  name: string;
}

export interface Profile {
  id: string;
  name: string;
  email: string;
  organizations: OrganizationRef[];
}

export interface Permissions {
  memberId: string;
  statements: Statement[];
}

export type TokenType = 'Personal' | 'Service';
export type TokenStatus = 'Active' | 'Inactive';

export interface AccessTokenView {
  id: string;
  name: string;
  type: TokenType;
  status: TokenStatus;
  inactiveReason: null | 'Deactivated' | 'OwnerRemoved';
  token: string;
  permissions: Statement[];
  creator: { id: string; name: string; email: string | null };
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  // What the caller may do to this token, as the server decides it.
  allowedOperations?: ('rename' | 'activate' | 'deactivate' | 'reset' | 'remove')[];
}

// The only shape that carries a plaintext secret: the create/reset answer.
export interface AccessTokenWithSecret extends AccessTokenView {
  secret: string;
}

export interface PolicyRef {
  id: string;
  key: string;
  name: string;
}

export interface GroupRef {
  id: string;
  name: string;
}

export interface Member {
  id: string;
  name: string;
  email: string;
  // Invited: added, no access until the person redeems their invitation code.
  status?: 'Active' | 'Invited';
  invitorId?: string | null;
  policies: PolicyRef[];
  groups: GroupRef[];
}

// The answer that carries an invitation code: shown once, never stored by the UI.
export interface IssuedInvitation {
  id: string;
  code: string;
  url: string;
  expiresAt: string;
}

export interface PendingInvitation {
  id: string;
  memberId: string;
  email: string;
  name: string;
  invitorId: string | null;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
}

export interface MemberPolicy extends PolicyRef {
  type?: 'SysManaged' | 'CustomerManaged';
  // Direct policies vs. those inherited through a group.
  inherited?: boolean;
  direct?: boolean;
  groupId?: string | null;
  groupName?: string | null;
  group?: GroupRef | null;
  source?: string;
}

/** FeatBit's GroupVm. */
export interface Group {
  id: string;
  name: string;
  description: string;
  updatedAt: string;
}

/** A row of GET /groups/{id}/members (FeatBit's GroupMemberVm). */
export interface GroupMember {
  id: string;
  name: string;
  email: string;
  isGroupMember: boolean;
}

/** A row of GET /groups/{id}/policies (FeatBit's GroupPolicyVm). */
export interface GroupPolicy {
  id: string;
  name: string;
  type: 'SysManaged' | 'CustomerManaged';
  description: string;
  isGroupPolicy: boolean;
}

export interface Policy {
  id: string;
  key: string;
  name: string;
  description: string;
  type: 'SysManaged' | 'CustomerManaged';
  statements: Statement[];
}

/** An SDK key: a client key whole; a server key whole only in the response that created it, a hint afterwards. */
export interface EnvSecret {
  id: string;
  name: string;
  type: 'server' | 'client';
  value: string;
  previousValidUntil: string | null;
}

export interface Environment {
  id: string;
  name: string;
  key: string;
  description?: string;
  secrets?: EnvSecret[];
}

export interface Project {
  id: string;
  name: string;
  key: string;
  environments: Environment[];
}

export interface Variation {
  id: string;
  name: string;
  value: string;
}

export interface FeatureFlag {
  id: string;
  envId: string;
  key: string;
  name: string;
  description: string;
  isEnabled: boolean;
  variationType: 'boolean' | 'string' | 'number' | 'json';
  variations: Variation[];
  enabledVariationId: string;
  disabledVariationId: string;
  revision: string;
  targetUsers: TargetUser[];
  rules: TargetRule[];
  fallthrough: Fallthrough;
  exptIncludeAllTargets: boolean;
  tags: string[];
  isArchived: boolean;
  creatorId: string;
  updatorId: string;
  createdAt: string;
  updatedAt: string;
}

// A flag list item: FeatBit's FeatureFlagVm. `serves` holds the values served when on (targeting, rules and
// default rule) and when off; `lastChange` is the flag's latest audit entry.
export interface UserVm {
  id: string;
  name: string;
  email: string;
}
export interface FeatureFlagVm {
  id: string;
  name: string;
  description: string;
  key: string;
  isEnabled: boolean;
  variationType: FeatureFlag['variationType'];
  variations: Variation[];
  createdAt: string;
  updatedAt: string;
  creator: UserVm | null;
  serves: { enabledVariations: string[]; disabledVariation: string };
  tags: string[];
  lastChange: { operator: UserVm; happenedAt: string; comment: string } | null;
}

// FeatBit's targeting model, as the server's views show it (src/targeting/targeting-schemas.ts).
export interface Condition {
  id?: string;
  property: string;
  op: string;
  value: string;
}

export interface RolloutVariation {
  id: string;
  // [from, to] within [0, 1]: the share of users (by bucket) served this variation.
  rollout: [number, number];
  exptRollout: number;
}

export interface TargetRule {
  id: string;
  name: string;
  dispatchKey: string | null;
  includedInExpt: boolean;
  conditions: Condition[];
  variations: RolloutVariation[];
}

export interface Fallthrough {
  dispatchKey: string | null;
  includedInExpt: boolean;
  variations: RolloutVariation[];
}

export interface TargetUser {
  variationId: string;
  keyIds: string[];
}

// The `targeting` of `PUT …/feature-flags/{key}/targeting {revision, targeting, comment?}`.
export interface FlagTargeting {
  targetUsers: TargetUser[];
  rules: TargetRule[];
  fallthrough: Fallthrough;
  exptIncludeAllTargets: boolean;
}

// A segment's rule: conditions only.
export interface MatchRule {
  id: string;
  name: string;
  conditions: Condition[];
}

export type SegmentType = 'environment-specific' | 'shared';

export interface Segment {
  id: string;
  envId: string;
  key: string;
  name: string;
  description: string;
  type: SegmentType;
  scopes: string[];
  included: string[];
  excluded: string[];
  rules: MatchRule[];
  tags: string[];
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
}

// `GET …/segments/{id}/flag-references`: the flags whose rules name a segment.
export interface FlagReference {
  id: string;
  envId: string;
  name: string;
  key: string;
}

// A user as the SDKs describe one; keyId and name are built in, anything else is a custom property.
export interface EvalUser {
  keyId: string;
  name: string;
  customizedProperties: { name: string; value: string }[];
}

// `POST …/feature-flags/{key}/evaluate {user}`.
export interface EvaluationResult {
  // null when the flag serves the user nothing (rollout ranges leaving the user's bucket uncovered).
  variation: { id: string; value: string } | null;
  // FeatBit's matchReason: "flag disabled", "targeted", the matching rule's name, or "default".
  reason: string;
  kind: 'disabled' | 'targeted' | 'rule' | 'fallthrough' | 'none' | string;
}

export interface AuditActor {
  kind: 'member' | 'token';
  memberId?: string;
  memberName?: string;
  tokenId?: string;
  tokenName?: string;
}

export interface AuditEntry {
  id: string;
  createdAt: string;
  action: string;
  refType: string;
  refId: string;
  refKey: string;
  projectId?: string | null;
  envId?: string | null;
  actor: AuditActor;
  changes: { before: unknown; after: unknown };
  // The note given with the change; '' when none.
  comment: string;
}

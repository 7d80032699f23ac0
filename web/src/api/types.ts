import type { Statement } from '../../../src/iam/statement.ts';

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
  tags: string[];
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
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
  refKey?: string | null;
  projectId?: string | null;
  envId?: string | null;
  actor: AuditActor;
  changes: { before: unknown; after: unknown };
}

// Every operation's operationId, in one table: the names client generators give their methods (the web UI's
// generated types use them). Keys are the document's method and path. A new route needs a line here, or
// test/platform/openapi-document.test.ts fails; renaming an id breaks generated clients, so ids never change.
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  // identity
  'GET /api/v1/setup': 'getSetupStatus',
  'POST /api/v1/setup': 'setUp',
  'POST /api/v1/identity/login-by-email': 'loginByEmail',
  'POST /api/v1/identity/logout': 'logout',
  'POST /api/v1/invitations/redeem': 'redeemInvitation',
  'PUT /api/v1/user/password': 'changePassword',
  'GET /api/v1/user/profile': 'getProfile',
  'GET /api/v1/user/permissions': 'getPermissions',
  'POST /api/v1/iam/explain': 'explainDecision',

  // organizations
  'GET /api/v1/organizations': 'listOrganizations',
  'POST /api/v1/organizations': 'createOrganization',
  'PUT /api/v1/organizations/{orgId}': 'renameOrganization',

  // projects and environments
  'GET /api/v1/projects': 'listProjects',
  'POST /api/v1/projects': 'createProject',
  'GET /api/v1/projects/{projectId}': 'getProject',
  'PUT /api/v1/projects/{projectId}': 'renameProject',
  'DELETE /api/v1/projects/{projectId}': 'deleteProject',
  'POST /api/v1/projects/{projectId}/envs': 'createEnvironment',
  'GET /api/v1/projects/{projectId}/envs/{envId}': 'getEnvironment',
  'PUT /api/v1/projects/{projectId}/envs/{envId}': 'updateEnvironment',
  'DELETE /api/v1/projects/{projectId}/envs/{envId}': 'deleteEnvironment',

  // environment secrets (SDK keys)
  'POST /api/v1/envs/{envId}/secrets': 'createEnvironmentSecret',
  'PUT /api/v1/envs/{envId}/secrets/{id}': 'renameEnvironmentSecret',
  'DELETE /api/v1/envs/{envId}/secrets/{id}': 'deleteEnvironmentSecret',
  'POST /api/v1/envs/{envId}/secrets/{id}/rotate': 'rotateEnvironmentSecret',

  // feature flags
  'GET /api/v1/envs/{envId}/feature-flags': 'listFeatureFlags',
  'POST /api/v1/envs/{envId}/feature-flags': 'createFeatureFlag',
  'GET /api/v1/envs/{envId}/feature-flags/all-tags': 'listFeatureFlagTags',
  'POST /api/v1/envs/{envId}/feature-flags/clone/{key}': 'cloneFeatureFlag',
  'GET /api/v1/envs/{envId}/feature-flags/{key}': 'getFeatureFlag',
  'PATCH /api/v1/envs/{envId}/feature-flags/{key}': 'patchFeatureFlag',
  'DELETE /api/v1/envs/{envId}/feature-flags/{key}': 'deleteFeatureFlag',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/toggle/{status}': 'toggleFeatureFlag',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/archive': 'archiveFeatureFlag',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/restore': 'restoreFeatureFlag',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/name': 'renameFeatureFlag',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/description': 'setFeatureFlagDescription',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/tags': 'setFeatureFlagTags',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/variations': 'setFeatureFlagVariations',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/off-variation': 'setFeatureFlagOffVariation',
  'PUT /api/v1/envs/{envId}/feature-flags/{key}/targeting': 'setFeatureFlagTargeting',
  'POST /api/v1/envs/{envId}/feature-flags/{key}/evaluate': 'evaluateFeatureFlag',
  'GET /api/v1/envs/{envId}/feature-flags/{key}/pending-changes': 'listFeatureFlagPendingChanges',
  'GET /api/v1/envs/{envId}/feature-flags/{key}/insights': 'getFeatureFlagInsights',

  // segments
  'GET /api/v1/envs/{envId}/segments': 'listSegments',
  'POST /api/v1/envs/{envId}/segments': 'createSegment',
  'GET /api/v1/envs/{envId}/segments/by-ids': 'listSegmentsByIds',
  'GET /api/v1/envs/{envId}/segments/all-tags': 'listSegmentTags',
  'GET /api/v1/envs/{envId}/segments/{segmentId}': 'getSegment',
  'PATCH /api/v1/envs/{envId}/segments/{segmentId}': 'patchSegment',
  'DELETE /api/v1/envs/{envId}/segments/{segmentId}': 'deleteSegment',
  'GET /api/v1/envs/{envId}/segments/{segmentId}/flag-references': 'listSegmentFlagReferences',
  'PUT /api/v1/envs/{envId}/segments/{segmentId}/name': 'renameSegment',
  'PUT /api/v1/envs/{envId}/segments/{segmentId}/description': 'setSegmentDescription',
  'PUT /api/v1/envs/{envId}/segments/{segmentId}/tags': 'setSegmentTags',
  'PUT /api/v1/envs/{envId}/segments/{segmentId}/targeting': 'setSegmentTargeting',
  'PUT /api/v1/envs/{envId}/segments/{segmentId}/archive': 'archiveSegment',
  'PUT /api/v1/envs/{envId}/segments/{segmentId}/restore': 'restoreSegment',

  // audit
  'GET /api/v1/audit-logs': 'listAuditLogs',
  'GET /api/v1/envs/{envId}/audit-logs': 'listEnvironmentAuditLogs',

  // members and invitations
  'GET /api/v1/members': 'listMembers',
  'POST /api/v1/members': 'inviteMember',
  'POST /api/v1/members/add': 'addMember',
  'GET /api/v1/members/{memberId}': 'getMember',
  'DELETE /api/v1/members/{memberId}': 'removeMember',
  'DELETE /api/v1/members/remove-from-org/{memberId}': 'removeMemberFromOrganization',
  'PUT /api/v1/members/{memberId}/add-policy/{policyId}': 'addMemberPolicy',
  'PUT /api/v1/members/{memberId}/remove-policy/{policyId}': 'removeMemberPolicy',
  'GET /api/v1/members/{memberId}/policies': 'listMemberPolicies',
  'GET /api/v1/members/{memberId}/groups': 'listMemberGroups',
  'GET /api/v1/members/{memberId}/direct-policies': 'listMemberDirectPolicies',
  'GET /api/v1/members/{memberId}/inherited-policies': 'listMemberInheritedPolicies',
  'POST /api/v1/members/{memberId}/invitation': 'reissueInvitation',
  'GET /api/v1/invitations': 'listInvitations',
  'DELETE /api/v1/invitations/{invitationId}': 'revokeInvitation',

  // groups
  'GET /api/v1/groups': 'listGroups',
  'POST /api/v1/groups': 'createGroup',
  'GET /api/v1/groups/is-name-used': 'isGroupNameUsed',
  'GET /api/v1/groups/{groupId}': 'getGroup',
  'PUT /api/v1/groups/{groupId}': 'updateGroup',
  'DELETE /api/v1/groups/{groupId}': 'deleteGroup',
  'GET /api/v1/groups/{groupId}/members': 'listGroupMembers',
  'GET /api/v1/groups/{groupId}/policies': 'listGroupPolicies',
  'PUT /api/v1/groups/{groupId}/add-member/{memberId}': 'addGroupMember',
  'PUT /api/v1/groups/{groupId}/remove-member/{memberId}': 'removeGroupMember',
  'PUT /api/v1/groups/{groupId}/add-policy/{policyId}': 'addGroupPolicy',
  'PUT /api/v1/groups/{groupId}/remove-policy/{policyId}': 'removeGroupPolicy',

  // policies
  'GET /api/v1/policies': 'listPolicies',
  'POST /api/v1/policies': 'createPolicy',
  'GET /api/v1/policies/is-key-used': 'isPolicyKeyUsed',
  'POST /api/v1/policies/clone/{key}': 'clonePolicyByKey',
  'GET /api/v1/policies/{policyId}': 'getPolicy',
  'DELETE /api/v1/policies/{policyId}': 'deletePolicy',
  'POST /api/v1/policies/{policyId}/clone': 'clonePolicy',
  'PUT /api/v1/policies/{policyId}/settings': 'updatePolicySettings',
  'PUT /api/v1/policies/{policyId}/statements': 'setPolicyStatements',
  'GET /api/v1/policies/{policyId}/members': 'listPolicyMembers',
  'GET /api/v1/policies/{policyId}/groups': 'listPolicyGroups',

  // access tokens
  'GET /api/v1/access-tokens': 'listAccessTokens',
  'POST /api/v1/access-tokens': 'createAccessToken',
  'GET /api/v1/access-tokens/is-name-used': 'isAccessTokenNameUsed',
  'GET /api/v1/access-tokens/current': 'getCurrentAccessToken',
  'POST /api/v1/access-tokens/lookup': 'lookupAccessToken',
  'GET /api/v1/access-tokens/{id}': 'getAccessToken',
  'PUT /api/v1/access-tokens/{id}': 'renameAccessToken',
  'DELETE /api/v1/access-tokens/{id}': 'deleteAccessToken',
  'PUT /api/v1/access-tokens/{id}/activate': 'activateAccessToken',
  'PUT /api/v1/access-tokens/{id}/deactivate': 'deactivateAccessToken',
  'PUT /api/v1/access-tokens/{id}/toggle': 'toggleAccessToken',
  'POST /api/v1/access-tokens/{id}/reset': 'resetAccessToken',
  'GET /api/v1/organizations/{id}/token-policy': 'getTokenPolicy',
  'PUT /api/v1/organizations/{id}/token-policy': 'replaceTokenPolicy',

  // SDK protocol (FeatBit's paths, SDK key)
  'GET /api/public/sdk/server/latest-all': 'pollServerSdkData',
  'POST /api/public/sdk/client/latest-all': 'pollClientSdkData',
  'POST /api/public/insight/track': 'trackInsights',
};

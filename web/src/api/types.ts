// The server's views as the UI uses them, derived from the OpenAPI document (openapi.d.ts, written by
// npm run gen:api-types; CI fails when it is stale). A server schema that changes changes these, and
// npm run typecheck shows the UI code to mend. Hand-written here: only narrowings where a server schema is looser
// than what it sends (statements are typed by the policy core, which the UI imports).
import type { Statement } from '../../../src/policy/statement.ts';
import type { operations } from './openapi.d.ts';

export type { Statement };

type Json<Op extends keyof operations> = operations[Op]['responses'] extends { 200: { content: { 'application/json': infer J } } } ? J : never;
/** The `data` of an operation's 200 answer. */
type Data<Op extends keyof operations> = Json<Op> extends { data: infer D } ? NonNullable<D> : never;
/** One item of a paged list (`data.items`). */
type Item<Op extends keyof operations> = Data<Op> extends { items: (infer T)[] } ? T : never;
/** A request's JSON body. */
type Body<Op extends keyof operations> = operations[Op]['requestBody'] extends { content: { 'application/json': infer B } } | undefined ? B : never;
/** `T` with its `K` holding statements as the policy core types them. */
type WithStatements<T, K extends keyof T> = Omit<T, K> & { [P in K]: Statement[] };

/** The signed-in member (a service token's profile has no organizations). */
export type Profile = Extract<Data<'getProfile'>, { organizations: unknown }>;
export type OrganizationRef = Profile['organizations'][number];
export type Permissions = WithStatements<Data<'getPermissions'>, 'statements'>;

export type AccessTokenView = WithStatements<Data<'getAccessToken'>, 'permissions'>;
/** The only shape that carries a plaintext secret: the create/reset answer. */
export type AccessTokenWithSecret = WithStatements<Data<'createAccessToken'>, 'permissions'>;
export type TokenType = AccessTokenView['type'];
export type TokenStatus = AccessTokenView['status'];
/** An organization's token policy: what it asks of every token (GET/PUT /organizations/{id}/token-policy). */
export type TokenPolicy = Data<'getTokenPolicy'>;

export type Member = Data<'getMember'>;
export type PolicyRef = Member['policies'][number];
export type GroupRef = Member['groups'][number];
/** The answer that carries an invitation code: shown once, never stored by the UI. */
export type IssuedInvitation = Data<'reissueInvitation'>;
export type PendingInvitation = Item<'listInvitations'>;
/** Direct policies and those inherited through a group. */
export type MemberPolicy = Data<'listMemberPolicies'>[number];

/** FeatBit's GroupVm. */
export type Group = Data<'getGroup'>;
/** A row of GET /groups/{id}/members (FeatBit's GroupMemberVm). */
export type GroupMember = Item<'listGroupMembers'>;
/** A row of GET /groups/{id}/policies (FeatBit's GroupPolicyVm). */
export type GroupPolicy = Item<'listGroupPolicies'>;
export type Policy = WithStatements<Data<'getPolicy'>, 'statements'>;

export type Project = Data<'getProject'>;
export type Environment = Project['environments'][number];
/** An SDK key: a client key whole; a server key whole only in the response that created it, a hint afterwards. */
export type EnvSecret = NonNullable<Environment['secrets']>[number];

export type FeatureFlag = Data<'getFeatureFlag'>;
/** A flag list item: FeatBit's FeatureFlagVm (serves: what is served on and off; lastChange: the latest audit entry). */
export type FeatureFlagVm = Data<'listFeatureFlags'>['items'][number];
export type UserVm = NonNullable<FeatureFlagVm['creator']>;
export type Variation = FeatureFlag['variations'][number];
export type TargetUser = FeatureFlag['targetUsers'][number];
export type TargetRule = FeatureFlag['rules'][number];
export type Fallthrough = FeatureFlag['fallthrough'];
export type RolloutVariation = TargetRule['variations'][number];
export type Condition = TargetRule['conditions'][number];
/** The `targeting` of `PUT …/feature-flags/{key}/targeting {revision, targeting, comment?}`, as the flag's view shows it. */
export type FlagTargeting = Pick<FeatureFlag, 'targetUsers' | 'rules' | 'fallthrough' | 'exptIncludeAllTargets'>;

export type Segment = Data<'getSegment'>;
export type SegmentType = Segment['type'];
/** A segment's rule: conditions only. */
export type MatchRule = Segment['rules'][number];
/** `GET …/segments/{id}/flag-references`: the flags whose rules name a segment. */
export type FlagReference = Data<'listSegmentFlagReferences'>[number];

/** A user as the SDKs describe one: keyId and name built in, anything else a custom property. */
export type EvalUser = Body<'evaluateFeatureFlag'>['user'];
/** `POST …/feature-flags/{key}/evaluate {user}`. */
export type EvaluationResult = Data<'evaluateFeatureFlag'>;

export type AuditEntry = Item<'listAuditLogs'>;
export type AuditActor = AuditEntry['actor'];

/** `POST /iam/explain`'s answer: the server's own type. */
export type { Explanation } from '../../../src/policy/explain.ts';

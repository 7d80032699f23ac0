// Policies over HTTP, at FeatBit's paths (PolicyController).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgRoutes, pageRequest } from '../platform/org-route.ts';
import { Description, Id, PageQuery, Paged, StatementSchema, Type } from '../platform/schemas.ts';
import { MAX_STATEMENTS } from '../policy/statement-input.ts';
import { createPolicyService } from './policy-service.ts';
import { PolicyGroupVm, PolicyMemberVm, PolicyVm } from './policy-view.ts';
import { GroupsQuery, MembersQuery, SearchText, relationFilter } from './relation-query.ts';

const Statements = Type.Array(StatementSchema, { maxItems: MAX_STATEMENTS });
// Blank name or key is `…_is_required` (the service's check); FeatBit sends `description: null` when there is none.
const NameField = Type.String({ maxLength: 128 });
const KeyField = Type.String({ maxLength: 128 });
const DescriptionField = Type.Optional(Type.Union([Description, Type.Null()]));
const PolicyParams = Type.Object({ policyId: Id });

export async function policyRoutes(app: FastifyInstance, ctx: AppContext) {
  const policies = createPolicyService(ctx);
  const route = orgRoutes(app, ['iam']);

  route.get(
    '/policies',
    { summary: 'List policies, newest first; name matches part of the name [CanManageIAM]', querystring: Type.Object({ name: SearchText, ...PageQuery }), response: Paged(PolicyVm) },
    (p, r) => policies.list(p, r.query.name, pageRequest(r.query)),
  );

  route.get(
    '/policies/is-key-used',
    {
      summary: 'Whether a policy key is taken in this organization (case-insensitive) [CanManageIAM]',
      querystring: Type.Object({ key: Type.String({ maxLength: 256 }) }),
      response: Type.Boolean(),
    },
    (p, r) => policies.isKeyUsed(p, r.query.key),
  );

  route.post(
    '/policies',
    {
      summary: 'Create a custom policy → PolicyVm; a taken key is 422 KeyHasBeenUsed [CanManageIAM, covering its statements]',
      body: Type.Object({ name: NameField, key: KeyField, description: DescriptionField, statements: Type.Optional(Statements) }, { additionalProperties: false }),
      response: PolicyVm,
    },
    (p, r) => policies.create(p, r.body),
  );

  route.post(
    '/policies/clone/:key',
    {
      summary: 'Copy the policy with this key (of originPolicyType) into a new custom policy → PolicyVm [CanManageIAM, covering its statements]',
      params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 128 }) }),
      body: Type.Object({ originPolicyType: Type.String({ maxLength: 32 }), name: NameField, key: KeyField, description: DescriptionField }, { additionalProperties: false }),
      response: PolicyVm,
    },
    (p, r) => policies.cloneByKey(p, r.params.key, r.body),
  );

  route.get('/policies/:policyId', { summary: 'A policy → PolicyVm [CanManageIAM]', params: PolicyParams, response: PolicyVm }, (p, r) => policies.get(p, r.params.policyId));

  route.post(
    '/policies/:policyId/clone',
    {
      summary: "Copy a policy (built-in ones too) by id into a new custom policy; the description defaults to the source's [CanManageIAM, covering its statements]",
      params: PolicyParams,
      body: Type.Object({ name: NameField, key: KeyField, description: DescriptionField }, { additionalProperties: false }),
      response: PolicyVm,
    },
    (p, r) => policies.cloneById(p, r.params.policyId, r.body),
  );

  route.put(
    '/policies/:policyId/settings',
    {
      summary: 'Rename or describe a custom policy → PolicyVm [CanManageIAM]',
      params: PolicyParams,
      body: Type.Object({ name: NameField, description: DescriptionField }, { additionalProperties: false }),
      response: PolicyVm,
    },
    (p, r) => policies.updateSettings(p, r.params.policyId, r.body),
  );

  route.put(
    '/policies/:policyId/statements',
    { summary: "Replace a custom policy's statements → PolicyVm [CanManageIAM, covering the old and the new statements]", params: PolicyParams, body: Statements, response: PolicyVm },
    (p, r) => policies.updateStatements(p, r.params.policyId, r.body),
  );

  route.delete(
    '/policies/:policyId',
    { summary: 'Delete a custom policy (detached from everyone) → true [CanManageIAM, covering it]', params: PolicyParams, response: Type.Boolean() },
    async (p, r) => {
      await policies.remove(p, r.params.policyId);
      return true;
    },
  );

  route.get(
    '/policies/:policyId/members',
    {
      summary: 'Members holding the policy directly, newest first; getAllMembers=true lists every member, isPolicyMember marking them; searchText matches part of the email [CanManageIAM]',
      params: PolicyParams,
      querystring: MembersQuery,
      response: Paged(PolicyMemberVm),
    },
    (p, r) => policies.members(p, r.params.policyId, relationFilter(r.query.searchText, r.query.getAllMembers, r.query)),
  );

  route.get(
    '/policies/:policyId/groups',
    {
      summary: 'Groups holding the policy, newest first; getAllGroups=true lists every group, isPolicyGroup marking them; name matches part of the name [CanManageIAM]',
      params: PolicyParams,
      querystring: GroupsQuery,
      response: Paged(PolicyGroupVm),
    },
    (p, r) => policies.groups(p, r.params.policyId, relationFilter(r.query.name, r.query.getAllGroups, r.query)),
  );
}

// Policies over HTTP, at FeatBit's paths (PolicyController).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Description, Id, PageQuery, Paged, StatementSchema, Type, responses } from '../platform/schemas.ts';
import { MAX_STATEMENTS } from '../policy/statement-input.ts';
import { createPolicyService } from './policy-service.ts';
import { PolicyGroupVm, PolicyMemberVm, PolicyVm } from './policy-view.ts';

const Statements = Type.Array(StatementSchema, { maxItems: MAX_STATEMENTS });
// Blank name or key is `…_is_required` (the service's check); FeatBit sends `description: null` when there is none.
const NameField = Type.String({ maxLength: 128 });
const KeyField = Type.String({ maxLength: 128 });
const DescriptionField = Type.Optional(Type.Union([Description, Type.Null()]));
const PolicyParams = Type.Object({ policyId: Id });

export async function policyRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const policies = createPolicyService(ctx);
  const tags = ['iam'];

  app.get(
    '/policies',
    {
      schema: {
        tags,
        summary: 'List policies, newest first; name matches part of the name [CanManageIAM]',
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }),
        response: responses(Paged(PolicyVm)),
      },
    },
    async (request) => {
      const { name, pageIndex = 0, pageSize = 10 } = request.query;
      return ok(await policies.list(orgPrincipalOf(request), name, { pageIndex, pageSize }));
    },
  );

  app.get(
    '/policies/is-key-used',
    {
      schema: {
        tags,
        summary: 'Whether a policy key is taken in this organization (case-insensitive) [CanManageIAM]',
        querystring: Type.Object({ key: Type.String({ maxLength: 256 }) }),
        response: responses(Type.Boolean()),
      },
    },
    async (request) => ok(await policies.isKeyUsed(orgPrincipalOf(request), request.query.key)),
  );

  app.post(
    '/policies',
    {
      schema: {
        tags,
        summary: 'Create a custom policy → PolicyVm; a taken key is 422 KeyHasBeenUsed [CanManageIAM, covering its statements]',
        body: Type.Object({ name: NameField, key: KeyField, description: DescriptionField, statements: Type.Optional(Statements) }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => ok(await policies.create(orgPrincipalOf(request), request.body)),
  );

  app.post(
    '/policies/clone/:key',
    {
      schema: {
        tags,
        summary: 'Copy the policy with this key (of originPolicyType) into a new custom policy → PolicyVm [CanManageIAM, covering its statements]',
        params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: Type.Object({ originPolicyType: Type.String({ maxLength: 32 }), name: NameField, key: KeyField, description: DescriptionField }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => ok(await policies.cloneByKey(orgPrincipalOf(request), request.params.key, request.body)),
  );

  app.get('/policies/:policyId', { schema: { tags, summary: 'A policy → PolicyVm [CanManageIAM]', params: PolicyParams, response: responses(PolicyVm) } }, async (request) =>
    ok(await policies.get(orgPrincipalOf(request), request.params.policyId)),
  );

  app.post(
    '/policies/:policyId/clone',
    {
      schema: {
        tags,
        summary: "Copy a policy (built-in ones too) by id into a new custom policy; the description defaults to the source's [CanManageIAM, covering its statements]",
        params: PolicyParams,
        body: Type.Object({ name: NameField, key: KeyField, description: DescriptionField }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => ok(await policies.cloneById(orgPrincipalOf(request), request.params.policyId, request.body)),
  );

  app.put(
    '/policies/:policyId/settings',
    {
      schema: {
        tags,
        summary: 'Rename or describe a custom policy → PolicyVm [CanManageIAM]',
        params: PolicyParams,
        body: Type.Object({ name: NameField, description: DescriptionField }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => ok(await policies.updateSettings(orgPrincipalOf(request), request.params.policyId, request.body)),
  );

  app.put(
    '/policies/:policyId/statements',
    {
      schema: {
        tags,
        summary: "Replace a custom policy's statements → PolicyVm [CanManageIAM, covering the old and the new statements]",
        params: PolicyParams,
        body: Statements,
        response: responses(PolicyVm),
      },
    },
    async (request) => ok(await policies.updateStatements(orgPrincipalOf(request), request.params.policyId, request.body)),
  );

  app.delete(
    '/policies/:policyId',
    { schema: { tags, summary: 'Delete a custom policy (detached from everyone) → true [CanManageIAM, covering it]', params: PolicyParams, response: responses(Type.Boolean()) } },
    async (request) => {
      await policies.remove(orgPrincipalOf(request), request.params.policyId);
      return ok(true);
    },
  );

  app.get(
    '/policies/:policyId/members',
    {
      schema: {
        tags,
        summary: 'Members holding the policy directly, newest first; getAllMembers=true lists every member, isPolicyMember marking them; searchText matches part of the email [CanManageIAM]',
        params: PolicyParams,
        querystring: Type.Object({ searchText: Type.Optional(Type.String({ maxLength: 256 })), getAllMembers: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(PolicyMemberVm)),
      },
    },
    async (request) => {
      const q = request.query;
      return ok(
        await policies.members(orgPrincipalOf(request), request.params.policyId, {
          text: q.searchText?.trim() || undefined,
          all: q.getAllMembers ?? false,
          pageIndex: q.pageIndex ?? 0,
          pageSize: q.pageSize ?? 10,
        }),
      );
    },
  );

  app.get(
    '/policies/:policyId/groups',
    {
      schema: {
        tags,
        summary: 'Groups holding the policy, newest first; getAllGroups=true lists every group, isPolicyGroup marking them; name matches part of the name [CanManageIAM]',
        params: PolicyParams,
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), getAllGroups: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(PolicyGroupVm)),
      },
    },
    async (request) => {
      const q = request.query;
      return ok(
        await policies.groups(orgPrincipalOf(request), request.params.policyId, {
          text: q.name?.trim() || undefined,
          all: q.getAllGroups ?? false,
          pageIndex: q.pageIndex ?? 0,
          pageSize: q.pageSize ?? 10,
        }),
      );
    },
  );
}

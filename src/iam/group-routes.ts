// Groups over HTTP, at FeatBit's paths (GroupController).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Description, Id, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { createGroupService } from './group-service.ts';
import { GroupMemberVm, GroupPolicyVm, GroupVm } from './group-view.ts';

export async function groupRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const groups = createGroupService(ctx);
  const tags = ['iam'];
  const GroupParams = Type.Object({ groupId: Id });
  // FeatBit sends `description: null` when there is none; name must not be blank (name_is_required, as FeatBit).
  const GroupBody = Type.Object({ name: Type.String({ maxLength: 128 }), description: Type.Optional(Type.Union([Description, Type.Null()])) }, { additionalProperties: false });
  const MembersQuery = Type.Object({ searchText: Type.Optional(Type.String({ maxLength: 256 })), getAllMembers: Type.Optional(Type.Boolean()), ...PageQuery });
  const PoliciesQuery = Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), getAllPolicies: Type.Optional(Type.Boolean()), ...PageQuery });

  app.get(
    '/groups',
    {
      schema: {
        tags,
        summary: 'List groups, newest first; name matches part of the name [CanManageIAM]',
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }),
        response: responses(Paged(GroupVm)),
      },
    },
    async (request) => {
      const { name, pageIndex = 0, pageSize = 10 } = request.query;
      return ok(await groups.list(orgPrincipalOf(request), name, { pageIndex, pageSize }));
    },
  );

  app.get(
    '/groups/is-name-used',
    {
      schema: {
        tags,
        summary: 'Whether a group name is taken in this organization (case-insensitive) [CanManageIAM]',
        querystring: Type.Object({ name: Type.String({ maxLength: 256 }) }),
        response: responses(Type.Boolean()),
      },
    },
    async (request) => ok(await groups.isNameUsed(orgPrincipalOf(request), request.query.name)),
  );

  app.post('/groups', { schema: { tags, summary: 'Create a group → GroupVm [CanManageIAM]', body: GroupBody, response: responses(GroupVm) } }, async (request) =>
    ok(await groups.create(orgPrincipalOf(request), request.body)),
  );

  app.get('/groups/:groupId', { schema: { tags, summary: 'A group → GroupVm [CanManageIAM]', params: GroupParams, response: responses(GroupVm) } }, async (request) =>
    ok(await groups.get(orgPrincipalOf(request), request.params.groupId)),
  );

  app.put(
    '/groups/:groupId',
    { schema: { tags, summary: 'Rename or describe a group → GroupVm [CanManageIAM]', params: GroupParams, body: GroupBody, response: responses(GroupVm) } },
    async (request) => ok(await groups.update(orgPrincipalOf(request), request.params.groupId, request.body)),
  );

  app.delete(
    '/groups/:groupId',
    { schema: { tags, summary: 'Delete a group → true [CanManageIAM, covering its policies and members]', params: GroupParams, response: responses(Type.Boolean()) } },
    async (request) => {
      await groups.remove(orgPrincipalOf(request), request.params.groupId);
      return ok(true);
    },
  );

  app.get(
    '/groups/:groupId/members',
    {
      schema: {
        tags,
        summary: "The group's members, newest first; getAllMembers=true lists every member, isGroupMember marking the group's; searchText matches part of the email [CanManageIAM]",
        params: GroupParams,
        querystring: MembersQuery,
        response: responses(Paged(GroupMemberVm)),
      },
    },
    async (request) => {
      const q = request.query;
      return ok(
        await groups.members(orgPrincipalOf(request), request.params.groupId, {
          text: q.searchText?.trim() || undefined,
          all: q.getAllMembers ?? false,
          pageIndex: q.pageIndex ?? 0,
          pageSize: q.pageSize ?? 10,
        }),
      );
    },
  );

  app.get(
    '/groups/:groupId/policies',
    {
      schema: {
        tags,
        summary: "The group's policies, newest first; getAllPolicies=true lists every policy, isGroupPolicy marking the group's; name matches part of the name [CanManageIAM]",
        params: GroupParams,
        querystring: PoliciesQuery,
        response: responses(Paged(GroupPolicyVm)),
      },
    },
    async (request) => {
      const q = request.query;
      return ok(
        await groups.policies(orgPrincipalOf(request), request.params.groupId, {
          text: q.name?.trim() || undefined,
          all: q.getAllPolicies ?? false,
          pageIndex: q.pageIndex ?? 0,
          pageSize: q.pageSize ?? 10,
        }),
      );
    },
  );

  for (const op of ['add-member', 'remove-member'] as const) {
    app.put(
      `/groups/:groupId/${op}/:memberId`,
      {
        schema: {
          tags,
          summary: `${op === 'add-member' ? 'Add a member to' : 'Remove a member from'} a group → true (idempotent) [CanManageIAM, covering its policies]`,
          params: Type.Object({ groupId: Id, memberId: Id }),
          response: responses(Type.Boolean()),
        },
      },
      async (request) => {
        await groups.changeMember(orgPrincipalOf(request), request.params.groupId, request.params.memberId, op);
        return ok(true);
      },
    );
  }

  for (const op of ['add-policy', 'remove-policy'] as const) {
    app.put(
      `/groups/:groupId/${op}/:policyId`,
      {
        schema: {
          tags,
          summary: `${op === 'add-policy' ? 'Attach a policy to' : 'Detach a policy from'} a group → true (idempotent) [CanManageIAM, covering the policy]`,
          params: Type.Object({ groupId: Id, policyId: Id }),
          response: responses(Type.Boolean()),
        },
      },
      async (request) => {
        await groups.changePolicy(orgPrincipalOf(request), request.params.groupId, request.params.policyId, op);
        return ok(true);
      },
    );
  }
}

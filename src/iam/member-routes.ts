// Members over HTTP: invite (POST /members, FeatBit's /members/add), list, read, remove, their policies and groups.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Email, Id, Name, PageQuery, Paged, Type, normalizeEmail, responses } from '../platform/schemas.ts';
import { IssuedInvitation } from './invitation-view.ts';
import { createMemberService } from './member-service.ts';
import { InheritedMemberPolicyVm, MemberGroupVm, MemberPolicyItem, MemberPolicyVm, MemberVm } from './member-view.ts';

const AddMemberBody = Type.Object(
  { email: Email, name: Type.Optional(Name), policyIds: Type.Optional(Type.Array(Id, { maxItems: 50 })), groupIds: Type.Optional(Type.Array(Id, { maxItems: 50 })) },
  { additionalProperties: false },
);
const MemberParams = Type.Object({ memberId: Id });
const SearchText = Type.Optional(Type.String({ maxLength: 256 }));

export async function memberRoutes(server: FastifyInstance, ctx: AppContext) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const members = createMemberService(ctx);
  const tags = ['iam'];

  app.get(
    '/members',
    { schema: { tags, summary: 'List members, Invited ones included [CanManageIAM]', querystring: Type.Object({ searchText: SearchText, ...PageQuery }), response: responses(Paged(MemberVm)) } },
    async (request) => {
      const { searchText, pageIndex = 0, pageSize = 10 } = request.query;
      return ok(await members.list(orgPrincipalOf(request), searchText, { pageIndex, pageSize }));
    },
  );

  app.post(
    '/members',
    {
      schema: {
        tags,
        summary:
          "Invite a member: the member exists at once as Invited (no access) and a one-time code (7 days) is returned, only here. name defaults to the email's local part; policyIds replaces the organization's defaults [CanManageIAM, covering]",
        body: AddMemberBody,
        response: responses(Type.Object({ member: MemberVm, invitation: IssuedInvitation })),
      },
    },
    async (request) => ok(await members.invite(orgPrincipalOf(request), { ...request.body, email: normalizeEmail(request.body.email) })),
  );

  app.post(
    '/members/add',
    {
      schema: {
        tags,
        summary: "FeatBit's add-member: invites like POST /members and answers true; get a code with POST /members/{memberId}/invitation [CanManageIAM, covering]",
        body: AddMemberBody,
        response: responses(Type.Boolean()),
      },
    },
    async (request) => {
      await members.invite(orgPrincipalOf(request), { ...request.body, email: normalizeEmail(request.body.email) });
      return ok(true);
    },
  );

  app.get('/members/:memberId', { schema: { tags, summary: 'A member [CanManageIAM, or oneself]', params: MemberParams, response: responses(MemberVm) } }, async (request) =>
    ok(await members.get(orgPrincipalOf(request), request.params.memberId)),
  );

  for (const path of ['/members/:memberId', '/members/remove-from-org/:memberId']) {
    app.delete(
      path,
      {
        schema: {
          tags,
          summary: `${path.includes('remove-from-org') ? "FeatBit's name for DELETE /members/{memberId}. " : ''}Remove a member (or withdraw an invitation): their personal tokens become inactive (OwnerRemoved) and their sessions there end [CanManageIAM, covering the member]`,
          params: MemberParams,
          response: responses(Type.Boolean()),
        },
      },
      async (request) => {
        await members.remove(orgPrincipalOf(request), request.params.memberId);
        return ok(true);
      },
    );
  }

  for (const op of ['add', 'remove'] as const) {
    app.put(
      `/members/:memberId/${op}-policy/:policyId`,
      {
        schema: {
          tags,
          summary: op === 'add' ? 'Attach a policy to a member [CanManageIAM, covering the policy]' : 'Detach a policy from a member [CanManageIAM]',
          params: Type.Object({ memberId: Id, policyId: Id }),
          response: responses(MemberVm),
        },
      },
      async (request) => ok(await members.changePolicy(orgPrincipalOf(request), request.params.memberId, request.params.policyId, op)),
    );
  }

  app.get(
    '/members/:memberId/policies',
    {
      schema: {
        tags,
        summary: "A member's direct and inherited (through groups) policies, as PolicyVm with their source [CanManageIAM, or oneself]",
        params: MemberParams,
        response: responses(Type.Array(MemberPolicyItem)),
      },
    },
    async (request) => ok(await members.policies(orgPrincipalOf(request), request.params.memberId)),
  );

  app.get(
    '/members/:memberId/groups',
    {
      schema: {
        tags,
        summary:
          "The member's groups, newest first; getAllGroups=true lists every group, isGroupMember marking the member's; name matches part of the name [CanManageIAM, or oneself without getAllGroups]",
        params: MemberParams,
        querystring: Type.Object({ name: SearchText, getAllGroups: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(MemberGroupVm)),
      },
    },
    async (request) => {
      const q = request.query;
      return ok(
        await members.groups(orgPrincipalOf(request), request.params.memberId, {
          text: q.name?.trim() || undefined,
          all: q.getAllGroups ?? false,
          pageIndex: q.pageIndex ?? 0,
          pageSize: q.pageSize ?? 10,
        }),
      );
    },
  );

  app.get(
    '/members/:memberId/direct-policies',
    {
      schema: {
        tags,
        summary:
          "The member's direct policies, newest first; getAllPolicies=true lists every policy, isMemberPolicy marking the member's; name matches part of the name [CanManageIAM, or oneself without getAllPolicies]",
        params: MemberParams,
        querystring: Type.Object({ name: SearchText, getAllPolicies: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(MemberPolicyVm)),
      },
    },
    async (request) => {
      const q = request.query;
      return ok(
        await members.directPolicies(orgPrincipalOf(request), request.params.memberId, {
          text: q.name?.trim() || undefined,
          all: q.getAllPolicies ?? false,
          pageIndex: q.pageIndex ?? 0,
          pageSize: q.pageSize ?? 10,
        }),
      );
    },
  );

  app.get(
    '/members/:memberId/inherited-policies',
    {
      schema: {
        tags,
        summary: 'Policies the member holds through groups, one per group, newest first; name matches part of the name [CanManageIAM, or oneself]',
        params: MemberParams,
        querystring: Type.Object({ name: SearchText, ...PageQuery }),
        response: responses(Paged(InheritedMemberPolicyVm)),
      },
    },
    async (request) => {
      const q = request.query;
      return ok(await members.inheritedPolicies(orgPrincipalOf(request), request.params.memberId, { text: q.name?.trim() || undefined, pageIndex: q.pageIndex ?? 0, pageSize: q.pageSize ?? 10 }));
    },
  );
}

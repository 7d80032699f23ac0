// Members over HTTP: invite (POST /members, FeatBit's /members/add), list, read, remove, their policies and groups.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgRoutes, pageRequest } from '../platform/org-route.ts';
import { Email, Id, Name, PageQuery, Paged, Type, normalizeEmail } from '../platform/schemas.ts';
import { IssuedInvitation } from './invitation-view.ts';
import { createMemberService } from './member-service.ts';
import { InheritedMemberPolicyVm, MemberGroupVm, MemberPolicyItem, MemberPolicyVm, MemberVm } from './member-view.ts';
import { GroupsQuery, PoliciesQuery, SearchText, relationFilter } from './relation-query.ts';

const AddMemberBody = Type.Object(
  { email: Email, name: Type.Optional(Name), policyIds: Type.Optional(Type.Array(Id, { maxItems: 50 })), groupIds: Type.Optional(Type.Array(Id, { maxItems: 50 })) },
  { additionalProperties: false },
);
const MemberParams = Type.Object({ memberId: Id });

export async function memberRoutes(app: FastifyInstance, ctx: AppContext) {
  const members = createMemberService(ctx);
  const route = orgRoutes(app, ['iam']);

  route.get('/members', { summary: 'List members, Invited ones included [CanManageIAM]', querystring: Type.Object({ searchText: SearchText, ...PageQuery }), response: Paged(MemberVm) }, (p, r) =>
    members.list(p, r.query.searchText, pageRequest(r.query)),
  );

  route.post(
    '/members',
    {
      summary:
        "Invite a member: the member exists at once as Invited (no access) and a one-time code (7 days) is returned, only here. name defaults to the email's local part; policyIds replaces the organization's defaults [CanManageIAM, covering]",
      body: AddMemberBody,
      response: Type.Object({ member: MemberVm, invitation: IssuedInvitation }),
    },
    (p, r) => members.invite(p, { ...r.body, email: normalizeEmail(r.body.email) }),
  );

  route.post(
    '/members/add',
    {
      summary: "FeatBit's add-member: invites like POST /members and answers true; get a code with POST /members/{memberId}/invitation [CanManageIAM, covering]",
      body: AddMemberBody,
      response: Type.Boolean(),
    },
    async (p, r) => {
      await members.invite(p, { ...r.body, email: normalizeEmail(r.body.email) });
      return true;
    },
  );

  route.get('/members/:memberId', { summary: 'A member [CanManageIAM, or oneself]', params: MemberParams, response: MemberVm }, (p, r) => members.get(p, r.params.memberId));

  for (const path of ['/members/:memberId', '/members/remove-from-org/:memberId']) {
    route.delete(
      path,
      {
        summary: `${path.includes('remove-from-org') ? "FeatBit's name for DELETE /members/{memberId}. " : ''}Remove a member (or withdraw an invitation): their personal tokens become inactive (OwnerRemoved) and their sessions there end [CanManageIAM, covering the member]`,
        params: MemberParams,
        response: Type.Boolean(),
      },
      async (p, r) => {
        await members.remove(p, r.params.memberId);
        return true;
      },
    );
  }

  for (const op of ['add', 'remove'] as const) {
    route.put(
      `/members/:memberId/${op}-policy/:policyId`,
      {
        summary: op === 'add' ? 'Attach a policy to a member [CanManageIAM, covering the policy]' : 'Detach a policy from a member [CanManageIAM]',
        params: Type.Object({ memberId: Id, policyId: Id }),
        response: MemberVm,
      },
      (p, r) => members.changePolicy(p, r.params.memberId, r.params.policyId, op),
    );
  }

  route.get(
    '/members/:memberId/policies',
    {
      summary: "A member's direct and inherited (through groups) policies, as PolicyVm with their source [CanManageIAM, or oneself]",
      params: MemberParams,
      response: Type.Array(MemberPolicyItem),
    },
    (p, r) => members.policies(p, r.params.memberId),
  );

  route.get(
    '/members/:memberId/groups',
    {
      summary:
        "The member's groups, newest first; getAllGroups=true lists every group, isGroupMember marking the member's; name matches part of the name [CanManageIAM, or oneself without getAllGroups]",
      params: MemberParams,
      querystring: GroupsQuery,
      response: Paged(MemberGroupVm),
    },
    (p, r) => members.groups(p, r.params.memberId, relationFilter(r.query.name, r.query.getAllGroups, r.query)),
  );

  route.get(
    '/members/:memberId/direct-policies',
    {
      summary:
        "The member's direct policies, newest first; getAllPolicies=true lists every policy, isMemberPolicy marking the member's; name matches part of the name [CanManageIAM, or oneself without getAllPolicies]",
      params: MemberParams,
      querystring: PoliciesQuery,
      response: Paged(MemberPolicyVm),
    },
    (p, r) => members.directPolicies(p, r.params.memberId, relationFilter(r.query.name, r.query.getAllPolicies, r.query)),
  );

  route.get(
    '/members/:memberId/inherited-policies',
    {
      summary: 'Policies the member holds through groups, one per group, newest first; name matches part of the name [CanManageIAM, or oneself]',
      params: MemberParams,
      querystring: Type.Object({ name: SearchText, ...PageQuery }),
      response: Paged(InheritedMemberPolicyVm),
    },
    (p, r) => members.inheritedPolicies(p, r.params.memberId, relationFilter(r.query.name, false, r.query)),
  );
}

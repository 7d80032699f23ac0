// Groups over HTTP, at FeatBit's paths (GroupController).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgRoutes, pageRequest } from '../platform/org-route.ts';
import { Description, Id, PageQuery, Paged, Type } from '../platform/schemas.ts';
import { createGroupService } from './group-service.ts';
import { GroupMemberVm, GroupPolicyVm, GroupVm } from './group-view.ts';
import { MembersQuery, PoliciesQuery, SearchText, relationFilter } from './relation-query.ts';

const GroupParams = Type.Object({ groupId: Id });
// FeatBit sends `description: null` when there is none; name must not be blank (name_is_required, as FeatBit).
const GroupBody = Type.Object({ name: Type.String({ maxLength: 128 }), description: Type.Optional(Type.Union([Description, Type.Null()])) }, { additionalProperties: false });

export async function groupRoutes(app: FastifyInstance, ctx: AppContext) {
  const groups = createGroupService(ctx);
  const route = orgRoutes(app, ['iam']);

  route.get(
    '/groups',
    {
      summary: 'List groups, newest first; name matches part of the name [CanManageIAM]',
      querystring: Type.Object({ name: SearchText, ...PageQuery }),
      response: Paged(GroupVm),
    },
    (p, r) => groups.list(p, r.query.name, pageRequest(r.query)),
  );

  route.get(
    '/groups/is-name-used',
    {
      summary: 'Whether a group name is taken in this organization (case-insensitive) [CanManageIAM]',
      querystring: Type.Object({ name: Type.String({ maxLength: 256 }) }),
      response: Type.Boolean(),
    },
    (p, r) => groups.isNameUsed(p, r.query.name),
  );

  route.post('/groups', { summary: 'Create a group → GroupVm [CanManageIAM]', body: GroupBody, response: GroupVm }, (p, r) => groups.create(p, r.body));

  route.get('/groups/:groupId', { summary: 'A group → GroupVm [CanManageIAM]', params: GroupParams, response: GroupVm }, (p, r) => groups.get(p, r.params.groupId));

  route.put('/groups/:groupId', { summary: 'Rename or describe a group → GroupVm [CanManageIAM]', params: GroupParams, body: GroupBody, response: GroupVm }, (p, r) =>
    groups.update(p, r.params.groupId, r.body),
  );

  route.delete('/groups/:groupId', { summary: 'Delete a group → true [CanManageIAM, covering its policies and members]', params: GroupParams, response: Type.Boolean() }, async (p, r) => {
    await groups.remove(p, r.params.groupId);
    return true;
  });

  route.get(
    '/groups/:groupId/members',
    {
      summary: "The group's members, newest first; getAllMembers=true lists every member, isGroupMember marking the group's; searchText matches part of the email [CanManageIAM]",
      params: GroupParams,
      querystring: MembersQuery,
      response: Paged(GroupMemberVm),
    },
    (p, r) => groups.members(p, r.params.groupId, relationFilter(r.query.searchText, r.query.getAllMembers, r.query)),
  );

  route.get(
    '/groups/:groupId/policies',
    {
      summary: "The group's policies, newest first; getAllPolicies=true lists every policy, isGroupPolicy marking the group's; name matches part of the name [CanManageIAM]",
      params: GroupParams,
      querystring: PoliciesQuery,
      response: Paged(GroupPolicyVm),
    },
    (p, r) => groups.policies(p, r.params.groupId, relationFilter(r.query.name, r.query.getAllPolicies, r.query)),
  );

  for (const op of ['add-member', 'remove-member'] as const) {
    route.put(
      `/groups/:groupId/${op}/:memberId`,
      {
        summary: `${op === 'add-member' ? 'Add a member to' : 'Remove a member from'} a group → true (idempotent) [CanManageIAM, covering its policies]`,
        params: Type.Object({ groupId: Id, memberId: Id }),
        response: Type.Boolean(),
      },
      async (p, r) => {
        await groups.changeMember(p, r.params.groupId, r.params.memberId, op);
        return true;
      },
    );
  }

  for (const op of ['add-policy', 'remove-policy'] as const) {
    route.put(
      `/groups/:groupId/${op}/:policyId`,
      {
        summary: `${op === 'add-policy' ? 'Attach a policy to' : 'Detach a policy from'} a group → true (idempotent) [CanManageIAM, covering the policy]`,
        params: Type.Object({ groupId: Id, policyId: Id }),
        response: Type.Boolean(),
      },
      async (p, r) => {
        await groups.changePolicy(p, r.params.groupId, r.params.policyId, op);
        return true;
      },
    );
  }
}

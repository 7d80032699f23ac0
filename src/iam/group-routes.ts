// Groups, as FeatBit answers them (GroupController): a member inherits every policy of their groups.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf, type OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest, BusinessRule, NotFound, isUniqueViolation } from '../platform/errors.ts';
import { Description, Id, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { findGroup, findMember, findPolicy, groupMemberPage, groupPolicies, groupPolicyPage, isGroupNameUsed, listGroups, type GroupRow, type Q } from './iam-store.ts';
import { assertOwnerRemains, groupMemberIds, requireCovers, requireCoversMembers, requireIamManager } from './iam-service.ts';
import type { Statement } from '../policy/statement.ts';

/** FeatBit's GroupVm. */
const GroupVm = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), updatedAt: Type.String() });
const GroupMemberVm = Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), isGroupMember: Type.Boolean() });
const GroupPolicyVm = Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), description: Type.String(), isGroupPolicy: Type.Boolean() });

const groupVm = (g: Pick<GroupRow, 'id' | 'name' | 'description' | 'updated_at'>) => ({ id: g.id, name: g.name, description: g.description, updatedAt: new Date(g.updated_at).toISOString() });

const groupStatements = async (db: Q, groupId: string): Promise<Statement[]> =>
  (await groupPolicies(db, [groupId])).flatMap((x) => JSON.parse(x.statements) as Statement[]);

export async function groupRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const { kysely } = ctx;
  const tags = ['iam'];
  const GroupParams = Type.Object({ groupId: Id });
  // FeatBit sends `description: null` when there is none; name must not be blank (name_is_required, as FeatBit).
  const GroupBody = Type.Object({ name: Type.String({ maxLength: 128 }), description: Type.Optional(Type.Union([Description, Type.Null()])) }, { additionalProperties: false });
  const MembersQuery = Type.Object({ searchText: Type.Optional(Type.String({ maxLength: 256 })), getAllMembers: Type.Optional(Type.Boolean()), ...PageQuery });
  const PoliciesQuery = Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), getAllPolicies: Type.Optional(Type.Boolean()), ...PageQuery });

  const audit = (trx: Q, p: OrgPrincipal, action: string, g: { id: string; name: string }, before: Record<string, unknown> | null, after: Record<string, unknown> | null) =>
    ctx.audit.record(trx, { orgId: p.org.id, actor: actorOf(p), action, refType: 'iam', refId: g.id, refKey: g.name, rn: `iam/${p.org.key}`, before, after });

  /** The group of the caller's organization, or 404; then the IAM check. */
  async function group(p: OrgPrincipal, groupId: string) {
    const g = await findGroup(kysely, p.org.id, groupId);
    if (!g) throw new NotFound();
    requireIamManager(p);
    return g;
  }

  /** A name not blank and not taken by another group (any letter case): else 400 / 422 NameHasBeenUsed. */
  async function checkedName(orgId: string, raw: string, exceptId?: string): Promise<string> {
    const name = raw.trim();
    if (!name) throw new BadRequest('name_is_required');
    if (await isGroupNameUsed(kysely, orgId, name, exceptId)) throw new BusinessRule('NameHasBeenUsed');
    return name;
  }

  /** A concurrent save of the same name loses at the unique index: the same answer as the check. */
  async function saving(fn: () => Promise<void>) {
    try {
      await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw new BusinessRule('NameHasBeenUsed');
      throw err;
    }
  }

  app.get(
    '/groups',
    { schema: { tags, summary: 'List groups, newest first; name matches part of the name [CanManageIAM]', querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }), response: responses(Paged(GroupVm)) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const { name, pageIndex = 0, pageSize = 10 } = request.query;
      const page = await listGroups(kysely, p.org.id, name?.trim() || undefined, { pageIndex, pageSize });
      return ok({ totalCount: page.totalCount, items: page.items.map(groupVm) });
    },
  );

  app.get(
    '/groups/is-name-used',
    { schema: { tags, summary: 'Whether a group name is taken in this organization (case-insensitive) [CanManageIAM]', querystring: Type.Object({ name: Type.String({ maxLength: 256 }) }), response: responses(Type.Boolean()) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      return ok(await isGroupNameUsed(kysely, p.org.id, request.query.name.trim()));
    },
  );

  app.post('/groups', { schema: { tags, summary: 'Create a group → GroupVm [CanManageIAM]', body: GroupBody, response: responses(GroupVm) } }, async (request) => {
    const p = orgPrincipalOf(request);
    requireIamManager(p);
    const name = await checkedName(p.org.id, request.body.name);
    const now = ctx.clock.now();
    const g = { id: ctx.ids.next(), org_id: p.org.id, name, description: request.body.description ?? '', created_at: now, updated_at: now };
    await saving(() =>
      kysely.transaction().execute(async (trx) => {
        await trx.insertInto('groups').values(g).execute();
        await audit(trx, p, 'CreateGroup', g, null, { name, description: g.description });
      }),
    );
    return ok(groupVm(g));
  });

  app.get('/groups/:groupId', { schema: { tags, summary: 'A group → GroupVm [CanManageIAM]', params: GroupParams, response: responses(GroupVm) } }, async (request) => {
    return ok(groupVm(await group(orgPrincipalOf(request), request.params.groupId)));
  });

  app.put('/groups/:groupId', { schema: { tags, summary: 'Rename or describe a group → GroupVm [CanManageIAM]', params: GroupParams, body: GroupBody, response: responses(GroupVm) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const g = await group(p, request.params.groupId);
    // FeatBit replaces both fields; a missing description keeps the old one (Ensign's UI sends both anyway).
    const next = { name: await checkedName(p.org.id, request.body.name, g.id), description: request.body.description ?? g.description, updated_at: ctx.clock.now() };
    await saving(() =>
      kysely.transaction().execute(async (trx) => {
        await trx.updateTable('groups').set(next).where('id', '=', g.id).execute();
        await audit(trx, p, 'UpdateGroup', g, { name: g.name, description: g.description }, { name: next.name, description: next.description });
      }),
    );
    return ok(groupVm({ ...g, ...next }));
  });

  app.delete('/groups/:groupId', { schema: { tags, summary: 'Delete a group → true [CanManageIAM, covering its policies and members]', params: GroupParams, response: responses(Type.Boolean()) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const g = await group(p, request.params.groupId);
    requireCovers(p, await groupStatements(kysely, g.id));
    await kysely.transaction().execute(async (trx) => {
      const members = await groupMemberIds(trx, g.id);
      await requireCoversMembers(p, trx, members);
      await trx.deleteFrom('group_members').where('group_id', '=', g.id).execute();
      await trx.deleteFrom('group_policies').where('group_id', '=', g.id).execute();
      await trx.deleteFrom('groups').where('id', '=', g.id).execute();
      await assertOwnerRemains(trx, p.org.id);
      await requireCoversMembers(p, trx, members);
      await audit(trx, p, 'DeleteGroup', g, { name: g.name }, null);
    });
    await ctx.invalidate({ kind: 'org', orgId: p.org.id });
    return ok(true);
  });

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
      const p = orgPrincipalOf(request);
      const g = await group(p, request.params.groupId);
      const q = request.query;
      const page = await groupMemberPage(kysely, p.org.id, g.id, { text: q.searchText?.trim() || undefined, all: q.getAllMembers ?? false, pageIndex: q.pageIndex ?? 0, pageSize: q.pageSize ?? 10 });
      return ok({ totalCount: page.totalCount, items: page.items.map(({ linked, ...m }) => ({ ...m, isGroupMember: linked })) });
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
      const p = orgPrincipalOf(request);
      const g = await group(p, request.params.groupId);
      const q = request.query;
      const page = await groupPolicyPage(kysely, p.org.id, g.id, { text: q.name?.trim() || undefined, all: q.getAllPolicies ?? false, pageIndex: q.pageIndex ?? 0, pageSize: q.pageSize ?? 10 });
      return ok({ totalCount: page.totalCount, items: page.items.map(({ linked, key: _key, ...x }) => ({ ...x, isGroupPolicy: linked })) });
    },
  );

  // Joining a group or giving it a policy hands out permissions, so both need the caller to cover them;
  // leaving and removal need it too, so nobody strips a permission they could not have granted.
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
        const p = orgPrincipalOf(request);
        const { groupId, memberId } = request.params;
        const [g, m] = [await findGroup(kysely, p.org.id, groupId), await findMember(kysely, p.org.id, memberId)];
        if (!g || !m) throw new NotFound();
        requireIamManager(p);
        requireCovers(p, await groupStatements(kysely, groupId));
        await kysely.transaction().execute(async (trx) => {
          await requireCoversMembers(p, trx, [memberId]);
          const has = await trx.selectFrom('group_members').select('member_id').where('group_id', '=', groupId).where('member_id', '=', memberId).executeTakeFirst();
          if (op === 'add-member' && !has) await trx.insertInto('group_members').values({ group_id: groupId, member_id: memberId, org_id: p.org.id }).execute();
          if (op === 'remove-member' && has) {
            await trx.deleteFrom('group_members').where('group_id', '=', groupId).where('member_id', '=', memberId).execute();
            await assertOwnerRemains(trx, p.org.id);
          }
          await requireCoversMembers(p, trx, [memberId]);
          if ((op === 'add-member') === !has) await audit(trx, p, op === 'add-member' ? 'AddGroupMember' : 'RemoveGroupMember', g, null, { memberId, email: m.email });
        });
        await ctx.invalidate({ kind: 'org', orgId: p.org.id });
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
        const p = orgPrincipalOf(request);
        const { groupId, policyId } = request.params;
        const [g, policy] = [await findGroup(kysely, p.org.id, groupId), await findPolicy(kysely, p.org.id, policyId)];
        if (!g || !policy) throw new NotFound();
        requireIamManager(p);
        requireCovers(p, policy.statements);
        await kysely.transaction().execute(async (trx) => {
          const members = await groupMemberIds(trx, groupId);
          await requireCoversMembers(p, trx, members);
          const has = await trx.selectFrom('group_policies').select('policy_id').where('group_id', '=', groupId).where('policy_id', '=', policyId).executeTakeFirst();
          if (op === 'add-policy' && !has) await trx.insertInto('group_policies').values({ group_id: groupId, policy_id: policyId, org_id: p.org.id }).execute();
          if (op === 'remove-policy' && has) {
            await trx.deleteFrom('group_policies').where('group_id', '=', groupId).where('policy_id', '=', policyId).execute();
            await assertOwnerRemains(trx, p.org.id);
          }
          await requireCoversMembers(p, trx, members);
          if ((op === 'add-policy') === !has) await audit(trx, p, op === 'add-policy' ? 'AddGroupPolicy' : 'RemoveGroupPolicy', g, null, { policy: policy.key });
        });
        await ctx.invalidate({ kind: 'org', orgId: p.org.id });
        return ok(true);
      },
    );
  }
}

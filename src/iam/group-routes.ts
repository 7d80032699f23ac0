// Groups: CRUD, members and policies. A member inherits every policy of their groups.
import type { FastifyInstance } from 'fastify';
import { actorOf, type OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest, Conflict, NotFound, isUniqueViolation } from '../platform/errors.ts';
import { Description, Id, Name, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';
import { findGroup, findMember, findPolicy, groupPolicies, type Q } from './iam-store.ts';
import { assertOwnerRemains, groupMemberIds, requireCovers, requireCoversMembers, requireIamManager } from './iam-service.ts';
import type { Statement } from './statement.ts';

const GroupSummary = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), memberCount: Type.Integer(), createdAt: Type.String() });
const Group = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  createdAt: Type.String(),
  members: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() })),
  policies: Type.Array(Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() })),
});

async function groupView(db: Q, g: { id: string; name: string; description: string; created_at: number }) {
  const members = await db
    .selectFrom('group_members')
    .innerJoin('members', 'members.id', 'group_members.member_id')
    .leftJoin('users', 'users.id', 'members.user_id')
    .select((eb) => ['members.id', eb.fn.coalesce('users.name', 'members.name').as('name'), eb.fn.coalesce('users.email', 'members.email').as('email')])
    .where('group_members.group_id', '=', g.id)
    .orderBy('name')
    .orderBy('members.id')
    .execute();
  const policies = (await groupPolicies(db, [g.id])).map((x) => ({ id: x.id, key: x.key, name: x.name }));
  return { id: g.id, name: g.name, description: g.description, createdAt: new Date(g.created_at).toISOString(), members, policies };
}

const groupStatements = async (db: Q, groupId: string): Promise<Statement[]> =>
  (await groupPolicies(db, [groupId])).flatMap((x) => JSON.parse(x.statements) as Statement[]);

export async function groupRoutes(app: FastifyInstance, ctx: AppContext) {
  const { kysely } = ctx;
  const GroupParams = Type.Object({ groupId: Id });
  const GroupBody = Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false });

  const audit = (trx: Q, p: OrgPrincipal, action: string, g: { id: string; name: string }, before: Record<string, unknown> | null, after: Record<string, unknown> | null) =>
    ctx.audit.record(trx, { orgId: p.org.id, actor: actorOf(p), action, refType: 'iam', refId: g.id, refKey: g.name, rn: `iam/${p.org.key}`, before, after });

  app.get(
    '/groups',
    { schema: { tags: ['iam'], summary: 'List groups [CanManageIAM]', querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }), response: responses(Paged(GroupSummary)) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const { name, pageIndex = 0, pageSize = 10 } = request.query as { name?: string; pageIndex?: number; pageSize?: number };
      let q = kysely.selectFrom('groups').where('org_id', '=', p.org.id);
      if (name?.trim()) q = q.where(containsIgnoreCase('name', name.trim()));
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await q
        .select(['id', 'name', 'description', 'created_at'])
        .select((eb) => eb.selectFrom('group_members').whereRef('group_members.group_id', '=', 'groups.id').select((e2) => e2.fn.countAll<number>().as('c')).as('memberCount'))
        .orderBy('name')
        .orderBy('id')
        .offset(pageIndex * pageSize)
        .limit(pageSize)
        .execute();
      return ok({
        totalCount: Number(total.n),
        items: rows.map((r) => ({ id: r.id, name: r.name, description: r.description, memberCount: Number(r.memberCount ?? 0), createdAt: new Date(r.created_at).toISOString() })),
      });
    },
  );

  app.post('/groups', { schema: { tags: ['iam'], summary: 'Create a group [CanManageIAM]', body: GroupBody, response: responses(Group) } }, async (request) => {
    const p = orgPrincipalOf(request);
    requireIamManager(p);
    const body = request.body as { name: string; description?: string };
    const name = body.name.trim();
    if (!name) throw new BadRequest('name_is_required');
    const now = ctx.clock.now();
    const g = { id: ctx.ids.next(), org_id: p.org.id, name, description: body.description ?? '', created_at: now, updated_at: now };
    try {
      await kysely.transaction().execute(async (trx) => {
        await trx.insertInto('groups').values(g).execute();
        await audit(trx, p, 'CreateGroup', g, null, { name, description: g.description });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict();
      throw err;
    }
    return ok(await groupView(kysely, g));
  });

  app.get('/groups/:groupId', { schema: { tags: ['iam'], summary: 'A group with its members and policies [CanManageIAM]', params: GroupParams, response: responses(Group) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const g = await findGroup(kysely, p.org.id, (request.params as { groupId: string }).groupId);
    if (!g) throw new NotFound();
    requireIamManager(p);
    return ok(await groupView(kysely, g));
  });

  app.put('/groups/:groupId', { schema: { tags: ['iam'], summary: 'Rename or describe a group [CanManageIAM]', params: GroupParams, body: GroupBody, response: responses(Group) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const g = await findGroup(kysely, p.org.id, (request.params as { groupId: string }).groupId);
    if (!g) throw new NotFound();
    requireIamManager(p);
    const body = request.body as { name: string; description?: string };
    const next = { name: body.name.trim(), description: body.description ?? g.description };
    if (!next.name) throw new BadRequest('name_is_required');
    try {
      await kysely.transaction().execute(async (trx) => {
        await trx.updateTable('groups').set({ ...next, updated_at: ctx.clock.now() }).where('id', '=', g.id).execute();
        await audit(trx, p, 'UpdateGroup', g, { name: g.name, description: g.description }, next);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict();
      throw err;
    }
    return ok(await groupView(kysely, { ...g, ...next }));
  });

  app.delete('/groups/:groupId', { schema: { tags: ['iam'], summary: 'Delete a group [CanManageIAM, covering its policies]', params: GroupParams, response: responses(Type.Boolean()) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const g = await findGroup(kysely, p.org.id, (request.params as { groupId: string }).groupId);
    if (!g) throw new NotFound();
    requireIamManager(p);
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

  // Joining a group or giving it a policy hands out permissions, so both need the caller to cover them;
  // leaving and removal need it too, so nobody strips a permission they could not have granted.
  for (const op of ['add-member', 'remove-member'] as const) {
    app.put(
      `/groups/:groupId/${op}/:memberId`,
      { schema: { tags: ['iam'], summary: `${op === 'add-member' ? 'Add a member to' : 'Remove a member from'} a group [CanManageIAM, covering its policies]`, params: Type.Object({ groupId: Id, memberId: Id }), response: responses(Group) } },
      async (request) => {
        const p = orgPrincipalOf(request);
        const { groupId, memberId } = request.params as { groupId: string; memberId: string };
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
        return ok(await groupView(kysely, g));
      },
    );
  }

  for (const op of ['add-policy', 'remove-policy'] as const) {
    app.put(
      `/groups/:groupId/${op}/:policyId`,
      { schema: { tags: ['iam'], summary: `${op === 'add-policy' ? 'Attach a policy to' : 'Detach a policy from'} a group [CanManageIAM, covering the policy]`, params: Type.Object({ groupId: Id, policyId: Id }), response: responses(Group) } },
      async (request) => {
        const p = orgPrincipalOf(request);
        const { groupId, policyId } = request.params as { groupId: string; policyId: string };
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
        return ok(await groupView(kysely, g));
      },
    );
  }
}

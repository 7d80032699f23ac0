// Members: add (with an initial password), list, read, remove, and their policies.
import type { FastifyInstance } from 'fastify';
import { deactivateOwnedTokens } from '../access-tokens/access-token-service.ts';
import { loadMemberAccess } from '../auth/member-access.ts';
import { actorOf, isSelf, type OrgPrincipal } from '../auth/principal.ts';
import { Email, normalizeEmail, Password } from '../identity/identity-routes.ts';
import { hashPassword } from '../identity/passwords.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest, Conflict, NotFound } from '../platform/errors.ts';
import { Id, Name, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';
import { findGroup, findMember, findPolicy, groupPolicies, memberGroups, memberPolicies, type Q } from './iam-store.ts';
import { assertOwnerRemains, requireCovers, requireCoversMembers, requireIamManager } from './iam-service.ts';
import type { Statement } from './statement.ts';

const PolicyRef = Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() });
const Member = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  createdAt: Type.String(),
  policies: Type.Array(PolicyRef),
  groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});

export async function memberViews(db: Q, rows: { id: string; name: string; email: string; createdAt: number }[]) {
  const ids = rows.map((r) => r.id);
  const [policies, groups] = await Promise.all([memberPolicies(db, ids), memberGroups(db, ids)]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    createdAt: new Date(r.createdAt).toISOString(),
    policies: policies.filter((p) => p.memberId === r.id).map((p) => ({ id: p.id, key: p.key, name: p.name })),
    groups: groups.filter((g) => g.memberId === r.id).map((g) => ({ id: g.id, name: g.name })),
  }));
}

/** Reading one's own member record needs no IAM right; a narrowed token of one's own is not oneself (isSelf). */
function requireIamOrSelf(p: OrgPrincipal, memberId: string) {
  if (!isSelf(p, memberId)) requireIamManager(p);
}

export async function memberRoutes(app: FastifyInstance, ctx: AppContext) {
  const { kysely } = ctx;
  const MemberParams = Type.Object({ memberId: Id });

  app.get(
    '/members',
    { schema: { tags: ['iam'], summary: 'List members [CanManageIAM]', querystring: Type.Object({ searchText: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }), response: responses(Paged(Member)) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const { searchText, pageIndex = 0, pageSize = 10 } = request.query as { searchText?: string; pageIndex?: number; pageSize?: number };
      let q = kysely.selectFrom('members').innerJoin('users', 'users.id', 'members.user_id').where('members.org_id', '=', p.org.id);
      if (searchText?.trim()) q = q.where((eb) => eb.or([containsIgnoreCase('users.name', searchText.trim()), containsIgnoreCase('users.email', searchText.trim())]));
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await q
        .select(['members.id', 'users.name', 'users.email', 'members.created_at as createdAt'])
        .orderBy('users.name')
        .orderBy('members.id')
        .offset(pageIndex * pageSize)
        .limit(pageSize)
        .execute();
      return ok({ totalCount: Number(total.n), items: await memberViews(kysely, rows) });
    },
  );

  app.post(
    '/members',
    {
      schema: {
        tags: ['iam'],
        summary: "Add a member with an initial password; policyIds replaces the organization's defaults [CanManageIAM, covering]",
        body: Type.Object(
          { email: Email, name: Name, password: Password, policyIds: Type.Optional(Type.Array(Id, { maxItems: 50 })), groupIds: Type.Optional(Type.Array(Id, { maxItems: 50 })) },
          { additionalProperties: false },
        ),
        response: responses(Member),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const body = request.body as { email: string; name: string; password: string; policyIds?: string[]; groupIds?: string[] };
      const email = normalizeEmail(body.email);
      const name = body.name.trim();
      if (!name) throw new BadRequest('name_is_required');
      const passwordHash = await hashPassword(body.password);
      const now = ctx.clock.now();
      const memberId = await kysely.transaction().execute(async (trx) => {
        const org = await trx.selectFrom('organizations').select('default_policy_ids').where('id', '=', p.org.id).executeTakeFirstOrThrow();
        const policyIds = [...new Set(body.policyIds ?? (JSON.parse(org.default_policy_ids) as string[]))];
        const groupIds = [...new Set(body.groupIds ?? [])];
        const granted: Statement[] = [];
        for (const id of policyIds) {
          const policy = await findPolicy(trx, p.org.id, id);
          if (!policy) throw new NotFound();
          granted.push(...policy.statements);
        }
        for (const id of groupIds) {
          if (!(await findGroup(trx, p.org.id, id))) throw new NotFound();
          granted.push(...(await groupPolicies(trx, [id])).flatMap((g) => JSON.parse(g.statements) as Statement[]));
        }
        requireCovers(p, granted);
        let user = await trx.selectFrom('users').select(['id']).where('email', '=', email).executeTakeFirst();
        if (!user) {
          // A new person: the initial password is theirs. An existing account keeps its own password.
          user = { id: ctx.ids.next() };
          await trx.insertInto('users').values({ id: user.id, email, name, password_hash: passwordHash, created_at: now }).execute();
        } else if (await trx.selectFrom('members').select('id').where('org_id', '=', p.org.id).where('user_id', '=', user.id).executeTakeFirst()) {
          throw new Conflict();
        }
        const id = ctx.ids.next();
        await trx.insertInto('members').values({ id, org_id: p.org.id, user_id: user.id, created_at: now }).execute();
        for (const policyId of policyIds) await trx.insertInto('member_policies').values({ member_id: id, policy_id: policyId, org_id: p.org.id }).execute();
        for (const groupId of groupIds) await trx.insertInto('group_members').values({ group_id: groupId, member_id: id, org_id: p.org.id }).execute();
        await ctx.audit.record(trx, {
          orgId: p.org.id,
          actor: actorOf(p),
          action: 'AddMember',
          refType: 'iam',
          refId: id,
          refKey: email,
          rn: `iam/${p.org.key}`,
          after: { email, name, policyIds, groupIds },
        });
        return id;
      });
      await ctx.invalidate({ kind: 'org', orgId: p.org.id });
      const m = (await findMember(kysely, p.org.id, memberId))!;
      return ok((await memberViews(kysely, [m]))[0]);
    },
  );

  app.get('/members/:memberId', { schema: { tags: ['iam'], summary: 'A member [CanManageIAM, or oneself]', params: MemberParams, response: responses(Member) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const { memberId } = request.params as { memberId: string };
    const m = await findMember(kysely, p.org.id, memberId);
    if (!m) throw new NotFound();
    requireIamOrSelf(p, memberId);
    return ok((await memberViews(kysely, [m]))[0]);
  });

  app.delete(
    '/members/:memberId',
    { schema: { tags: ['iam'], summary: 'Remove a member: their personal tokens become inactive (OwnerRemoved) [CanManageIAM]', params: MemberParams, response: responses(Type.Boolean()) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      const { memberId } = request.params as { memberId: string };
      const m = await findMember(kysely, p.org.id, memberId);
      if (!m) throw new NotFound();
      requireIamManager(p);
      // Only someone who covers everything the member holds may remove them.
      const target = await loadMemberAccess(kysely, { memberId });
      requireCovers(p, target?.statements ?? []);
      const now = ctx.clock.now();
      const tokenIds = await kysely.transaction().execute(async (trx) => {
        await trx.deleteFrom('member_policies').where('member_id', '=', memberId).execute();
        await trx.deleteFrom('group_members').where('member_id', '=', memberId).execute();
        await trx.deleteFrom('members').where('id', '=', memberId).execute();
        await assertOwnerRemains(trx, p.org.id);
        const tokenIds = await deactivateOwnedTokens(trx, ctx.audit, actorOf(p), p.org.id, memberId, now);
        await ctx.audit.record(trx, {
          orgId: p.org.id,
          actor: actorOf(p),
          action: 'RemoveMember',
          refType: 'iam',
          refId: memberId,
          refKey: m.email,
          rn: `iam/${p.org.key}`,
          before: { email: m.email, name: m.name },
          after: { deactivatedTokenIds: tokenIds },
        });
        return tokenIds;
      });
      await ctx.invalidate({ kind: 'org', orgId: p.org.id });
      await ctx.invalidate({ kind: 'session', userId: m.userId });
      for (const tokenId of tokenIds) await ctx.invalidate({ kind: 'token', tokenId });
      return ok(true);
    },
  );

  const PolicyParams = Type.Object({ memberId: Id, policyId: Id });
  for (const op of ['add', 'remove'] as const) {
    app.put(
      `/members/:memberId/${op}-policy/:policyId`,
      {
        schema: {
          tags: ['iam'],
          summary: op === 'add' ? 'Attach a policy to a member [CanManageIAM, covering the policy]' : 'Detach a policy from a member [CanManageIAM]',
          params: PolicyParams,
          response: responses(Member),
        },
      },
      async (request) => {
        const p = orgPrincipalOf(request);
        const { memberId, policyId } = request.params as { memberId: string; policyId: string };
        const [m, policy] = [await findMember(kysely, p.org.id, memberId), await findPolicy(kysely, p.org.id, policyId)];
        if (!m || !policy) throw new NotFound();
        requireIamManager(p);
        // Detaching needs the same cover as attaching: an Administrator cannot demote an Owner.
        requireCovers(p, policy.statements);
        await kysely.transaction().execute(async (trx) => {
          await requireCoversMembers(p, trx, [memberId]);
          const has = await trx.selectFrom('member_policies').select('member_id').where('member_id', '=', memberId).where('policy_id', '=', policyId).executeTakeFirst();
          if (op === 'add' && !has) await trx.insertInto('member_policies').values({ member_id: memberId, policy_id: policyId, org_id: p.org.id }).execute();
          if (op === 'remove' && has) {
            await trx.deleteFrom('member_policies').where('member_id', '=', memberId).where('policy_id', '=', policyId).execute();
            await assertOwnerRemains(trx, p.org.id);
          }
          await requireCoversMembers(p, trx, [memberId]);
          if ((op === 'add') === !has) {
            await ctx.audit.record(trx, {
              orgId: p.org.id,
              actor: actorOf(p),
              action: op === 'add' ? 'AddMemberPolicy' : 'RemoveMemberPolicy',
              refType: 'iam',
              refId: memberId,
              refKey: m.email,
              rn: `iam/${p.org.key}`,
              before: { policy: op === 'add' ? null : policy.key },
              after: { policy: op === 'add' ? policy.key : null },
            });
          }
        });
        await ctx.invalidate({ kind: 'org', orgId: p.org.id });
        return ok((await memberViews(kysely, [m]))[0]);
      },
    );
  }

  app.get(
    '/members/:memberId/policies',
    {
      schema: {
        tags: ['iam'],
        summary: "A member's direct and inherited (through groups) policies [CanManageIAM, or oneself]",
        params: MemberParams,
        response: responses(
          Type.Array(
            Type.Object({
              id: Type.String(),
              key: Type.String(),
              name: Type.String(),
              type: Type.String(),
              inherited: Type.Boolean(),
              groupId: Type.Union([Type.String(), Type.Null()]),
              groupName: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
        ),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const { memberId } = request.params as { memberId: string };
      const m = await findMember(kysely, p.org.id, memberId);
      if (!m) throw new NotFound();
      requireIamOrSelf(p, memberId);
      const direct = (await memberPolicies(kysely, [memberId])).map((x) => ({ id: x.id, key: x.key, name: x.name, type: x.type, inherited: false, groupId: null, groupName: null }));
      const groups = await memberGroups(kysely, [memberId]);
      const viaGroups = (await groupPolicies(kysely, groups.map((g) => g.id))).map((x) => {
        const g = groups.find((gr) => gr.id === x.groupId)!;
        return { id: x.id, key: x.key, name: x.name, type: x.type, inherited: true, groupId: g.id, groupName: g.name };
      });
      return ok([...direct, ...viaGroups]);
    },
  );
}

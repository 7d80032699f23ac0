// Members: invite (POST /members, FeatBit's /members/add), list, read, remove, and their policies.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { deactivateOwnedTokens } from '../access-tokens/access-token-service.ts';
import { actorOf, isSelf, type OrgPrincipal } from '../auth/principal.ts';
import { Email, normalizeEmail } from '../identity/identity-routes.ts';
import { IssuedInvitation } from '../invitations/invitation-view.ts';
import { inviteMember } from '../invitations/invitation-service.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { NotFound } from '../platform/errors.ts';
import { Id, Name, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';
import { findMember, findPolicy, groupPolicies, memberGroups, memberPolicies, memberRows, memberStatements, type MemberRow, type Q } from './iam-store.ts';
import { assertOwnerRemains, requireCovers, requireCoversMembers, requireIamManager } from './iam-service.ts';

const PolicyRef = Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() });
const Member = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  /** Invited: added, no access, no account bound until the invitation is redeemed. */
  status: Type.Union([Type.Literal('Active'), Type.Literal('Invited')]),
  invitorId: Type.Union([Type.String(), Type.Null()]),
  /** FeatBit's MemberVm field; always null: nobody chooses another person's password. */
  initialPassword: Type.Null(),
  createdAt: Type.String(),
  policies: Type.Array(PolicyRef),
  groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});

export async function memberViews(db: Q, rows: Pick<MemberRow, 'id' | 'name' | 'email' | 'status' | 'invitorId' | 'createdAt'>[]) {
  const ids = rows.map((r) => r.id);
  const [policies, groups] = await Promise.all([memberPolicies(db, ids), memberGroups(db, ids)]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    status: r.status,
    invitorId: r.invitorId,
    initialPassword: null,
    createdAt: new Date(r.createdAt).toISOString(),
    policies: policies.filter((p) => p.memberId === r.id).map((p) => ({ id: p.id, key: p.key, name: p.name })),
    groups: groups.filter((g) => g.memberId === r.id).map((g) => ({ id: g.id, name: g.name })),
  }));
}

/** Reading one's own member record needs no IAM right. */
function requireIamOrSelf(p: OrgPrincipal, memberId: string) {
  // A narrowed token of one's own is not oneself (isSelf): it is bounded by its own statements everywhere.
  if (!isSelf(p, memberId)) requireIamManager(p);
}

const AddMemberBody = Type.Object(
  { email: Email, name: Type.Optional(Name), policyIds: Type.Optional(Type.Array(Id, { maxItems: 50 })), groupIds: Type.Optional(Type.Array(Id, { maxItems: 50 })) },
  { additionalProperties: false },
);

export async function memberRoutes(server: FastifyInstance, ctx: AppContext) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const { kysely } = ctx;
  const MemberParams = Type.Object({ memberId: Id });

  app.get(
    '/members',
    { schema: { tags: ['iam'], summary: 'List members, Invited ones included [CanManageIAM]', querystring: Type.Object({ searchText: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }), response: responses(Paged(Member)) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const { searchText, pageIndex = 0, pageSize = 10 } = request.query;
      let q = memberRows(kysely, p.org.id);
      if (searchText?.trim()) {
        const text = searchText.trim();
        q = q.where((eb) => eb.or([containsIgnoreCase('users.name', text), containsIgnoreCase('users.email', text), eb.and([eb('members.user_id', 'is', null), eb.or([containsIgnoreCase('members.name', text), containsIgnoreCase('members.email', text)])])]));
      }
      const total = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await q.orderBy('name').orderBy('members.id').offset(pageIndex * pageSize).limit(pageSize).execute();
      return ok({ totalCount: Number(total.n), items: await memberViews(kysely, rows) });
    },
  );

  const invite = (request: { body: Static<typeof AddMemberBody> } & Parameters<typeof orgPrincipalOf>[0]) =>
    inviteMember(ctx, orgPrincipalOf(request), { ...request.body, email: normalizeEmail(request.body.email) });

  app.post(
    '/members',
    {
      schema: {
        tags: ['iam'],
        summary:
          "Invite a member: the member exists at once as Invited (no access) and a one-time code (7 days) is returned, only here. name defaults to the email's local part; policyIds replaces the organization's defaults [CanManageIAM, covering]",
        body: AddMemberBody,
        response: responses(Type.Object({ member: Member, invitation: IssuedInvitation })),
      },
    },
    async (request) => {
      const { member, invitation } = await invite(request);
      return ok({ member: (await memberViews(kysely, [member]))[0], invitation });
    },
  );

  app.post(
    '/members/add',
    {
      schema: {
        tags: ['iam'],
        summary: "FeatBit's add-member: invites like POST /members and answers true; get a code with POST /members/{memberId}/invitation [CanManageIAM, covering]",
        body: AddMemberBody,
        response: responses(Type.Boolean()),
      },
    },
    async (request) => {
      await invite(request);
      return ok(true);
    },
  );

  app.get('/members/:memberId', { schema: { tags: ['iam'], summary: 'A member [CanManageIAM, or oneself]', params: MemberParams, response: responses(Member) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const { memberId } = request.params;
    const m = await findMember(kysely, p.org.id, memberId);
    if (!m) throw new NotFound();
    requireIamOrSelf(p, memberId);
    return ok((await memberViews(kysely, [m]))[0]);
  });

  const removeMember = async (p: OrgPrincipal, memberId: string) => {
    const m = await findMember(kysely, p.org.id, memberId);
    if (!m) throw new NotFound();
    requireIamManager(p);
    // Only someone who covers everything the member holds (or will hold, once an invitation is redeemed) may remove them.
    requireCovers(p, await memberStatements(kysely, memberId));
    const now = ctx.clock.now();
    const tokenIds = await kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('invitations').where('member_id', '=', memberId).execute();
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
        before: { email: m.email, name: m.name, status: m.status },
        after: { deactivatedTokenIds: tokenIds },
      });
      return tokenIds;
    });
    await ctx.invalidate({ kind: 'org', orgId: p.org.id });
    if (m.userId) await ctx.invalidate({ kind: 'session', userId: m.userId });
    for (const tokenId of tokenIds) await ctx.invalidate({ kind: 'token', tokenId });
  };

  for (const path of ['/members/:memberId', '/members/remove-from-org/:memberId']) {
    app.delete(
      path,
      {
        schema: {
          tags: ['iam'],
          summary: `${path.includes('remove-from-org') ? "FeatBit's name for DELETE /members/{memberId}. " : ''}Remove a member (or withdraw an invitation): their personal tokens become inactive (OwnerRemoved) and their sessions there end [CanManageIAM, covering the member]`,
          params: MemberParams,
          response: responses(Type.Boolean()),
        },
      },
      async (request) => {
        await removeMember(orgPrincipalOf(request), request.params.memberId);
        return ok(true);
      },
    );
  }

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
        const { memberId, policyId } = request.params;
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
      const { memberId } = request.params;
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

// The caller's organizations: list and create (sessions), rename (UpdateOrgName).
import type { FastifyInstance } from 'fastify';
import { actorOf, requirePermission } from '../auth/principal.ts';
import { rn } from '../policy/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf, principalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest, NotFound, retryOnUniqueViolation } from '../platform/errors.ts';
import { Id, Name, Type, responses } from '../platform/schemas.ts';
import { createOrganizationWithOwner, organizationsOfUser } from './organization-store.ts';

const Organization = Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() });

export async function organizationRoutes(app: FastifyInstance, ctx: AppContext) {
  const { kysely } = ctx;

  app.get('/organizations', { schema: { tags: ['organizations'], summary: "The caller's organizations (sessions only)", response: responses(Type.Array(Organization)) } }, async (request) => {
    const p = principalOf(request);
    if (p.kind === 'token') throw new BadRequest('session_is_required');
    return ok(await organizationsOfUser(kysely, p.userId));
  });

  app.post(
    '/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization; the caller becomes its Owner (sessions only)',
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: responses(Organization),
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind === 'token') throw new BadRequest('session_is_required');
      const { name } = request.body as { name: string };
      if (!name.trim()) throw new BadRequest('name_is_required');
      const now = ctx.clock.now();
      // Two organizations of one name at once: the loser of the race for the key takes the next free one.
      const created = await retryOnUniqueViolation(() => kysely.transaction().execute(async (trx) => {
        const c = await createOrganizationWithOwner(trx, ctx.ids, now, name.trim(), p.userId);
        await ctx.audit.record(trx, {
          orgId: c.org.id,
          actor: { kind: 'member', memberId: c.memberId, name: p.name, tokenId: null, tokenName: null },
          action: 'CreateOrganization',
          refType: 'organization',
          refId: c.org.id,
          refKey: c.org.key,
          rn: `organization/${c.org.key}`,
          after: { name: c.org.name },
        });
        return c;
      }));
      await ctx.invalidate({ kind: 'session', userId: p.userId });
      return ok(created.org);
    },
  );

  app.put(
    '/organizations/:orgId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Rename the organization [UpdateOrgName]',
        params: Type.Object({ orgId: Id }),
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: responses(Organization),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const { orgId } = request.params as { orgId: string };
      if (orgId !== p.org.id) throw new NotFound();
      requirePermission(p, 'UpdateOrgName', rn.organization(p.org.key));
      const name = (request.body as { name: string }).name.trim();
      if (!name) throw new BadRequest('name_is_required');
      const org = await kysely.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('organizations').select(['id', 'key', 'name']).where('id', '=', orgId).executeTakeFirstOrThrow();
        await trx.updateTable('organizations').set({ name }).where('id', '=', orgId).execute();
        await ctx.audit.record(trx, {
          orgId,
          actor: actorOf(p),
          action: 'UpdateOrgName',
          refType: 'organization',
          refId: orgId,
          refKey: before.key,
          rn: `organization/${before.key}`,
          before: { name: before.name },
          after: { name },
        });
        return { ...before, name };
      });
      return ok(org);
    },
  );
}

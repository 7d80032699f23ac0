// HTTP for the audit log: newest first, paged over the entries the caller may see.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest } from '../platform/errors.ts';
import { Id, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { requirePermission } from '../auth/principal.ts';
import { envRn, findEnvironmentRef } from '../projects/environment-read-model.ts';
import { NotFound } from '../platform/errors.ts';
import { auditLogVm, ensignRefType, matchesQuery } from './audit-featbit-view.ts';
import { auditService } from './audit-service.ts';
import { auditStore } from './audit-store.ts';

const Nullable = Type.Union([Type.String(), Type.Null()]);
const AuditEntry = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  action: Type.String(),
  refType: Type.String(),
  refId: Type.String(),
  refKey: Type.String(),
  projectId: Nullable,
  envId: Nullable,
  actor: Type.Object({ kind: Type.String(), memberId: Nullable, memberName: Nullable, tokenId: Nullable, tokenName: Nullable }),
  changes: Type.Object({ before: Type.Any(), after: Type.Any() }),
  comment: Type.String(),
});

/** FeatBit's AuditLogVm. */
const AuditLogVm = Type.Object({
  id: Type.String(),
  refId: Type.String(),
  refType: Type.String(),
  operation: Type.String(),
  dataChange: Type.Object({ previous: Type.String(), current: Type.String() }),
  comment: Nullable,
  creatorId: Nullable,
  creatorName: Nullable,
  creatorEmail: Nullable,
  createdAt: Type.String(),
  instructions: Type.Array(Type.Any()),
});

export async function auditRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const audit = auditService(ctx);

  app.get(
    '/audit-logs',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit entries, newest first; only entries about what the caller could read (flag/segment/env: CanAccessEnv; project: CanAccessProject; tokens: ListAccessTokens; IAM: CanManageIAM; organization: everyone)',
        querystring: Type.Object({
          refType: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
          refId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          creatorId: Type.Optional(Id),
          tokenId: Type.Optional(Id),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          ...PageQuery,
        }),
        response: responses(Paged(AuditEntry)),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const q = request.query as { refType?: string; refId?: string; creatorId?: string; tokenId?: string; from?: string; to?: string; pageIndex?: number; pageSize?: number };
      const from = q.from === undefined ? undefined : Date.parse(q.from);
      const to = q.to === undefined ? undefined : Date.parse(q.to);
      if (from !== undefined && Number.isNaN(from)) throw new BadRequest('from_is_invalid');
      if (to !== undefined && Number.isNaN(to)) throw new BadRequest('to_is_invalid');
      const filter = { refType: q.refType, refId: q.refId, creatorId: q.creatorId, tokenId: q.tokenId, from, to };
      return ok(await audit.list(p, filter, q.pageIndex ?? 0, q.pageSize ?? 10));
    },
  );

  app.get(
    '/envs/:envId/audit-logs',
    {
      schema: {
        tags: ['audit'],
        summary:
          "FeatBit's audit log of one environment, newest first, as AuditLogVm: query matches the subject's key or name or the comment; refType FeatureFlag | Segment (or Ensign's kinds); from/to in unix ms, both inclusive; crossEnvironment=true takes every environment's entries [CanAccessEnv on the environment; each entry also needs its own read right]",
        params: Type.Object({ envId: Id }),
        querystring: Type.Object({
          query: Type.Optional(Type.String({ maxLength: 256 })),
          creatorId: Type.Optional(Id),
          refId: Type.Optional(Type.String({ maxLength: 128 })),
          refType: Type.Optional(Type.String({ maxLength: 32 })),
          from: Type.Optional(Type.Integer({ minimum: 0 })),
          to: Type.Optional(Type.Integer({ minimum: 0 })),
          crossEnvironment: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: responses(Paged(AuditLogVm)),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const env = await findEnvironmentRef(ctx.kysely, ctx.db.dialect, p.org.id, request.params.envId);
      if (!env) throw new NotFound();
      requirePermission(p, 'CanAccessEnv', envRn(env));
      const q = request.query;
      // FeatBit treats empty filters as absent; its creatorId is a member's, or a token's when a token acted.
      const text = (v?: string) => v?.trim() || undefined;
      const refType = text(q.refType);
      const creatorId = text(q.creatorId);
      const filter = {
        refType: refType && ensignRefType(refType),
        refId: text(q.refId),
        from: q.from,
        to: q.to === undefined ? undefined : q.to + 1,
        ...(q.crossEnvironment ? { inSomeEnv: true } : { envId: env.id }),
      };
      const query = text(q.query);
      const creatorMatches = (row: { actor_kind: string; actor_member_id: string | null; actor_token_id: string | null }) =>
        (row.actor_kind === 'token' ? row.actor_token_id : row.actor_member_id) === creatorId;
      const match = query || creatorId ? (row: Parameters<typeof matchesQuery>[0]) => (!query || matchesQuery(row, query)) && (!creatorId || creatorMatches(row)) : undefined;
      const page = await audit.rows(p, filter, q.pageIndex ?? 0, q.pageSize ?? 10, match);
      const memberIds = [...new Set(page.items.flatMap((r) => (r.actor_kind === 'member' && r.actor_member_id ? [r.actor_member_id] : [])))];
      const emails = await auditStore(ctx.kysely).memberEmails(p.org.id, memberIds);
      return ok({ totalCount: page.totalCount, items: page.items.map((r) => auditLogVm(r, emails)) });
    },
  );
}

// HTTP for the audit log: newest first, paged over the entries the caller may see.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest } from '../platform/errors.ts';
import { Id, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { AuditLogVm } from './audit-featbit-view.ts';
import { auditService } from './audit-service.ts';
import { AuditEntry } from './audit-view.ts';

export async function auditRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const audit = auditService(ctx);

  app.get(
    '/audit-logs',
    {
      schema: {
        tags: ['audit'],
        summary:
          'Audit entries, newest first; only entries about what the caller could read (flag/segment/env: CanAccessEnv; project: CanAccessProject; tokens: ListAccessTokens; IAM: CanManageIAM; organization: everyone)',
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
      const { pageIndex = 0, pageSize = 10, ...q } = request.query;
      const from = q.from === undefined ? undefined : Date.parse(q.from);
      const to = q.to === undefined ? undefined : Date.parse(q.to);
      if (from !== undefined && Number.isNaN(from)) throw new BadRequest('from_is_invalid');
      if (to !== undefined && Number.isNaN(to)) throw new BadRequest('to_is_invalid');
      const filter = { refType: q.refType, refId: q.refId, creatorId: q.creatorId, tokenId: q.tokenId, from, to };
      return ok(await audit.list(p, filter, pageIndex, pageSize));
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
      const { pageIndex = 0, pageSize = 10, ...q } = request.query;
      return ok(await audit.environmentLog(p, request.params.envId, q, pageIndex, pageSize));
    },
  );
}

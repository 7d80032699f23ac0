// HTTP for the audit log: newest first, paged over the entries the caller may see.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest } from '../platform/errors.ts';
import { Id, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { auditService } from './audit-service.ts';

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

export async function auditRoutes(app: FastifyInstance, ctx: AppContext) {
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
}

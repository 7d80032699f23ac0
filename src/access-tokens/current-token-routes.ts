// HTTP only: `GET /access-tokens/current`, a token describing itself (Cloudflare's "verify"), for scripts that check
// their own credential. A static path, so the router prefers it to `/access-tokens/:id` wherever either is registered.
import type { FastifyInstance } from 'fastify';
import { StatementSchema } from '../platform/schemas.ts';
import { iso } from '../platform/clock.ts';
import type { AppContext } from '../platform/context.ts';
import { principalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Forbidden, NotFound } from '../platform/errors.ts';
import { Type, responses } from '../platform/schemas.ts';
import { findToken } from './access-token-store.ts';

export const CurrentTokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('Personal'), Type.Literal('Service')]),
  status: Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  expiresInSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Seconds until this credential stops working (its expiry, or the end of a reset grace period); null: never.' }),
  permissions: Type.Array(StatementSchema, { description: "The token's own statements (empty for a personal token that follows its owner in full)." }),
  effectiveStatements: Type.Array(StatementSchema, {
    description: "What the token may do at most: a service token's frozen statements; a personal token's own statements, or its owner's current ones when it has none.",
  }),
  followsOwner: Type.Boolean({ description: "Personal tokens: every request is also checked against the owner's current permissions." }),
});

export async function currentTokenRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/access-tokens/current',
    {
      schema: {
        tags: ['access-tokens'],
        summary: 'The calling token: id, name, type, status, expiry and effective statements. Needs no permission; a session gets 403 NotAnAccessToken.',
        response: responses(CurrentTokenView),
      },
    },
    async (request) => {
      const p = principalOf(request);
      // A session is authenticated, so not a 401 (which would sign the web UI out): it is simply not a token.
      if (p.kind !== 'token') throw new Forbidden('NotAnAccessToken');
      const t = await findToken(ctx.kysely, p.org.id, p.tokenId);
      if (!t) throw new NotFound();
      const now = ctx.clock.now();
      const end = p.expiresAt ?? null;
      // The narrowest layer the request is checked against: the token's own, or (following in full) its owner's.
      // A narrowed token is not its owner, so the owner's statements are not shown to it (docs/decisions.md).
      const layers = p.permission.layers;
      return ok({
        id: t.id,
        name: t.name,
        type: t.type,
        status: t.status,
        expiresAt: iso(t.expires_at),
        expiresInSeconds: end === null ? null : Math.max(0, Math.floor((end - now) / 1000)),
        permissions: JSON.parse(t.permissions),
        effectiveStatements: layers[layers.length - 1].statements,
        followsOwner: p.tokenType === 'Personal',
      });
    },
  );
}

// POST /access-tokens/lookup: which of this organization's tokens is this secret? (HTTP only.) In a file of its own
// so the lifecycle routes can change without it; the path is static, so /access-tokens/:id never takes it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Type, responses } from '../platform/schemas.ts';
import { lookupTokenBySecret } from './access-token-service.ts';
import { TokenView, tokenView } from './access-token-view.ts';

const LookupView = Type.Intersect([
  TokenView,
  Type.Object({ matchedSecret: Type.Union([Type.Literal('current'), Type.Literal('previous')], { description: 'previous: a secret replaced by a reset (it works only during the grace period).' }) }),
]);

export async function accessTokenLookupRoutes(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/access-tokens/lookup',
    {
      schema: {
        tags: ['access-tokens'],
        summary: "The token a secret belongs to, in the caller's organization (never the secret itself); 404 for an unknown or malformed secret or another organization's token [ListAccessTokens]",
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
        response: responses(LookupView),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const { row, matched } = await lookupTokenBySecret(ctx, p, request.body.token.trim());
      return ok({ ...tokenView(row, p, ctx.usage), matchedSecret: matched });
    },
  );
}

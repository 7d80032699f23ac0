// HTTP only: the schema, the service call, the view.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Id, PageQuery, Paged, StatementSchema, Type, optionalBody, responses } from '../platform/schemas.ts';
import { MAX_ALLOWED_CIDRS, MAX_GRACE_SECONDS, createAccessTokenService } from './access-token-service.ts';
import { TokenView, TokenWithSecret, tokenView, tokenWithSecret } from './access-token-view.ts';

export async function accessTokenRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const service = createAccessTokenService(ctx);
  const Params = Type.Object({ id: Id });
  const tag = { tags: ['access-tokens'] };
  const TokenType = Type.Union([Type.Literal('Personal'), Type.Literal('Service')]);

  app.get(
    '/access-tokens',
    {
      schema: {
        ...tag,
        summary: 'List tokens, newest first [ListAccessTokens]',
        querystring: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 128 })),
          type: Type.Optional(TokenType),
          creatorId: Type.Optional(Id),
          status: Type.Optional(Type.Union([Type.Literal('Active'), Type.Literal('Inactive')])),
          neverUsed: Type.Optional(Type.Boolean({ description: 'Only tokens with no recorded use (lastUsedAt is accurate to a minute).' })),
          expiringWithinDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Only tokens not yet expired that expire within this many days.' })),
          ...PageQuery,
        }),
        response: responses(Paged(TokenView)),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const { pageIndex = 0, pageSize = 10, ...filter } = request.query;
      const page = await service.list(p, filter, pageIndex, pageSize);
      return ok({ totalCount: page.totalCount, items: page.items.map((t) => tokenView(t, p, ctx.usage)) });
    },
  );

  app.get(
    '/access-tokens/is-name-used',
    {
      schema: {
        ...tag,
        summary: 'Whether a token name is taken in this organization (case-insensitive)',
        querystring: Type.Object({ name: Type.String({ maxLength: 256 }) }),
        response: responses(Type.Boolean()),
      },
    },
    async (request) => ok(await service.isNameUsed(orgPrincipalOf(request), request.query.name)),
  );

  app.post(
    '/access-tokens',
    {
      schema: {
        ...tag,
        summary: 'Create a token; the response carries the secret, the only time it is ever returned [ManagePersonalAccessTokens | ManageServiceAccessTokens, covering]',
        body: Type.Object(
          {
            name: Type.String({ maxLength: 256 }),
            type: TokenType,
            permissions: Type.Optional(Type.Array(StatementSchema, { maxItems: 100 })),
            expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
            allowedCidrs: Type.Optional(
              Type.Array(Type.String({ maxLength: 64 }), {
                minItems: 1,
                maxItems: MAX_ALLOWED_CIDRS,
                description:
                  'IPv4 and IPv6 ranges (10.0.0.0/8, 2001:db8::/32) or single addresses the token may be used from; elsewhere it is refused (403 AddressNotAllowed). Omit for anywhere. Never changes after creation.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses(TokenWithSecret),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const { name, type, permissions = [], expiresAt, allowedCidrs } = request.body;
      return ok(tokenWithSecret(await service.create(p, { name, type, permissions, expiresAt: expiresAt ?? undefined, allowedCidrs }), p, ctx.usage));
    },
  );

  app.get('/access-tokens/:id', { schema: { ...tag, summary: 'A token [ListAccessTokens]', params: Params, response: responses(TokenView) } }, async (request) => {
    const p = orgPrincipalOf(request);
    return ok(tokenView(await service.get(p, request.params.id), p, ctx.usage));
  });

  app.put(
    '/access-tokens/:id',
    {
      schema: {
        ...tag,
        summary: 'Rename a token: the only edit. Changing permissions, type or owner is refused (422 TokenPermissionsAreImmutable).',
        params: Params,
        // Extra fields are not a schema error here: changing permissions gets its own 422 (the service's edit).
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: true }),
        response: responses(TokenView),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      return ok(tokenView(await service.edit(p, request.params.id, request.body), p, ctx.usage));
    },
  );

  for (const op of ['activate', 'deactivate'] as const) {
    app.put(
      `/access-tokens/:id/${op}`,
      { schema: { ...tag, summary: `${op[0].toUpperCase()}${op.slice(1)} a token (idempotent)`, params: Params, response: responses(TokenView) } },
      async (request) => {
        const p = orgPrincipalOf(request);
        return ok(tokenView(await service[op](p, request.params.id), p, ctx.usage));
      },
    );
  }

  // FeatBit's toggle answers `true`, not the token (AccessTokenController.cs); GET the token for its new status.
  app.put(
    '/access-tokens/:id/toggle',
    { schema: { ...tag, summary: 'Flip active/inactive (FeatBit-compatible: answers true)', params: Params, response: responses(Type.Boolean()) } },
    async (request) => {
      await service.toggle(orgPrincipalOf(request), request.params.id);
      return ok(true);
    },
  );

  app.post(
    '/access-tokens/:id/reset',
    {
      schema: {
        ...tag,
        summary: 'Issue a new secret for the same token; the old one works for graceSeconds more (default 0)',
        params: Params,
        body: optionalBody(Type.Object({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS })) }, { additionalProperties: false })),
        response: responses(TokenWithSecret),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      // The body may be left out entirely (optionalBody): then there is no grace.
      const grace = request.body?.graceSeconds ?? 0;
      return ok(tokenWithSecret(await service.reset(p, request.params.id, grace), p, ctx.usage));
    },
  );

  app.delete('/access-tokens/:id', { schema: { ...tag, summary: 'Remove a token for good (its audit history stays)', params: Params, response: responses(Type.Boolean()) } }, async (request) => {
    await service.remove(orgPrincipalOf(request), request.params.id);
    return ok(true);
  });
}

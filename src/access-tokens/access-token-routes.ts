// HTTP only: parse, call the service, shape the view.
import type { FastifyInstance } from 'fastify';
import { permits } from '../auth/principal.ts';
import { rn } from '../policy/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { fieldCode, ok } from '../platform/envelope.ts';
import { BadRequest, BusinessRule, Forbidden } from '../platform/errors.ts';
import { Id, PageQuery, Paged, Type, optionalBody, responses, StatementSchema } from '../platform/schemas.ts';
import { MAX_GRACE_SECONDS, createAccessTokenService } from './access-token-service.ts';
import { mayList } from './access-token-rules.ts';
import { listTokens } from './access-token-store.ts';
import { TokenView, TokenWithSecret, tokenView } from './access-token-view.ts';

/** Fields a client might send to change what a token is; every one of them is refused. */
const IMMUTABLE_FIELDS = new Set(['permissions', 'statements', 'scopes', 'type', 'owner', 'ownerId', 'creator', 'creatorId', 'memberId', 'status', 'expiresAt', 'token', 'secret']);

export async function accessTokenRoutes(app: FastifyInstance, ctx: AppContext) {
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
          ...PageQuery,
        }),
        response: responses(Paged(TokenView)),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      if (!mayList(p)) throw new Forbidden();
      const q = request.query as { name?: string; type?: 'Personal' | 'Service'; creatorId?: string; status?: 'Active' | 'Inactive'; pageIndex?: number; pageSize?: number };
      const page = await listTokens(ctx.kysely, p.org.id, { ...q, name: q.name?.trim() || undefined }, q.pageIndex ?? 0, q.pageSize ?? 10);
      return ok({ totalCount: page.totalCount, items: page.items.map((t) => tokenView(t, p, ctx.usage)) });
    },
  );

  app.get(
    '/access-tokens/is-name-used',
    { schema: { ...tag, summary: 'Whether a token name is taken in this organization (case-insensitive)', querystring: Type.Object({ name: Type.String({ maxLength: 256 }) }), response: responses(Type.Boolean()) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      const all = rn.accessToken('*');
      if (!['ListAccessTokens', 'ManagePersonalAccessTokens', 'ManageServiceAccessTokens'].some((a) => permits(p.permission, a, all))) throw new Forbidden();
      const name = (request.query as { name: string }).name.trim().toLowerCase();
      const used = await ctx.kysely.selectFrom('access_tokens').select('id').where('org_id', '=', p.org.id).where('name_lower', '=', name).executeTakeFirst();
      return ok(!!used);
    },
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
          },
          { additionalProperties: false },
        ),
        response: responses(TokenWithSecret),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const body = request.body as { name: string; type: 'Personal' | 'Service'; permissions?: unknown[]; expiresAt?: string | null };
      const { row, secret } = await service.create(p, { name: body.name, type: body.type, permissions: body.permissions ?? [], expiresAt: body.expiresAt ?? undefined });
      // FeatBit puts the whole token in `token` at creation; `secret` says the same, for clarity.
      return ok({ ...tokenView(row, p, ctx.usage), token: secret, secret });
    },
  );

  app.get('/access-tokens/:id', { schema: { ...tag, summary: 'A token [ListAccessTokens]', params: Params, response: responses(TokenView) } }, async (request) => {
    const p = orgPrincipalOf(request);
    return ok(tokenView(await service.get(p, (request.params as { id: string }).id), p, ctx.usage));
  });

  app.put(
    '/access-tokens/:id',
    {
      schema: {
        ...tag,
        summary: 'Rename a token: the only edit. Changing permissions, type or owner is refused (422 TokenPermissionsAreImmutable).',
        params: Params,
        // Extra fields are not a schema error here: changing permissions gets its own 422 below.
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: true }),
        response: responses(TokenView),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const body = request.body as Record<string, unknown>;
      const extra = Object.keys(body).filter((k) => k !== 'name');
      if (extra.some((k) => IMMUTABLE_FIELDS.has(k))) throw new BusinessRule('TokenPermissionsAreImmutable');
      // fieldCode: an odd field name must not come back as an error code (found by test/reliability/bad-input.test.ts).
      if (extra.length) throw new BadRequest(...new Set(extra.map((k) => fieldCode(k, 'unknown'))));
      if (typeof body.name !== 'string') throw new BadRequest('name_is_required');
      const row = await service.rename(p, (request.params as { id: string }).id, body.name as string);
      return ok(tokenView(row, p, ctx.usage));
    },
  );

  for (const op of ['activate', 'deactivate'] as const) {
    app.put(
      `/access-tokens/:id/${op}`,
      { schema: { ...tag, summary: `${op[0].toUpperCase()}${op.slice(1)} a token (idempotent)`, params: Params, response: responses(TokenView) } },
      async (request) => {
        const p = orgPrincipalOf(request);
        const row = await service[op](p, (request.params as { id: string }).id);
        return ok(tokenView(row, p, ctx.usage));
      },
    );
  }

  // FeatBit's toggle answers `true`, not the token (AccessTokenController.cs); GET the token for its new status.
  app.put(
    '/access-tokens/:id/toggle',
    { schema: { ...tag, summary: 'Flip active/inactive (FeatBit-compatible: answers true)', params: Params, response: responses(Type.Boolean()) } },
    async (request) => {
      await service.toggle(orgPrincipalOf(request), (request.params as { id: string }).id);
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
      const grace = (request.body as { graceSeconds?: number } | undefined)?.graceSeconds ?? 0;
      const { row, secret } = await service.reset(p, (request.params as { id: string }).id, grace);
      return ok({ ...tokenView(row, p, ctx.usage), token: secret, secret });
    },
  );

  app.delete('/access-tokens/:id', { schema: { ...tag, summary: 'Remove a token for good (its audit history stays)', params: Params, response: responses(Type.Boolean()) } }, async (request) => {
    const p = orgPrincipalOf(request);
    await service.remove(p, (request.params as { id: string }).id);
    return ok(true);
  });
}

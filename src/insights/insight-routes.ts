// HTTP for flag insights: FeatBit's public track endpoint, for the SDKs (their key in Authorization), and the
// flag page's read under the authenticated API. Rules live in insight-service.ts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok, sendAppError } from '../platform/envelope.ts';
import { TooManyRequests, Unauthorized } from '../platform/errors.ts';
import { Id, Key, NoBody, responses, Type } from '../platform/schemas.ts';
import type { ResolvedSdkSecret } from '../sdk-keys/sdk-secret-resolver.ts';
import { MAX_TRACK_ITEMS } from './insight-model.ts';
import { insightService } from './insight-service.ts';

const TRACK_PATH = '/api/public/insight/track';

/** POST /api/public/insight/track: registered at the root, outside /api/v1 (FeatBit's path, which the SDKs build). */
export async function insightTrackRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const insights = insightService(ctx);
  const limit = ctx.config.rateLimitPerMinute;
  // One budget per client address (checked before the key is looked at: guessing keys is throttled too) and one per key.
  const byAddress = limit > 0 ? new RateLimiter(limit) : null;
  const bySecret = limit > 0 ? new RateLimiter(limit) : null;
  const secrets = new WeakMap<FastifyRequest, ResolvedSdkSecret>();

  app.post(
    TRACK_PATH,
    {
      schema: {
        tags: ['sdk'],
        summary: `Evaluations reported by FeatBit SDKs (Authorization: a server or client SDK key): a JSON array of {user, variations: [{featureFlagKey, sendToExperiment, timestamp, variation: {id, value}}], metrics: […]}, at most ${MAX_TRACK_ITEMS} items (413 beyond). Only counts per flag, variation and hour are kept; users and metrics are not. 200 with an empty body, as FeatBit answers.`,
        security: [{ sdkKey: [] }],
        body: Type.Array(Type.Unknown()),
        response: { 200: NoBody, '4xx': responses(Type.Null())['4xx'] },
      },
      // Before the body is read: a refused request costs no parsing.
      onRequest: async (request, reply) => {
        const now = ctx.clock.now();
        const near = byAddress?.hit(`a:${request.ip}`, now);
        if (near && !near.allowed) return sendAppError(reply, new TooManyRequests(near.retryAfterSeconds, limit));
        const value = request.headers.authorization;
        // Unknown, malformed, deleted or expired: the same 401; a malformed key is refused without a lookup.
        const secret = typeof value === 'string' ? await ctx.sdkSecrets.resolve(value, now) : null;
        if (!secret) return sendAppError(reply, new Unauthorized());
        const own = bySecret?.hit(`s:${secret.secretId}`, now);
        if (own && !own.allowed) return sendAppError(reply, new TooManyRequests(own.retryAfterSeconds, limit));
        secrets.set(request, secret);
      },
    },
    async (request, reply) => {
      insights.track(secrets.get(request)!, request.body);
      // FeatBit answers Ok(): a 200 with no body.
      return reply.code(200).send();
    },
  );
}

const Series = Type.Object({
  lastEvaluatedAt: Type.Union([Type.String(), Type.Null()]),
  series: Type.Array(Type.Object({ time: Type.String(), counts: Type.Record(Type.String(), Type.Integer()) })),
});

export async function insightRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const insights = insightService(ctx);
  app.get(
    '/envs/:envId/feature-flags/:key/insights',
    {
      schema: {
        tags: ['feature-flags'],
        summary:
          "A flag's evaluations per variation and hour over the last `hours` hours (default 24, at most 720), oldest first, and when it was last evaluated; includes what this instance received and has not written yet [CanAccessEnv]",
        params: Type.Object({ envId: Id, key: Key }),
        querystring: Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })) }),
        response: responses(Series),
      },
    },
    async (request) => ok(await insights.series(orgPrincipalOf(request), request.params.envId, request.params.key, request.query.hours ?? 24)),
  );
}

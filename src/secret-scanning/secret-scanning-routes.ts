// GitHub's secret-scanning partner alerts: POST /api/public/secret-scanning/alerts. Registered only when
// SECRET_SCANNING_KEYS is set (otherwise the path is a 404 like any unknown one). HTTP only: the body is kept as the
// bytes GitHub signed, checked before it is parsed, then handed to the leak service.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SecretScanningKey } from '../config.ts';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { AppContext } from '../platform/context.ts';
import { TooManyRequests, Unauthorized } from '../platform/errors.ts';
import { ErrorEnvelope, Type } from '../platform/schemas.ts';
import { isSignedByGitHub } from './alert-signature.ts';
import { SECRET_SCANNING_ACTOR, revokeLeaked, type LeakAlert } from './leak-service.ts';

export const ALERTS_PATH = '/api/public/secret-scanning/alerts';
/** A report of 1,000 tokens is about 250 KB; 4 MiB leaves room for long URLs without inviting abuse. */
export const MAX_ALERT_BODY = 4 * 1024 * 1024;
export const MAX_ALERTS = 10_000;
/** Per client address and instance; a signature check costs real CPU, so unsigned floods stop here first. */
export const ALERTS_PER_MINUTE = 120;

const Alert = Type.Object(
  {
    token: Type.String({ maxLength: 1024 }),
    type: Type.String({ maxLength: 256 }),
    url: Type.Optional(Type.String({ maxLength: 4096 })),
    source: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);
const Feedback = Type.Array(Type.Object({ token_raw: Type.String(), token_type: Type.String(), label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]) }), {
  description:
    "GitHub's feedback format: one entry per alert, in order; the label says whether the string is an Ensign access token by its prefix and checksum (the same whether or not this server knows it).",
});

const UNSIGNED = new Unauthorized();

export async function secretScanningRoutes(app: FastifyInstance, ctx: AppContext, keys: readonly SecretScanningKey[]) {
  const limiter = new RateLimiter(ALERTS_PER_MINUTE);
  const raw = new WeakMap<FastifyRequest, Buffer>();

  // The signature covers the bytes as sent: keep them, and parse only a body that proves to be GitHub's.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_ALERT_BODY }, (request, body, done) => {
    raw.set(request, body as Buffer);
    done(null, undefined);
  });

  app.post(
    ALERTS_PATH,
    {
      bodyLimit: MAX_ALERT_BODY,
      schema: {
        tags: ['secret scanning (public)'],
        security: [],
        summary:
          "GitHub's secret-scanning partner alert: every listed Ensign token still in use, in any organization, is deactivated (inactiveReason Leaked) on every instance before the answer. Signed by GitHub (Github-Public-Key-Identifier / Github-Public-Key-Signature, ECDSA P-256 over the raw body) with a key in SECRET_SCANNING_KEYS; off (404) when that is unset. The answer is GitHub's feedback array, not the envelope.",
        headers: Type.Object({
          'github-public-key-identifier': Type.Optional(Type.String({ maxLength: 256 })),
          'github-public-key-signature': Type.Optional(Type.String({ maxLength: 512 })),
        }),
        body: Type.Array(Alert, { maxItems: MAX_ALERTS }),
        response: { 200: Feedback, 400: ErrorEnvelope, 401: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope, 429: ErrorEnvelope },
      },
      onRequest: async (request) => {
        const decision = limiter.hit(request.ip, ctx.clock.now());
        if (!decision.allowed) throw new TooManyRequests(decision.retryAfterSeconds, ALERTS_PER_MINUTE);
      },
      // After the bytes are read, before validation: an unsigned body is refused unparsed.
      preValidation: async (request) => {
        const body = raw.get(request) ?? Buffer.alloc(0);
        if (!isSignedByGitHub(keys, request.headers['github-public-key-identifier'], request.headers['github-public-key-signature'], body)) throw UNSIGNED;
        request.body = JSON.parse(body.toString('utf8'));
      },
    },
    async (request) => {
      const deps = { ...ctx, invalidate: async (ids: string[]) => invalidateTokens(ctx, ids) };
      const { feedback } = await revokeLeaked(deps, request.body as LeakAlert[], SECRET_SCANNING_ACTOR);
      return feedback;
    },
  );
}

/** Each token on every instance; one event per token keeps the other instances' caches of everything else warm. */
async function invalidateTokens(ctx: AppContext, ids: string[]): Promise<void> {
  for (const tokenId of ids) await ctx.invalidate({ kind: 'token', tokenId });
}

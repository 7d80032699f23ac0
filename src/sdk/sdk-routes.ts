// HTTP of the SDK protocol, at FeatBit's paths (evaluation server Api/Public/*): polling for server and client SDKs,
// and the WebSocket streaming endpoint (sdk-streaming.ts) on the same HTTP server. Public: the SDK key is the
// credential, sent bare in Authorization (polling) or hidden in the streaming token.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { clientAddressOf } from '../platform/client-address.ts';
import type { AppContext } from '../platform/context.ts';
import { JSON_TYPE } from '../platform/envelope.ts';
import { BadRequest } from '../platform/errors.ts';
import { ErrorEnvelope, NoBody, Type } from '../platform/schemas.ts';
import { parseUser } from './sdk-payloads.ts';
import { sdkService } from './sdk-service.ts';
import { attachStreaming } from './sdk-streaming.ts';

const SyncQuery = Type.Object({ timestamp: Type.Optional(Type.String({ maxLength: 32 })) });
const tags = ['SDK (public)'];
const security = [{ sdkKey: [] }];
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 429: ErrorEnvelope };
// The SDKs read these bodies as they are: FeatBit's data-sync message, not the {success, errors, data} envelope.
// Typed as what it is sent as: text serialized per poll, or bytes encoded once and shared (Fastify sends a Buffer as
// it is); the schema documents its shape.
const DataSync = Type.Unsafe<string | Buffer>(Type.Object({ messageType: Type.Literal('data-sync'), data: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: true }));
const User = Type.Object(
  {
    keyId: Type.String({ minLength: 1, maxLength: 512 }),
    name: Type.Optional(Type.String({ maxLength: 512 })),
    customizedProperties: Type.Optional(Type.Array(Type.Object({ name: Type.String({ maxLength: 512 }), value: Type.Unknown() }), { maxItems: 500 })),
  },
  { additionalProperties: true },
);

export async function sdkRoutes(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const sdk = sdkService(ctx, fastify.log);
  const streaming = attachStreaming(fastify.server, sdk, {
    clientAddress: clientAddressOf(ctx.config.trustProxy),
    onError: (err) => fastify.log.error({ err }, 'an SDK streaming connection failed'),
  });
  fastify.addHook('preClose', (done) => {
    streaming.close();
    done();
  });

  app.get(
    '/api/public/sdk/server/latest-all',
    {
      schema: {
        tags,
        security,
        summary: "A server SDK's poll: the data-sync message (timestamp 0 or absent: everything; otherwise what changed after it). ETag / If-None-Match → 304",
        querystring: SyncQuery,
        response: { 200: DataSync, 304: NoBody, ...errors },
      },
    },
    async (request, reply) => {
      const poll = await sdk.serverPoll(request.headers.authorization, request.headers['if-none-match'], request.ip, request.query.timestamp);
      // No payload: a 304 carries no body, so no Content-Length either.
      if (poll.notModified) return reply.code(304).send();
      return reply.header('etag', poll.etag).type(JSON_TYPE).send(poll.bytes);
    },
  );

  app.post(
    '/api/public/sdk/client/latest-all',
    {
      schema: {
        tags,
        security,
        summary: "A client SDK's poll: the user's evaluated flags (timestamp 0 or absent: all; otherwise those changed after it)",
        querystring: SyncQuery,
        body: User,
        response: { 200: DataSync, ...errors },
      },
    },
    async (request, reply) => {
      const key = await sdk.authorize(request.headers.authorization, 'client', request.ip);
      const user = parseUser(request.body);
      if (!user) throw new BadRequest('user_is_invalid');
      const body = await sdk.clientLatest(key, user, request.query.timestamp);
      return reply
        .type(JSON_TYPE)
        .serializer((s: string) => s)
        .send(body);
    },
  );
}

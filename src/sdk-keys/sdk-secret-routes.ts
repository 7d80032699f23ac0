// HTTP for an environment's SDK keys, at FeatBit's paths (Api/Controllers/EnvironmentSecretController.cs) plus rotate.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Id, Name, Type, optionalBody, responses } from '../platform/schemas.ts';
import { MAX_GRACE_SECONDS, sdkSecretService } from './sdk-secret-service.ts';
import { SecretSchema } from './sdk-secret-view.ts';

const EnvParams = Type.Object({ envId: Id });
const SecretParams = Type.Object({ envId: Id, id: Id });
const SecretType = Type.Union([Type.Literal('server'), Type.Literal('client')]);

export async function sdkSecretRoutes(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const secrets = sdkSecretService(ctx);
  const tags = ['environment secrets'];

  app.post(
    '/envs/:envId/secrets',
    {
      schema: {
        tags,
        summary: 'Add an SDK key to an environment; the response is the only one that shows a server key whole [CreateEnvSecret]',
        params: EnvParams,
        body: Type.Object({ name: Name, type: SecretType }, { additionalProperties: false }),
        response: responses(SecretSchema),
      },
    },
    async (request) => ok(await secrets.add(orgPrincipalOf(request), request.params.envId, request.body)),
  );

  app.put(
    '/envs/:envId/secrets/:id',
    {
      schema: {
        tags,
        summary: 'Rename an SDK key [UpdateEnvSecret]',
        params: SecretParams,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: responses(SecretSchema),
      },
    },
    async (request) => ok(await secrets.rename(orgPrincipalOf(request), request.params.envId, request.params.id, request.body)),
  );

  app.post(
    '/envs/:envId/secrets/:id/rotate',
    {
      schema: {
        tags,
        summary: 'Replace an SDK key with a new one (shown whole, once); the old key works for graceSeconds more (default 0) [UpdateEnvSecret and CreateEnvSecret]',
        params: SecretParams,
        body: optionalBody(Type.Object({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS })) }, { additionalProperties: false })),
        response: responses(SecretSchema),
      },
    },
    async (request) => ok(await secrets.rotate(orgPrincipalOf(request), request.params.envId, request.params.id, request.body?.graceSeconds ?? 0)),
  );

  app.delete(
    '/envs/:envId/secrets/:id',
    { schema: { tags, summary: 'Delete an SDK key: it is refused at once, on every instance [DeleteEnvSecret]', params: SecretParams, response: responses(Type.Boolean()) } },
    async (request) => ok(await secrets.remove(orgPrincipalOf(request), request.params.envId, request.params.id)),
  );
}

// HTTP for an environment's SDK keys, at FeatBit's paths (Api/Controllers/EnvironmentSecretController.cs) plus rotate.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgRoutes } from '../platform/org-route.ts';
import { Id, Name, Type, optionalBody } from '../platform/schemas.ts';
import { MAX_GRACE_SECONDS, sdkSecretService } from './sdk-secret-service.ts';
import { SecretSchema } from './sdk-secret-view.ts';

const EnvParams = Type.Object({ envId: Id });
const SecretParams = Type.Object({ envId: Id, id: Id });
const SecretType = Type.Union([Type.Literal('server'), Type.Literal('client')]);

export async function sdkSecretRoutes(app: FastifyInstance, ctx: AppContext) {
  const secrets = sdkSecretService(ctx);
  const route = orgRoutes(app, ['environment secrets']);

  route.post(
    '/envs/:envId/secrets',
    {
      summary: 'Add an SDK key to an environment; the response is the only one that shows a server key whole [CreateEnvSecret]',
      params: EnvParams,
      body: Type.Object({ name: Name, type: SecretType }, { additionalProperties: false }),
      response: SecretSchema,
    },
    (p, r) => secrets.add(p, r.params.envId, r.body),
  );

  route.put(
    '/envs/:envId/secrets/:id',
    { summary: 'Rename an SDK key [UpdateEnvSecret]', params: SecretParams, body: Type.Object({ name: Name }, { additionalProperties: false }), response: SecretSchema },
    (p, r) => secrets.rename(p, r.params.envId, r.params.id, r.body),
  );

  route.post(
    '/envs/:envId/secrets/:id/rotate',
    {
      summary: 'Replace an SDK key with a new one (shown whole, once); the old key works for graceSeconds more (default 0) [UpdateEnvSecret and CreateEnvSecret]',
      params: SecretParams,
      body: optionalBody(Type.Object({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS })) }, { additionalProperties: false })),
      response: SecretSchema,
    },
    (p, r) => secrets.rotate(p, r.params.envId, r.params.id, r.body?.graceSeconds ?? 0),
  );

  route.delete('/envs/:envId/secrets/:id', { summary: 'Delete an SDK key: it is refused at once, on every instance [DeleteEnvSecret]', params: SecretParams, response: Type.Boolean() }, (p, r) =>
    secrets.remove(p, r.params.envId, r.params.id),
  );
}

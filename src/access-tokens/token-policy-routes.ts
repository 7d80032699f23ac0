// HTTP only: an organization's token policy.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Id, Type, responses } from '../platform/schemas.ts';
import { createTokenPolicyService } from './token-policy-service.ts';
import { TokenPolicyView, tokenPolicyView } from './token-policy-view.ts';

export async function tokenPolicyRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const service = createTokenPolicyService(ctx);
  const params = Type.Object({ id: Id });
  const tags = ['access-tokens'];

  app.get(
    '/organizations/:id/token-policy',
    {
      schema: {
        tags,
        summary: "The organization's token policy (any member or token of the organization may read it: the create form shows it)",
        params,
        response: responses(TokenPolicyView),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      return ok(tokenPolicyView(await service.get(p, request.params.id)));
    },
  );

  app.put(
    '/organizations/:id/token-policy',
    {
      schema: {
        tags,
        summary:
          'Replace the token policy [CanManageIAM]. Tokens that break it are refused (403 TokenViolatesPolicy) until it is loosened; ' +
          'loosening it must not bring back a token that can do more than the caller (403 PermissionsExceedCaller).',
        params,
        body: TokenPolicyView,
        response: responses(TokenPolicyView),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const policy = await service.put(p, request.params.id, tokenPolicyView(request.body));
      return ok(tokenPolicyView(policy));
    },
  );
}

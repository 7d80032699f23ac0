// HTTP only: `POST /iam/explain` ("why was this refused?").
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { StatementSchema } from '../platform/schemas.ts';
import type { AppContext } from '../platform/context.ts';
import { principalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest } from '../platform/errors.ts';
import { Id, Type, responses } from '../platform/schemas.ts';
import { MAX_INLINE_POLICIES, createExplainService, type Subject } from './explain-service.ts';

const LayerRole = Type.Union([Type.Literal('member'), Type.Literal('owner'), Type.Literal('token'), Type.Literal('policies')], {
  description: "Whose statements: the member's, a personal token owner's, the token's own, or the given policies.",
});

export const ExplanationView = Type.Object({
  allowed: Type.Boolean(),
  reason: Type.String({ description: 'One sentence a person can read.' }),
  deciding: Type.Union([
    Type.Object({
      layer: LayerRole,
      policyId: Type.Union([Type.String(), Type.Null()], { description: "Null for a token's own statements and for an inline policy given without an id." }),
      statementIndex: Type.Integer({ minimum: 0, description: "0-based, within that policy's statements." }),
    }),
    Type.Null(),
  ]),
  limitedBy: Type.Union([Type.Literal('token'), Type.Literal('owner'), Type.Literal('deny'), Type.Literal('no-allow'), Type.Null()], {
    description: "Refusals only: a deny statement; no allow at all; only the token's own statements lacking one; only its owner's.",
  }),
});

const InlinePolicy = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 64 })),
    name: Type.Optional(Type.String({ maxLength: 128 })),
    statements: Type.Array(StatementSchema, { maxItems: 100 }),
  },
  { additionalProperties: false },
);

const ExplainBody = Type.Object(
  {
    member: Type.Optional(Id),
    token: Type.Optional(Id),
    policies: Type.Optional(Type.Array(InlinePolicy, { minItems: 1, maxItems: MAX_INLINE_POLICIES })),
    action: Type.String({ minLength: 1, maxLength: 64 }),
    resource: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export async function explainRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const service = createExplainService(ctx);

  app.post(
    '/iam/explain',
    {
      schema: {
        tags: ['iam'],
        summary:
          'Why an action on a resource is allowed or refused, for a member, a token, policies given inline, or (none given) the caller. ' +
          'Oneself and inline policies need no permission; another member needs CanManageIAM; a token needs ListAccessTokens on it.',
        body: ExplainBody,
        response: responses(ExplanationView),
      },
    },
    async (request) => {
      const { member, token, policies, action, resource } = request.body;
      const given = [member, token, policies].filter((x) => x !== undefined).length;
      if (given > 1) throw new BadRequest('subject_is_invalid');
      const subject: Subject = member !== undefined ? { member } : token !== undefined ? { token } : policies !== undefined ? { policies } : { self: true };
      return ok(await service.explain(principalOf(request), subject, action, resource));
    },
  );
}

// The caller's organizations over HTTP: list and create (sessions), rename (UpdateOrgName).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf, principalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Id, Name, Type, responses } from '../platform/schemas.ts';
import { createOrganizationService } from './organization-service.ts';

const Organization = Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() });

export async function organizationRoutes(server: FastifyInstance, ctx: AppContext) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const organizations = createOrganizationService(ctx);

  app.get('/organizations', { schema: { tags: ['organizations'], summary: "The caller's organizations (sessions only)", response: responses(Type.Array(Organization)) } }, async (request) =>
    ok(await organizations.list(principalOf(request))),
  );

  app.post(
    '/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization; the caller becomes its Owner (sessions only)',
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: responses(Organization),
      },
    },
    async (request) => ok(await organizations.create(principalOf(request), request.body.name)),
  );

  app.put(
    '/organizations/:orgId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Rename the organization [UpdateOrgName]',
        params: Type.Object({ orgId: Id }),
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: responses(Organization),
      },
    },
    async (request) => ok(await organizations.rename(orgPrincipalOf(request), request.params.orgId, request.body.name)),
  );
}

// Each feature's routes, in one list. Public ones first; the rest run behind authentication.
import type { FastifyInstance } from 'fastify';
import { identityRoutes, publicIdentityRoutes } from './identity/identity-routes.ts';
import { organizationRoutes } from './organizations/organization-routes.ts';
import type { AppContext } from './platform/context.ts';

export async function registerPublicFeatures(app: FastifyInstance, ctx: AppContext) {
  await publicIdentityRoutes(app, ctx);
}

export async function registerFeatures(app: FastifyInstance, ctx: AppContext) {
  await identityRoutes(app, ctx);
  await organizationRoutes(app, ctx);
}

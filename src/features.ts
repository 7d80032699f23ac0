// Each feature's routes, in one list. Public ones first; the rest run behind authentication.
import type { FastifyInstance } from 'fastify';
import { accessTokenLookupRoutes } from './access-tokens/access-token-lookup-routes.ts';
import { accessTokenRoutes } from './access-tokens/access-token-routes.ts';
import { currentTokenRoutes } from './access-tokens/current-token-routes.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { explainRoutes } from './explain/explain-routes.ts';
import { flagRoutes } from './flags/flag-routes.ts';
import { groupRoutes } from './iam/group-routes.ts';
import { memberRoutes } from './iam/member-routes.ts';
import { invitationRoutes } from './iam/invitation-routes.ts';
import { policyRoutes } from './iam/policy-routes.ts';
import { insightRoutes, insightTrackRoutes } from './insights/insight-routes.ts';
import { identityRoutes, publicIdentityRoutes } from './identity/identity-routes.ts';
import { organizationRoutes } from './organizations/organization-routes.ts';
import type { AppContext } from './platform/context.ts';
import { projectRoutes } from './projects/project-routes.ts';
import { sdkSecretRoutes } from './sdk-keys/sdk-secret-routes.ts';
import { sdkRoutes } from './sdk/sdk-routes.ts';
import { secretScanningRoutes } from './secret-scanning/secret-scanning-routes.ts';
import { segmentRoutes } from './segments/segment-routes.ts';
import { tokenPolicyRoutes } from './access-tokens/token-policy-routes.ts';

export async function registerPublicFeatures(app: FastifyInstance, ctx: AppContext) {
  await publicIdentityRoutes(app, ctx);
}

/** The SDK endpoints at FeatBit's paths (/streaming, /api/public/sdk/…, /api/public/insight/track): public, outside the
 * /api/v1 prefix; each checks the SDK key itself. */
export async function registerSdkFeatures(app: FastifyInstance, ctx: AppContext) {
  await sdkRoutes(app, ctx);
  await insightTrackRoutes(app, ctx);
}

/** GitHub's secret-scanning alerts: public, signed by GitHub, and there only when the operator set SECRET_SCANNING_KEYS.
 * In a context of their own: they read JSON bodies as raw bytes. */
export async function registerPartnerFeatures(app: FastifyInstance, ctx: AppContext) {
  const keys = ctx.config.secretScanningKeys;
  if (keys) await app.register(async (scope) => secretScanningRoutes(scope, ctx, keys));
}

export async function registerFeatures(app: FastifyInstance, ctx: AppContext) {
  await identityRoutes(app, ctx);
  await organizationRoutes(app, ctx);
  await projectRoutes(app, ctx);
  await sdkSecretRoutes(app, ctx);
  await flagRoutes(app, ctx);
  await segmentRoutes(app, ctx);
  await auditRoutes(app, ctx);
  await memberRoutes(app, ctx);
  await invitationRoutes(app, ctx);
  await groupRoutes(app, ctx);
  await policyRoutes(app, ctx);
  // Its own file: POST /access-tokens/lookup is a static path, so no /access-tokens/:id route can take it.
  await accessTokenLookupRoutes(app, ctx);
  await accessTokenRoutes(app, ctx);
  await tokenPolicyRoutes(app, ctx);
  await currentTokenRoutes(app, ctx);
  await explainRoutes(app, ctx);
  await insightRoutes(app, ctx);
}

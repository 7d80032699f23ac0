// What every feature receives: the shared services of one running instance.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { CredentialCache } from '../auth/credential-cache.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import type { Digester } from '../auth/credential-format.ts';
import type { OrgPrincipal, Principal } from '../auth/principal.ts';
import type { UsageTracker } from '../auth/usage.ts';
import type { Clock, Ids } from './clock.ts';
import type { Db, DbHandle } from './db.ts';
import type { Invalidation } from './invalidation-bus.ts';
import type { PreRouter, RawSend } from './raw-response.ts';
import type { SdkSecretResolver } from '../sdk-keys/sdk-secret-resolver.ts';
import type { InsightRecorder } from '../insights/insight-recorder.ts';
import { BadRequest } from './errors.ts';

export interface AppContext {
  config: Config;
  db: Db;
  kysely: DbHandle;
  clock: Clock;
  ids: Ids;
  digester: Digester;
  cache: CredentialCache;
  usage: UsageTracker;
  audit: AuditLog;
  /** Drop what this instance cached and tell every other instance to do the same; awaited before responding. */
  invalidate(event: Invalidation): Promise<void>;
  /** A feature's own cache hears every invalidation, this instance's and the others'. */
  onInvalidate(listener: (event: Invalidation) => void): void;
  /** Authentication: the hook runs `authenticate`; answers given before routing use `cachedToken` and `admit`. */
  auth: Authenticator;
  /**
   * Lets a feature answer requests before Fastify routes them, when it can decide them from memory
   * (flags/flag-fast-read.ts); `sendRaw` writes such an answer with the API's headers.
   */
  preRoute(handler: PreRouter): void;
  sendRaw: RawSend;
  /** SDK key → environment for the public SDK routes, with revocation events (sdk-keys/sdk-secret-resolver.ts). */
  sdkSecrets: SdkSecretResolver;
  /** Flag evaluations reported by SDKs, counted in memory and written in batches (insights/insight-recorder.ts). */
  insights: InsightRecorder;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  // Only reachable inside the authenticated context, where the hook has set it.
  return request.principal!;
}

/** The caller acting inside an organization; a session that chose none gets a 400. */
export function orgPrincipalOf(request: FastifyRequest): OrgPrincipal {
  const p = principalOf(request);
  if (p.kind === 'user') throw new BadRequest('organization_is_required');
  return p;
}

// What every feature receives: the shared services of one running instance.
// Platform declares the members it provides. A feature that provides a shared service declares its member
// beside that service, by declaration merging (auth/authenticate.ts, audit/audit-log.ts): platform sits below
// the features and imports none of them, not even a type.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Clock, Ids } from './clock.ts';
import type { Db, DbHandle } from './db.ts';
import type { Invalidation } from './invalidation-bus.ts';
import type { PreRouter, RawSend } from './raw-response.ts';
import { BadRequest } from './errors.ts';

export interface AppContext {
  config: Config;
  db: Db;
  kysely: DbHandle;
  clock: Clock;
  ids: Ids;
  /** Drop what this instance cached and tell every other instance to do the same; awaited before responding. */
  invalidate(event: Invalidation): Promise<void>;
  /** A feature's own cache hears every invalidation, this instance's and the others'. */
  onInvalidate(listener: (event: Invalidation) => void): void;
  /**
   * Lets a feature answer requests before Fastify routes them, when it can decide them from memory
   * (flags/flag-fast-read.ts); `sendRaw` writes such an answer with the API's headers.
   */
  preRoute(handler: PreRouter): void;
  sendRaw: RawSend;
}

/** The caller, as the authentication hook set it (auth/principal.ts declares `request.principal`). */
type RequestPrincipal = NonNullable<FastifyRequest['principal']>;

export function principalOf(request: FastifyRequest): RequestPrincipal {
  // Only reachable inside the authenticated context, where the hook has set it.
  return request.principal!;
}

/** The caller acting inside an organization; a session that chose none gets a 400. */
export function orgPrincipalOf(request: FastifyRequest): Exclude<RequestPrincipal, { kind: 'user' }> {
  const p = principalOf(request);
  if (p.kind === 'user') throw new BadRequest('organization_is_required');
  return p;
}

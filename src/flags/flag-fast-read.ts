// The hot read, `GET {prefix}/envs/{envId}/feature-flags/{key}` with an access token, answered before Fastify
// when everything it needs is already in this instance's memory: the token's principal (credential cache),
// the flag and its environment's RN (flag read cache), and the body the route serialized for that flag.
// CI jobs and integrations poll flags with the same token over and over; this is the request they repeat.
//
// It decides nothing the full route would not: the same cache entries, the same token decision
// (auth/token-decision.ts) and `permits` checks, the same rate limit (`admit`, counted once) and last-use
// tracking, the same headers and body. Anything it cannot settle from memory — a miss, a session or cookie, a refusal (401/403/404), an odd
// path — goes to Fastify untouched, which answers it in full and fills the caches. Every change that narrows
// a credential or changes a flag drops the cached entries before its own response, so this path sees a
// revocation exactly when the route does (test/access-tokens/before-routing.test.ts, revocation-race.test.ts).
import { AppError } from '../platform/errors.ts';
import { errorBody, errorHeaders } from '../platform/envelope.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import type { TokenPrincipal } from '../auth/principal.ts';
import { withTokenExpiry } from '../auth/token-expiry.ts';
import type { Clock } from '../platform/clock.ts';
import { pathOf, type PreRouter, type RawSend } from '../platform/raw-response.ts';
import type { FlagView } from './flag-service.ts';

export interface SerializedBody {
  text: string;
  length: number;
}

export interface FastReadOptions {
  /** The API prefix (`/api/v1`). */
  prefix: string;
  auth: Pick<Authenticator, 'cachedToken' | 'admit'>;
  flags: { cached(p: TokenPrincipal, envId: string, key: string, now: number): FlagView | undefined };
  /** The 200 bodies the route serialized, by the (immutable, cached) view they were made from. */
  bodies: WeakMap<FlagView, SerializedBody>;
  clock: Clock;
  send: RawSend;
}

const SEGMENT = '/feature-flags/';

export function createFlagFastRead({ prefix, auth, flags, bodies, clock, send }: FastReadOptions): PreRouter {
  const head = `${prefix}/envs/`;
  return function fastRead(req, res) {
    if (req.method !== 'GET') return false;
    const header = req.headers.authorization;
    if (header === undefined) return false;
    if (!req.url?.startsWith(head)) return false;
    const path = pathOf(req.url);
    // {envId}/feature-flags/{key}, each one segment, nothing encoded (Fastify decodes; leave those to it).
    const slash = path.indexOf('/', head.length);
    if (slash === -1 || !path.startsWith(SEGMENT, slash)) return false;
    const keyAt = slash + SEGMENT.length;
    if (keyAt === path.length || path.indexOf('/', keyAt) !== -1 || path.includes('%')) return false;
    // A route of its own (the router prefers it to {key}), never a flag.
    if (path.endsWith('/all-tags')) return false;

    const now = clock.now();
    const principal = auth.cachedToken(header, now, req);
    if (!principal) return false;
    const view = flags.cached(principal, path.slice(head.length, slash), path.slice(keyAt), now);
    const body = view && bodies.get(view);
    if (!body) return false;
    // From here on the request is this path's: the rate limit counts it, so it must be answered here.
    const admitted = auth.admit(principal, now);
    if (admitted instanceof AppError) {
      const text = errorBody(admitted);
      send(req, res, admitted.statusCode, text, Buffer.byteLength(text), Object.entries(errorHeaders(admitted) ?? {}).flat(), 'rate limited before routing');
    } else {
      send(req, res, 200, body.text, body.length, withTokenExpiry(admitted, principal, now), 'flag served from memory');
    }
    return true;
  };
}

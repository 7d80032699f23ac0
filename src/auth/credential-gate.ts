// The cheapest possible 401: a request to a secured API path whose Authorization header cannot be a
// credential (wrong prefix, length or alphabet, or a failed checksum) is answered in the HTTP server's
// own request listener, before Fastify builds a request, routes it or runs a hook. Such a request could
// never authenticate, and a flood of them (a scanner, a misconfigured client, a forged-token attack)
// should cost as little as possible.
//
// This is a shortcut, not a second authority: it asks the same token decision the authentication hook asks
// (token-decision.ts) with what it knows before any look-up, answers only its refusal, and answers it exactly
// as the hook would (status, body, headers; test/access-tokens/before-routing.test.ts compares the two). It
// never reads the database or a secret, and every request it lets through is authenticated in full as before. Paths it
// does not know to be secured (the public routes, anything outside the prefix, any percent-encoded path,
// which Fastify might decode into a public route) go to Fastify untouched.
import { errorBody, errorHeaders } from '../platform/envelope.ts';
import { Forbidden, Unauthorized } from '../platform/errors.ts';
import { pathOf, type PreRouter, type RawSend } from '../platform/raw-response.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import { credentialFromHeader, parseCredential } from './credential-format.ts';
import { FORBIDDEN, UNAUTHORIZED, decideToken, isRefusal } from './token-decision.ts';

export interface GateOptions {
  /** Where the secured API lives, with a trailing slash: `/api/v1/`. */
  prefix: string;
  /** Exact paths under the prefix that need no credential (the public routes); none may hold a parameter. */
  openPaths: ReadonlySet<string>;
  send: RawSend;
  /** The clock the decision is given; nothing decided before a look-up depends on it. */
  clock?: Clock;
}

export function createCredentialGate({ prefix, openPaths, send, clock = systemClock }: GateOptions): PreRouter {
  for (const path of openPaths) {
    if (/[:*]/.test(path)) throw new Error(`credential gate: public route ${path} has a parameter; match it by pattern first`);
  }
  // Each refusal's answer, serialized once: the same body and headers the error envelope gives.
  const answers = new Map(
    (
      [
        [UNAUTHORIZED, new Unauthorized()],
        [FORBIDDEN, new Forbidden()],
      ] as const
    ).map(([refusal, error]) => {
      const body = errorBody(error);
      return [refusal, { body, length: Buffer.byteLength(body), extra: Object.entries(errorHeaders(error) ?? {}).flat() }];
    }),
  );

  return function gate(req, res) {
    const header = req.headers.authorization;
    if (header === undefined) return false;
    if (!req.url?.startsWith(prefix)) return false;
    const path = pathOf(req.url);
    if (openPaths.has(path) || path.includes('%')) return false;
    // Nothing is looked up here, not even the client's address (no proxy is resolved): only what the decision
    // refuses before a look-up is answered.
    const decision = decideToken({ kind: parseCredential(credentialFromHeader(header)) }, { now: clock.now(), via: 'header' });
    if (!isRefusal(decision)) return false;
    const a = answers.get(decision)!;
    send(req, res, decision.status, a.body, a.length, a.extra, 'malformed credential refused before routing');
    return true;
  };
}

// The cheapest possible 401: a request to a secured API path whose Authorization header cannot be a
// credential (wrong prefix, length or alphabet, or a failed checksum) is answered in the HTTP server's
// own request listener, before Fastify builds a request, routes it or runs a hook. Such a request could
// never authenticate, and a flood of them (a scanner, a misconfigured client, a forged-token attack)
// should cost as little as possible.
//
// This is a shortcut, not a second authority: it answers exactly what the authentication hook would
// (status, body, headers; test/access-tokens/before-routing.test.ts compares the two), it never reads the
// database or a secret, and every request it lets through is authenticated in full as before. Paths it
// does not know to be secured (the public routes, anything outside the prefix, any percent-encoded path,
// which Fastify might decode into a public route) go to Fastify untouched.
import { errorBody, errorHeaders } from '../platform/envelope.ts';
import { Unauthorized } from '../platform/errors.ts';
import { pathOf, type PreRouter, type RawSend } from '../platform/raw-response.ts';
import { credentialFromHeader, parseCredential } from './credential-format.ts';

export interface GateOptions {
  /** Where the secured API lives, with a trailing slash: `/api/v1/`. */
  prefix: string;
  /** Exact paths under the prefix that need no credential (the public routes); none may hold a parameter. */
  openPaths: ReadonlySet<string>;
  send: RawSend;
}

export function createCredentialGate({ prefix, openPaths, send }: GateOptions): PreRouter {
  for (const path of openPaths) {
    if (/[:*]/.test(path)) throw new Error(`credential gate: public route ${path} has a parameter; match it by pattern first`);
  }
  const refusal = new Unauthorized();
  const body = errorBody(refusal);
  const length = Buffer.byteLength(body);
  const extra = Object.entries(errorHeaders(refusal)!).flat();

  return function gate(req, res) {
    const header = req.headers.authorization;
    if (header === undefined) return false;
    if (!req.url?.startsWith(prefix)) return false;
    const path = pathOf(req.url);
    if (openPaths.has(path) || path.includes('%')) return false;
    if (parseCredential(credentialFromHeader(header)) !== null) return false;
    send(req, res, 401, body, length, extra, 'malformed credential refused before routing');
    return true;
  };
}

// A refused permission check says what it checked: the 403 body stays FeatBit's `{"success": false, "errors":
// ["Forbidden"], "data": null}`, and two headers name the action and the RN, so a client (the UI's "why?") can ask
// `POST /iam/explain` about exactly that. The request's log line carries the same, under the request id every
// response already has in `X-Request-Id`, so an operator handed that id finds the refusal.
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { PermissionRefused } from '../platform/errors.ts';

export const REFUSED_ACTION_HEADER = 'ensign-refused-action';
export const REFUSED_RESOURCE_HEADER = 'ensign-refused-resource';

// RNs are built from validated keys and tags, but a header must never carry a byte it cannot hold.
const headerSafe = (text: string) => (/^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text));

/** Who was refused, for the log: ids only, never a credential. */
function who(p: Principal | null) {
  if (!p) return null;
  if (p.kind === 'user') return { kind: 'user', userId: p.userId };
  if (p.kind === 'member') return { kind: 'member', orgId: p.org.id, memberId: p.memberId };
  return { kind: 'token', orgId: p.org.id, tokenId: p.tokenId, memberId: p.memberId };
}

/** Install on the authenticated context, before its routes. */
export function reportRefusals(app: FastifyInstance): void {
  // onError runs before the error handler turns the error into the envelope, so headers set here are sent.
  app.addHook('onError', (request, reply, error, done) => {
    if (error instanceof PermissionRefused) {
      reply.header(REFUSED_ACTION_HEADER, headerSafe(error.action));
      reply.header(REFUSED_RESOURCE_HEADER, headerSafe(error.resource));
      request.log.info({ refused: { action: error.action, resource: error.resource }, principal: who(request.principal) }, 'permission refused');
    }
    done();
  });
}

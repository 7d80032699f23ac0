// A token-authenticated response says how long the token has left once that is under a week
// (`Ensign-Token-Expires-In: <seconds>`), so a script can warn its owner before it starts failing.
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../platform/clock.ts';
import type { Principal } from './principal.ts';

export const TOKEN_EXPIRES_IN_HEADER = 'ensign-token-expires-in';
export const EXPIRY_WARNING_SECONDS = 7 * 24 * 3600;

/** Whole seconds until the calling token stops working, when that is within a week; null otherwise. */
export function tokenExpiresIn(p: Principal | null, now: number): number | null {
  if (p === null || p.kind !== 'token' || p.expiresAt == null) return null;
  const left = Math.max(0, Math.floor((p.expiresAt - now) / 1000));
  return left <= EXPIRY_WARNING_SECONDS ? left : null;
}

/** `headers` ([name, value, …]) plus the expiry header when it is due: for answers written before routing. */
export function withTokenExpiry(headers: readonly string[], p: Principal, now: number): readonly string[] {
  const left = tokenExpiresIn(p, now);
  return left === null ? headers : [...headers, TOKEN_EXPIRES_IN_HEADER, String(left)];
}

/** Install on the authenticated context. */
export function sendTokenExpiry(app: FastifyInstance, clock: Clock): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const p = request.principal;
    // Only tokens with an expiry pay for reading the clock.
    if (p !== null && p.kind === 'token' && p.expiresAt != null) {
      const left = tokenExpiresIn(p, clock.now());
      if (left !== null) reply.header(TOKEN_EXPIRES_IN_HEADER, String(left));
    }
    done(null, payload);
  });
}

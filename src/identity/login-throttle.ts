// Sign-in attempts are counted per email and per address BEFORE the password is verified, each count one atomic
// upsert in the database: concurrent guesses cannot all slip in under the limit, and every instance sharing a
// PostgreSQL database shares the count. Past the limit the attempt is refused unverified, with 429 until the window ends.
import { createHash } from 'node:crypto';
import type { DbHandle } from '../platform/db.ts';
import { countAttempt, forgetAttempts, sweepAttempts, uncountAttempt, type AttemptCount } from './login-attempt-store.ts';

export interface ThrottleLimits {
  perEmail: number;
  perAddress: number;
  windowMs: number;
}

export const LOGIN_LIMITS: ThrottleLimits = { perEmail: 10, perAddress: 50, windowMs: 15 * 60_000 };

/** Seconds until the window of a count over its limit ends; 0 while the count is within it. */
export function waitFor(count: AttemptCount, limit: number, windowMs: number, now: number): number {
  if (count.attempts <= limit) return 0;
  return Math.max(1, Math.ceil((count.windowStart + windowMs - now) / 1000));
}

// Keys are digests: the table never holds an email or an address in clear.
const keyOf = (kind: 'email' | 'address', value: string) => createHash('sha256').update(`${kind}:${value}`).digest('base64url');

export function createLoginThrottle(db: DbHandle, limits: ThrottleLimits = LOGIN_LIMITS) {
  return {
    limits,
    /** Counts one attempt for this email and address; returns the seconds to wait (then do not verify), or 0. */
    async attempt(email: string, address: string, now: number): Promise<number> {
      const byEmail = await countAttempt(db, keyOf('email', email), now, limits.windowMs);
      const byAddress = await countAttempt(db, keyOf('address', address), now, limits.windowMs);
      return Math.max(waitFor(byEmail, limits.perEmail, limits.windowMs, now), waitFor(byAddress, limits.perAddress, limits.windowMs, now));
    },
    /** A verified attempt: the email starts afresh, and the address is not charged for it. */
    async succeeded(email: string, address: string): Promise<void> {
      await forgetAttempts(db, keyOf('email', email));
      await uncountAttempt(db, keyOf('address', address));
    },
    /** Deletes counts whose window has ended (a timer's job, never a request's). */
    sweep: (now: number) => sweepAttempts(db, now - limits.windowMs),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

// The last step of every authentication, on every path that answers (the hook and the flag fast read):
// the rate limit, its X-RateLimit-* headers, and the token's last use.
import { TooManyRequests } from '../platform/errors.ts';
import type { Principal } from './principal.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { UsageTracker } from './usage.ts';

const NO_HEADERS: readonly string[] = Object.freeze([]);

/** Admits a principal at `now`: a 429, or the headers to send as [name, value, …]. */
export type Admit = (principal: Principal, now: number) => TooManyRequests | readonly string[];

export function createAdmission(limiter: RateLimiter | null, usage: Pick<UsageTracker, 'touch'>): Admit {
  const limitText = limiter ? String(limiter.limit) : '';
  return function admit(principal, now) {
    let headers = NO_HEADERS;
    if (limiter) {
      const d = limiter.hit(principal.kind === 'token' ? `t:${principal.tokenId}` : `s:${principal.sessionId}`, now);
      // The error envelope adds X-RateLimit-Remaining: 0 (and Retry-After) to a 429.
      if (!d.allowed) return new TooManyRequests(d.retryAfterSeconds, limiter.limit);
      headers = ['x-ratelimit-limit', limitText, 'x-ratelimit-remaining', String(d.remaining)];
    }
    if (principal.kind === 'token') usage.touch(principal.tokenId, now);
    return headers;
  };
}

// Fixed one-minute windows per key: exact counts, the retry time, and keys that never share a budget.
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows exactly the limit in a window, counting down what remains, then refuses', () => {
    const l = new RateLimiter(3);
    expect([l.hit('k', 0), l.hit('k', 1), l.hit('k', 2)]).toEqual([
      { allowed: true, remaining: 2 },
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 0 },
    ]);
    expect(l.hit('k', 3)).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('says when the window ends, in whole seconds rounded up, never less than one', () => {
    const l = new RateLimiter(1);
    l.hit('k', 10_000);
    expect(l.hit('k', 10_000 + 30_500)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(l.hit('k', 10_000 + 59_999)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('starts a new window when the old one ends: the full limit again', () => {
    const l = new RateLimiter(2);
    l.hit('k', 0);
    l.hit('k', 1);
    expect(l.hit('k', 59_999).allowed).toBe(false);
    expect(l.hit('k', 60_000)).toEqual({ allowed: true, remaining: 1 });
  });

  it("one key's use never spends another's budget", () => {
    const l = new RateLimiter(1);
    expect(l.hit('t:a', 0).allowed).toBe(true);
    expect(l.hit('t:a', 0).allowed).toBe(false);
    expect(l.hit('t:b', 0)).toEqual({ allowed: true, remaining: 0 });
  });

  it('a refused request does not count: the window still ends on time', () => {
    const l = new RateLimiter(1, 1000);
    l.hit('k', 0);
    for (let i = 0; i < 10; i++) expect(l.hit('k', 500).allowed).toBe(false);
    expect(l.hit('k', 1000).allowed).toBe(true);
  });
});

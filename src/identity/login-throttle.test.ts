import { describe, expect, it } from 'vitest';
import { waitFor } from './login-throttle.ts';

describe('waitFor: the verdict on one counted attempt', () => {
  const windowMs = 15 * 60_000;
  it('within the limit: no wait', () => {
    expect(waitFor({ attempts: 1, windowStart: 0 }, 10, windowMs, 0)).toBe(0);
    expect(waitFor({ attempts: 10, windowStart: 0 }, 10, windowMs, 60_000)).toBe(0);
  });
  it('over the limit: until the window ends, rounded up, at least one second', () => {
    expect(waitFor({ attempts: 11, windowStart: 0 }, 10, windowMs, 0)).toBe(900);
    expect(waitFor({ attempts: 11, windowStart: 0 }, 10, windowMs, 899_001)).toBe(1);
    expect(waitFor({ attempts: 99, windowStart: 0 }, 10, windowMs, windowMs)).toBe(1);
  });
});

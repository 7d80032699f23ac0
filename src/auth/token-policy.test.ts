// The organization's token policy as a pure decision: which rules a token breaks.
import { describe, expect, it } from 'vitest';
import { compileTokenPolicy, DEFAULT_TOKEN_POLICY, tokenPolicyRefusal, tokenPolicyViolations, type TokenPolicy } from './token-policy.ts';

const DAY = 86_400_000;
const policy = (p: Partial<TokenPolicy>) => compileTokenPolicy({ ...DEFAULT_TOKEN_POLICY, ...p });
const token = (days: number | null, followsOwner = false) => ({ createdAt: 1000, expiresAt: days === null ? null : 1000 + days * DAY, followsOwner });

describe('tokenPolicyViolations', () => {
  it('the default policy asks nothing, and compiles to no check at all', () => {
    expect(compileTokenPolicy(DEFAULT_TOKEN_POLICY)).toBeNull();
    expect(tokenPolicyViolations(token(null, true), null)).toEqual([]);
    expect(tokenPolicyRefusal(token(null, true), null)).toBeNull();
  });

  it.each([
    [{ maxLifetimeDays: 30 }, token(30), []],
    [{ maxLifetimeDays: 30 }, token(30.0001), ['TokenLifetimeExceedsPolicy']],
    [{ maxLifetimeDays: 30 }, token(null), ['TokenLifetimeExceedsPolicy']], // no expiry lives for ever
    [{ requireExpiry: true }, token(null), ['TokenExpiryRequired']],
    [{ requireExpiry: true }, token(9999), []],
    [{ requireExpiry: true, maxLifetimeDays: 7 }, token(null), ['TokenExpiryRequired', 'TokenLifetimeExceedsPolicy']],
    [{ allowPersonalTokensThatFollowOwner: false }, token(null, true), ['PersonalTokenFollowingOwnerNotAllowed']],
    [{ allowPersonalTokensThatFollowOwner: false }, token(null, false), []],
    [{ allowPersonalTokensThatFollowOwner: false, maxLifetimeDays: 1 }, token(2, true), ['TokenLifetimeExceedsPolicy', 'PersonalTokenFollowingOwnerNotAllowed']],
  ] as const)('%j, token %j → %j', (p, t, expected) => {
    const compiled = policy(p);
    expect(tokenPolicyViolations(t, compiled)).toEqual(expected);
    // The hot path's answer is the first rule named, or none.
    expect(tokenPolicyRefusal(t, compiled)).toBe(expected[0] ?? null);
  });

  it('lifetime is measured from creation, so a token does not start breaking the policy as it ages', () => {
    const p = policy({ maxLifetimeDays: 30 });
    const t = { createdAt: 5 * DAY, expiresAt: 35 * DAY, followsOwner: false };
    expect(tokenPolicyRefusal(t, p)).toBeNull();
  });
});

// What clients see of a token policy: exactly its three settings.
import { Type } from '../platform/schemas.ts';
import { MAX_LIFETIME_DAYS, type TokenPolicy } from '../auth/token-policy.ts';

export const TokenPolicyView = Type.Object(
  {
    maxLifetimeDays: Type.Union([Type.Integer({ minimum: 1, maximum: MAX_LIFETIME_DAYS }), Type.Null()], {
      description: 'Every token must expire within this many days of its creation; a token without an expiry breaks it. null: no cap.',
    }),
    requireExpiry: Type.Boolean({ description: 'Every token must have an expiry.' }),
    allowPersonalTokensThatFollowOwner: Type.Boolean({ description: 'A personal token may be created with no statements of its own, following its owner in full.' }),
  },
  { additionalProperties: false },
);

export const tokenPolicyView = (p: TokenPolicy): TokenPolicy => ({
  maxLifetimeDays: p.maxLifetimeDays,
  requireExpiry: p.requireExpiry,
  allowPersonalTokensThatFollowOwner: p.allowPersonalTokensThatFollowOwner,
});

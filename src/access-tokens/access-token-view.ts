// What clients see of a token: never the secret or its digest, only the hint.
import type { Static } from 'typebox';
import type { OrgPrincipal } from '../auth/principal.ts';
import type { UsageTracker } from '../auth/usage.ts';
import { iso } from '../platform/clock.ts';
import { Type, StatementSchema } from '../platform/schemas.ts';
import { allowedOperations, tokenFacts } from './access-token-rules.ts';
import { mayActivateNow, type WithSecret } from './access-token-service.ts';
import type { TokenRow } from './access-token-store.ts';

export const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('Personal'), Type.Literal('Service')]),
  status: Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]),
  inactiveReason: Type.Union([Type.Literal('Deactivated'), Type.Literal('OwnerRemoved'), Type.Literal('Leaked'), Type.Null()], {
    description: 'Leaked: reported by secret scanning (or `ensign tokens revoke-leaked`); the secret is public.',
  }),
  token: Type.String({ description: 'A hint: the prefix and the last four characters. The secret itself is never returned after creation or reset.' }),
  permissions: Type.Array(StatementSchema),
  creator: Type.Object({ id: Type.String(), name: Type.String(), email: Type.Union([Type.String(), Type.Null()]) }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  allowedCidrs: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The address ranges it may be used from; null: anywhere. Set at creation, never changed.' }),
  allowedOperations: Type.Array(Type.String(), { description: 'What the caller may do to this token (rename, activate, deactivate, reset, remove).' }),
});

/** Only the create and reset responses use this schema: the one place a secret is serialized. */
export const TokenWithSecret = Type.Intersect([
  TokenView,
  Type.Object({
    secret: Type.String({
      description: 'Shown once. Store it now: it cannot be retrieved again. In this response `token` holds the whole secret too (as FeatBit answers); every later view shows the hint.',
    }),
  }),
]);

export function tokenView(t: TokenRow, p: OrgPrincipal, usage: Pick<UsageTracker, 'lastUsed'>): Static<typeof TokenView> {
  return {
    id: t.id,
    name: t.name,
    type: t.type,
    status: t.status,
    inactiveReason: t.inactive_reason,
    token: t.hint,
    permissions: JSON.parse(t.permissions),
    creator: { id: t.creator_member_id ?? t.creator_token_id ?? '', name: t.creator_name, email: t.creator_email },
    createdAt: iso(t.created_at)!,
    updatedAt: iso(t.updated_at)!,
    lastUsedAt: iso(usage.lastUsed(t.id, t.last_used_at)),
    expiresAt: iso(t.expires_at),
    allowedCidrs: t.allowed_cidrs === null ? null : (JSON.parse(t.allowed_cidrs) as string[]),
    // A leaked token's secret is public: it comes back only through a reset (mayActivateNow).
    allowedOperations: allowedOperations(p, tokenFacts(t)).filter((op) => op !== 'activate' || mayActivateNow(t)),
  };
}

/** The create and reset answer: FeatBit puts the whole token in `token` at creation; `secret` says the same, for clarity. */
export function tokenWithSecret({ row, secret }: WithSecret, p: OrgPrincipal, usage: Pick<UsageTracker, 'lastUsed'>): Static<typeof TokenWithSecret> {
  return { ...tokenView(row, p, usage), token: secret, secret };
}

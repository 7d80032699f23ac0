// What clients see of an SDK key: a client key whole (it ships in browsers anyway), a server key as a hint,
// except in the one response that created it (`mintedView`).
import { iso } from '../platform/clock.ts';
import { Type } from '../platform/schemas.ts';
import type { SecretRow } from './sdk-secret-store.ts';

export const SecretSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('server'), Type.Literal('client')]),
  value: Type.String({
    description: 'A client key whole; a server key whole only in the response that created it (environment or project creation, add, rotate), a hint (prefix…last four) afterwards.',
  }),
  previousValidUntil: Type.Union([Type.String(), Type.Null()], { description: 'After a rotation with a grace period: when the previous key stops working.' }),
});

export interface SecretView {
  id: string;
  name: string;
  type: 'server' | 'client';
  value: string;
  previousValidUntil: string | null;
}

/** A newly created or rotated key: the only type that carries a server key whole. */
export interface MintedSecret {
  row: SecretRow;
  value: string;
}

export const secretView = (s: SecretRow, now: number): SecretView => ({
  id: s.id,
  name: s.name,
  type: s.type,
  value: s.type === 'client' && s.value !== null ? s.value : s.hint,
  previousValidUntil: s.prevUntil !== null && s.prevUntil > now ? iso(s.prevUntil) : null,
});

export const mintedView = (m: MintedSecret, now: number): SecretView => ({ ...secretView(m.row, now), value: m.value });

/**
 * A new environment's keys for a creator who may not read that environment (say, a token holding only CreateProject):
 * its server keys as hints, since a server key reads every flag of the environment and that would be more than the
 * creator holds. They can be added or rotated later by someone who may.
 */
export const withheldView = (v: SecretView, hint: (value: string) => string): SecretView => (v.type === 'server' ? { ...v, value: hint(v.value) } : v);

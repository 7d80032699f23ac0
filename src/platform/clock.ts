// Time and randomness are parameters so tests can be exact.
import { randomUUID } from 'node:crypto';

export interface Clock {
  now(): number; // epoch milliseconds
}
export const systemClock: Clock = { now: () => Date.now() };

export interface Ids {
  next(): string;
}
export const uuidIds: Ids = { next: () => randomUUID() };

export const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

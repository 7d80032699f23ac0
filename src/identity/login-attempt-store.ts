// SQL for sign-in attempt counts: one row per key, counted with an atomic upsert (the same on SQLite and PostgreSQL).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/tables.ts';

export interface AttemptCount {
  attempts: number;
  windowStart: number;
}

/** Adds one attempt to the key's current window (a new window once the old one has ended); returns the new count. */
export async function countAttempt(db: Kysely<Database>, key: string, now: number, windowMs: number): Promise<AttemptCount> {
  const expired = now - windowMs;
  const row = await db
    .insertInto('login_attempts')
    .values({ key, window_start: now, attempts: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        // Both expressions read the row as it was: a window that ended restarts at one attempt, now.
        attempts: sql<number>`case when login_attempts.window_start <= ${expired} then 1 else login_attempts.attempts + 1 end`,
        window_start: sql<number>`case when login_attempts.window_start <= ${expired} then ${now} else login_attempts.window_start end`,
      }),
    )
    .returning(['attempts', 'window_start'])
    .executeTakeFirstOrThrow();
  return { attempts: Number(row.attempts), windowStart: Number(row.window_start) };
}

export async function uncountAttempt(db: Kysely<Database>, key: string): Promise<void> {
  await db.updateTable('login_attempts').set({ attempts: sql<number>`attempts - 1` }).where('key', '=', key).where('attempts', '>', 0).execute();
}

export async function forgetAttempts(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('key', '=', key).execute();
}

export async function sweepAttempts(db: Kysely<Database>, endedBefore: number): Promise<number> {
  const res = await db.deleteFrom('login_attempts').where('window_start', '<=', endedBefore).executeTakeFirst();
  return Number(res.numDeletedRows);
}

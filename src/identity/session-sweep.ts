// Expired sessions are refused on use (auth/authenticate.ts) and the cache forgets them; this deletes their
// rows, on a timer and never in a request, so the table holds live sessions only. Every instance may run
// it: deleting what is already gone deletes nothing.
import type { DbHandle } from '../platform/db.ts';

export const SWEEP_EVERY_MS = 10 * 60_000;

/** Deletes every session expired at `now`; returns how many. */
export async function sweepExpiredSessions(kysely: DbHandle, now: number): Promise<number> {
  const result = await kysely.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// lastUsedAt, accurate to a minute, without a database write per request:
// uses are noted in memory and flushed in batches, at most one write per token per WRITE_EVERY_MS.
import type { DbHandle } from '../platform/db.ts';
import { recordLastUse } from './credential-store.ts';

/** With a flush every FLUSH_EVERY_MS, a stored lastUsedAt is never more than a minute behind. */
export const FLUSH_EVERY_MS = 10_000;
const WRITE_EVERY_MS = 50_000;

export class UsageTracker {
  private readonly pending = new Map<string, number>();
  private readonly writtenAt = new Map<string, number>();

  constructor(private readonly db: DbHandle) {}

  touch(tokenId: string, now: number): void {
    this.pending.set(tokenId, now);
  }

  /** The freshest known last use: a pending one wins over the stored one. */
  lastUsed(tokenId: string, stored: number | null): number | null {
    const p = this.pending.get(tokenId);
    return p !== undefined && (stored === null || p > stored) ? p : stored;
  }

  /** Writes what is due; returns how many tokens were written. */
  async flush(now: number): Promise<number> {
    let writes = 0;
    for (const [tokenId, at] of [...this.pending]) {
      const last = this.writtenAt.get(tokenId);
      if (last !== undefined && now - last < WRITE_EVERY_MS) continue;
      this.pending.delete(tokenId);
      this.writtenAt.set(tokenId, now);
      await recordLastUse(this.db, tokenId, at);
      writes++;
    }
    // Forget tokens not written for a while, so churn does not grow the map.
    if (this.writtenAt.size > 100_000) for (const [id, t] of this.writtenAt) if (now - t >= WRITE_EVERY_MS) this.writtenAt.delete(id);
    return writes;
  }
}

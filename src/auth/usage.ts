// lastUsedAt, accurate to a minute, without a database write per request: batched, at most one write per token per minute.
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';

export class UsageTracker {
  private readonly pending = new Map<string, number>();
  private readonly written = new Map<string, number>();

  constructor(private readonly db: Kysely<Database>) {}

  touch(tokenId: string, now: number): void {
    const last = this.written.get(tokenId);
    if (last !== undefined && now - last < 60_000) {
      // Already recorded this minute; keep the newest value for views only.
      this.pending.set(tokenId, now);
      return;
    }
    this.pending.set(tokenId, now);
  }

  /** The freshest known last use: a pending one wins over the stored one. */
  lastUsed(tokenId: string, stored: number | null): number | null {
    const p = this.pending.get(tokenId);
    return p !== undefined && (stored === null || p > stored) ? p : stored;
  }

  async flush(now: number): Promise<number> {
    let writes = 0;
    for (const [tokenId, at] of [...this.pending]) {
      const last = this.written.get(tokenId);
      if (last !== undefined && at - last < 60_000 && now - last < 60_000) continue;
      this.pending.delete(tokenId);
      this.written.set(tokenId, at);
      await this.db
        .updateTable('access_tokens')
        .set({ last_used_at: at })
        .where('id', '=', tokenId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
        .execute();
      writes++;
    }
    if (this.written.size > 100_000) this.written.clear();
    return writes;
  }
}

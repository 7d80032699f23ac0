// Evaluations counted in memory and written in batches: a track request never waits for the database. Every
// FLUSH_EVERY_MS the counts go to the database, only for flags and variations that exist; reads add what is
// still in memory, so what this instance received shows at once.
import { variationIdsByFlag } from '../flags/flag-variation-read-model.ts';
import type { DbHandle } from '../platform/db.ts';
import { hourOf, KEEP_MS, type Evaluation, type InsightCount } from './insight-model.ts';
import { insightStore, type InsightStore } from './insight-store.ts';

export const FLUSH_EVERY_MS = 10_000;
/** Distinct (environment, flag, variation, hour) counts held between flushes; evaluations of others are dropped. */
export const MAX_PENDING = 50_000;

const keyOf = (envId: string, flagKey: string, hour: number, variationId: string) => `${envId}\n${flagKey}\n${hour}\n${variationId}`;

export class InsightRecorder {
  private pending = new Map<string, InsightCount>();
  // Drained by a flush that has not finished writing: still counted by reads.
  private writing: InsightCount[] = [];
  /** Evaluations dropped because MAX_PENDING was reached (for logs and tests). */
  dropped = 0;
  readonly store: InsightStore;

  constructor(private readonly db: DbHandle) {
    this.store = insightStore(db);
  }

  record(envId: string, evaluations: readonly Evaluation[], now: number): void {
    const hour = hourOf(now);
    for (const e of evaluations) {
      const key = keyOf(envId, e.flagKey, hour, e.variationId);
      const c = this.pending.get(key);
      if (c) {
        c.count++;
        c.lastAt = now;
      } else if (this.pending.size < MAX_PENDING) {
        this.pending.set(key, { envId, flagKey: e.flagKey, hour, variationId: e.variationId, count: 1, lastAt: now });
      } else {
        this.dropped++;
      }
    }
  }

  /** Writes the pending counts of existing flags and variations; returns how many rows were written. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const drained = [...this.pending.values()];
    this.pending = new Map();
    this.writing = drained;
    try {
      const known = await variationIdsByFlag(this.db, [...new Set(drained.map((c) => c.envId))]);
      const kept = drained.filter((c) => known.get(c.envId)?.get(c.flagKey)?.has(c.variationId));
      await this.store.add(kept);
      return kept.length;
    } catch (err) {
      // Not lost on a failed write: merged back, to be tried at the next flush.
      for (const c of drained) {
        const key = keyOf(c.envId, c.flagKey, c.hour, c.variationId);
        const p = this.pending.get(key);
        if (p) {
          p.count += c.count;
          p.lastAt = Math.max(p.lastAt, c.lastAt);
        } else if (this.pending.size < MAX_PENDING) this.pending.set(key, { ...c });
      }
      throw err;
    } finally {
      this.writing = [];
    }
  }

  /** The flag's counts from hour `from` on: stored, being written and pending. */
  async countsSince(envId: string, flagKey: string, from: number): Promise<{ counts: InsightCount[]; lastAt: number | null }> {
    const inMemory = [...this.writing, ...this.pending.values()].filter((c) => c.envId === envId && c.flagKey === flagKey);
    const [stored, storedLast] = await Promise.all([this.store.since(envId, flagKey, from), this.store.lastEvaluatedAt(envId, flagKey)]);
    let lastAt = storedLast;
    for (const c of inMemory) if (lastAt === null || c.lastAt > lastAt) lastAt = c.lastAt;
    return { counts: [...stored, ...inMemory.filter((c) => c.hour >= from)], lastAt };
  }

  /** Drops buckets older than KEEP_MS. */
  sweep(now: number): Promise<number> {
    return this.store.sweep(hourOf(now - KEEP_MS));
  }
}

declare module '../platform/context.ts' {
  interface AppContext {
    /** Flag evaluations reported by SDKs, counted in memory and written in batches. */
    insights: InsightRecorder;
  }
}

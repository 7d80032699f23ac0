// Memory in front of the hot read: a flag as served, by environment and key. Every flag write and every
// environment or project deletion drops its environments here before the response is sent, on this
// instance directly and on the others through the invalidation bus; anything older than `maxAgeMs` is
// read again (a lost notification is therefore bounded). A generation counter stops a read that raced
// with an invalidation from putting what it read back.
import type { Rn } from '../policy/rn.ts';
import type { Invalidation } from '../platform/invalidation-bus.ts';
import type { FlagView } from './flag-view.ts';

export interface CachedFlag {
  orgId: string;
  /** The environment's RN, which reading is checked against (its keys never change). */
  envRn: Rn;
  view: FlagView;
  loadedAt: number;
}

export class FlagReadCache {
  private generation = 0;
  private size = 0;
  private readonly byEnv = new Map<string, Map<string, CachedFlag>>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  /** Take before a database read; pass to `put` so a read that raced an invalidation is not kept. */
  stamp(): number {
    return this.generation;
  }

  /** The flag `key` of environment `envId`, if cached recently for this organization (another's ids look missing). */
  get(orgId: string, envId: string, key: string, now: number): CachedFlag | undefined {
    const e = this.byEnv.get(envId)?.get(key);
    return e && e.orgId === orgId && now - e.loadedAt < this.maxAgeMs ? e : undefined;
  }

  put(envId: string, key: string, entry: CachedFlag, stamp: number): void {
    if (stamp !== this.generation) return;
    if (this.size >= this.maxEntries) this.clear();
    let flags = this.byEnv.get(envId);
    if (!flags) this.byEnv.set(envId, (flags = new Map()));
    if (!flags.has(key)) this.size++;
    flags.set(key, entry);
  }

  invalidate(event: Invalidation): void {
    if (event.kind === 'flags') {
      this.generation++;
      for (const envId of event.envIds) {
        this.size -= this.byEnv.get(envId)?.size ?? 0;
        this.byEnv.delete(envId);
      }
    } else if (event.kind === 'all') {
      this.generation++;
      this.clear();
    }
  }

  private clear(): void {
    this.byEnv.clear();
    this.size = 0;
  }
}

// In-memory, per-environment flags and segments for the SDK payloads: loaded once per environment, reloaded after the
// invalidations that name it (flag and segment writes publish {kind: 'flags', envIds} on every instance; 'all' after a
// lost notification). A new connection's full sync and a poll read memory, not the database.
//
// An invalidation bumps the environment's generation; a load remembers the generation it started at, and loads again
// when another invalidation arrived meanwhile, so a snapshot never outlives a change it may have missed. Each completed
// reload is handed to `onChange(before, after)` (the streaming hub pushes the difference).
import type { Invalidation } from '../platform/invalidation-bus.ts';
import { makeSnapshot, type EnvSnapshot, type SdkFlag, type SdkSegment } from './sdk-payloads.ts';

export type LoadEnvironment = (envId: string, orgId: string) => Promise<{ flags: SdkFlag[]; segments: SdkSegment[] } | null>;

interface Entry {
  orgId: string;
  snapshot: EnvSnapshot | null;
  generation: number;
  loadedGeneration: number;
  loading: Promise<void> | null;
}

export interface SdkReadModel {
  /** The environment's snapshot (null once the environment is gone); loads it on first use or after a change. */
  get(envId: string, orgId: string): Promise<EnvSnapshot | null>;
  /** Hears an invalidation; environments for which `eager(envId)` holds are reloaded now, the rest on next use. */
  invalidate(event: Invalidation): void;
  /** Resolves once every reload started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
}

export interface SdkReadModelDeps {
  load: LoadEnvironment;
  /** True for environments with open sockets: they reload at once, so that the change can be pushed. */
  eager(envId: string): boolean;
  onChange(envId: string, before: EnvSnapshot | null, after: EnvSnapshot | null): void;
  onError(err: unknown, envId: string): void;
}

/** Items that did not change keep their object, so the evaluation core's per-object compiled forms stay warm. */
function reuse(before: EnvSnapshot | null, envId: string, flags: SdkFlag[], segments: SdkSegment[]): EnvSnapshot {
  if (!before) return makeSnapshot(envId, flags, segments);
  const oldFlags = new Map(before.flags.map((f) => [f.key, f]));
  const oldSegments = new Map(before.segments.map((s) => [s.id, s]));
  const keptFlags = flags.map((f) => {
    const old = oldFlags.get(f.key);
    return old && old.updatedAt === f.updatedAt && old.revision === f.revision && old.isArchived === f.isArchived ? old : f;
  });
  const keptSegments = segments.map((s) => {
    const old = oldSegments.get(s.id);
    return old && old.updatedAt === s.updatedAt && old.isArchived === s.isArchived ? old : s;
  });
  return makeSnapshot(envId, keptFlags, keptSegments);
}

export function createSdkReadModel(deps: SdkReadModelDeps): SdkReadModel {
  const entries = new Map<string, Entry>();

  const reload = (envId: string, entry: Entry): Promise<void> => {
    if (entry.loading) return entry.loading;
    entry.loading = (async () => {
      try {
        while (entry.loadedGeneration !== entry.generation) {
          const generation = entry.generation;
          const data = await deps.load(envId, entry.orgId);
          const before = entry.snapshot;
          entry.snapshot = data ? reuse(before, envId, data.flags, data.segments) : null;
          entry.loadedGeneration = generation;
          if (!data) entries.delete(envId);
          deps.onChange(envId, before, entry.snapshot);
        }
      } finally {
        entry.loading = null;
      }
    })();
    return entry.loading;
  };

  // Eager reloads start on the next turn of the event loop: the write that published the invalidation answers its
  // REST request first, and the push to many sockets does not hold that response back.
  const scheduled = new Set<string>();
  const bump = (envId: string, entry: Entry) => {
    entry.generation++;
    if (!deps.eager(envId) || scheduled.has(envId)) return;
    scheduled.add(envId);
    setImmediate(() => {
      scheduled.delete(envId);
      reload(envId, entry).catch((err) => deps.onError(err, envId));
    });
  };

  return {
    async get(envId, orgId) {
      let entry = entries.get(envId);
      if (!entry) {
        entry = { orgId, snapshot: null, generation: 1, loadedGeneration: 0, loading: null };
        entries.set(envId, entry);
      }
      // A reload that fails leaves the generation unloaded: the next call tries again.
      while (entry.loadedGeneration !== entry.generation) await reload(envId, entry);
      return entry.snapshot;
    },

    invalidate(event) {
      if (event.kind === 'flags') {
        for (const envId of event.envIds) {
          const entry = entries.get(envId);
          if (entry) bump(envId, entry);
        }
      } else if (event.kind === 'all') {
        for (const [envId, entry] of entries) bump(envId, entry);
      }
    },

    async settled() {
      for (;;) {
        if (scheduled.size > 0) await new Promise((r) => setImmediate(r));
        const pending = [...entries.values()].map((e) => e.loading).filter((p): p is Promise<void> => p !== null);
        if (pending.length === 0 && scheduled.size === 0) return;
        await Promise.allSettled(pending);
      }
    },
  };
}

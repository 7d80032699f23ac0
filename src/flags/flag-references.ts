// Read model for segments: which flags name a segment in their rules (FeatBit's flag-references).
import type { Dialect } from '../platform/db.ts';
import type { Q } from '../projects/project-store.ts';
import { referencedSegments } from '../targeting/targeting-model.ts';
import { flagStore, type FlagRow } from './flag-store.ts';

export interface FlagReference {
  id: string;
  envId: string;
  name: string;
  key: string;
}

async function naming(db: Q, dialect: Dialect, orgId: string, segmentId: string, envId?: string): Promise<FlagRow[]> {
  const candidates = await flagStore(db, dialect).rulesMentioning(orgId, segmentId, envId);
  return candidates.filter((f) => referencedSegments(f.rules).includes(segmentId));
}

/** Flags of the organization (of environment `envId`, when given) whose rules name `segmentId`, by key. */
export async function flagsNamingSegment(db: Q, dialect: Dialect, orgId: string, segmentId: string, envId?: string): Promise<FlagReference[]> {
  return (await naming(db, dialect, orgId, segmentId, envId)).map((f) => ({ id: f.id, envId: f.envId, name: f.name, key: f.key }));
}

/**
 * A segment's users or rules changed: the flags naming it now evaluate differently, so they get a new
 * revision and a later updatedAt (FeatBit's ReferencedSegmentTargetingUpdated), which client SDKs need to
 * take the new results. Returns the environments whose flags changed, for cache invalidation.
 */
export async function touchFlagsNamingSegment(db: Q, dialect: Dialect, orgId: string, segmentId: string, now: number, nextRevision: () => string): Promise<string[]> {
  const flags = await naming(db, dialect, orgId, segmentId);
  await flagStore(db, dialect).touch(orgId, flags, now, nextRevision);
  return [...new Set(flags.map((f) => f.envId))];
}

/** What segments may ask of flags, given to them through the context so that segments import nothing of flags. */
export const flagReferences = { flagsNamingSegment, touchFlagsNamingSegment };

declare module '../platform/context.ts' {
  interface AppContext {
    /** Flags naming a segment, and the revision bump a segment change gives them (flags/flag-references.ts). */
    flagReferences: typeof flagReferences;
  }
}

// Read model for segments: which flags name a segment in their rules (FeatBit's flag-references).
import type { Dialect } from '../platform/db.ts';
import type { Q } from '../projects/project-store.ts';
import { referencedSegments } from '../targeting/targeting-model.ts';
import { flagStore } from './flag-store.ts';

export interface FlagReference {
  id: string;
  envId: string;
  name: string;
  key: string;
}

/** Flags of the organization (of environment `envId`, when given) whose rules name `segmentId`, by key. */
export async function flagsNamingSegment(db: Q, dialect: Dialect, orgId: string, segmentId: string, envId?: string): Promise<FlagReference[]> {
  const candidates = await flagStore(db, dialect).rulesMentioning(orgId, segmentId, envId);
  return candidates.filter((f) => referencedSegments(f.rules).includes(segmentId)).map((f) => ({ id: f.id, envId: f.envId, name: f.name, key: f.key }));
}

// Read model for other features (flags): which segments an environment can use, and who uses a segment.
import { formatRn, rn } from '../policy/rn.ts';
import type { Dialect } from '../platform/db.ts';
import type { EnvironmentRef } from '../environments/environment-read-model.ts';
import type { Q } from '../projects/project-store.ts';
import { segmentStore, type SegmentReach, type SegmentRow } from './segment-store.ts';

/** Where an environment reads segments from: its own, and its project's shared ones scoped to the project or to it. */
export const segmentReach = (env: EnvironmentRef): SegmentReach => ({
  envId: env.id,
  projectId: env.projectId,
  scopeTexts: [formatRn(rn.project(env.projectKey)), formatRn(rn.env(env.projectKey, env.key))],
});

/** The segments among `ids` that flags of `env` may name; archived ones only when `withArchived`. */
export async function visibleSegments(db: Q, dialect: Dialect, orgId: string, env: EnvironmentRef, ids: readonly string[], withArchived = false): Promise<SegmentRow[]> {
  // Locked for share: a concurrent archive waits for this transaction, then sees the reference it made.
  const found = await segmentStore(db, dialect).visible(orgId, segmentReach(env), ids, !withArchived);
  return withArchived ? found : found.filter((s) => !s.isArchived);
}

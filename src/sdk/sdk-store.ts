// SQL for the SDK read model: every flag of one environment, and every segment it can name (its own and its project's
// shared ones that cover it), as FeatBit's SDK documents. Read-only; the flags and segments features own the writes.
import type { Db } from '../platform/db.ts';
import type { Database } from '../platform/tables.ts';
import { jsonTextHolds } from '../platform/sql-helpers.ts';
import { findEnvironmentRef } from '../environments/environment-read-model.ts';
import { segmentReach } from '../segments/segment-read-model.ts';
import type { SdkFlag, SdkSegment } from './sdk-payloads.ts';

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

const toFlag = (r: Database['feature_flags']): SdkFlag => ({
  id: r.id,
  envId: r.env_id,
  key: r.key,
  name: r.name,
  description: r.description,
  variationType: r.variation_type,
  variations: JSON.parse(r.variations),
  targetUsers: JSON.parse(r.target_users),
  rules: JSON.parse(r.rules),
  isEnabled: Number(r.is_enabled) === 1,
  disabledVariationId: r.disabled_variation_id,
  fallthrough: JSON.parse(r.fallthrough),
  exptIncludeAllTargets: Number(r.expt_include_all_targets) === 1,
  tags: JSON.parse(r.tags),
  isArchived: Number(r.is_archived) === 1,
  revision: r.revision,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const toSegment = (r: Database['segments']): SdkSegment => ({
  id: r.id,
  envId: r.env_id,
  name: r.name,
  description: r.description,
  type: r.type,
  scopes: JSON.parse(r.scopes),
  included: JSON.parse(r.included),
  excluded: JSON.parse(r.excluded),
  rules: JSON.parse(r.rules),
  tags: JSON.parse(r.tags),
  isArchived: Number(r.is_archived) === 1,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

export function sdkStore(db: Pick<Db, 'kysely' | 'dialect'>) {
  const { kysely, dialect } = db;
  return {
    /** The environment's flags and usable segments, or null when the environment no longer exists. */
    async loadEnvironment(envId: string, orgId: string): Promise<{ flags: SdkFlag[]; segments: SdkSegment[] } | null> {
      const env = await findEnvironmentRef(kysely, dialect, orgId, envId);
      if (!env) return null;
      const reach = segmentReach(env);
      const [flags, segments] = await Promise.all([
        kysely.selectFrom('feature_flags').selectAll().where('org_id', '=', orgId).where('env_id', '=', envId).orderBy('key').execute(),
        kysely
          .selectFrom('segments')
          .selectAll()
          .where('org_id', '=', orgId)
          .where((eb) =>
            eb.or([
              eb('env_id', '=', envId),
              eb.and([
                eb('type', '=', 'shared'),
                eb('env_id', 'in', kysely.selectFrom('environments').select('id').where('org_id', '=', orgId).where('project_id', '=', env.projectId)),
                eb.or(reach.scopeTexts.map((t) => jsonTextHolds(dialect, 'scopes', t))),
              ]),
            ]),
          )
          .orderBy('id')
          .execute(),
      ]);
      return { flags: flags.map(toFlag), segments: segments.map(toSegment) };
    },
  };
}

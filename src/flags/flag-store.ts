// SQL for feature flags. Every query is scoped by org_id and env_id.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Dialect } from '../platform/db.ts';
import type { Database } from '../platform/tables.ts';
import { containsIgnoreCase, firstRow, jsonTextHolds } from '../platform/sql-helpers.ts';
import type { Fallthrough, TargetRule, TargetUser } from '../targeting/targeting-model.ts';
import type { Variation, VariationType } from './flag-variations.ts';

type Q = Kysely<Database> | Transaction<Database>;

export interface FlagRow {
  id: string;
  envId: string;
  key: string;
  name: string;
  description: string;
  isEnabled: boolean;
  variationType: VariationType;
  variations: Variation[];
  enabledVariationId: string;
  disabledVariationId: string;
  /** A GUID, new on every change; writers that carry one must carry the current one (409 otherwise). */
  revision: string;
  targetUsers: TargetUser[];
  rules: TargetRule[];
  fallthrough: Fallthrough;
  exptIncludeAllTargets: boolean;
  tags: string[];
  isArchived: boolean;
  /** The member (or, for a service token, the token) that created / last changed it; '' for flags made before this was kept. */
  creatorId: string;
  updatorId: string;
  createdAt: number;
  updatedAt: number;
}

export interface FlagFilter {
  name?: string;
  /** Flags carrying every one of these tags (FeatBit's filter). */
  tags: string[];
  isEnabled?: boolean;
  isArchived: boolean;
  /** FeatBit's sortBy: 'key' by key, anything else newest first. */
  sortBy?: string;
}

const toFlag = (r: Database['feature_flags']): FlagRow => ({
  id: r.id,
  envId: r.env_id,
  key: r.key,
  name: r.name,
  description: r.description,
  isEnabled: Number(r.is_enabled) === 1,
  variationType: r.variation_type as VariationType,
  variations: JSON.parse(r.variations) as Variation[],
  enabledVariationId: r.enabled_variation_id,
  disabledVariationId: r.disabled_variation_id,
  revision: r.revision,
  targetUsers: JSON.parse(r.target_users) as TargetUser[],
  rules: JSON.parse(r.rules) as TargetRule[],
  fallthrough: JSON.parse(r.fallthrough) as Fallthrough,
  exptIncludeAllTargets: Number(r.expt_include_all_targets) === 1,
  tags: JSON.parse(r.tags) as string[],
  isArchived: Number(r.is_archived) === 1,
  creatorId: r.creator_id,
  updatorId: r.updator_id,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toColumns = (f: FlagRow) => ({
  key: f.key,
  name: f.name,
  description: f.description,
  is_enabled: f.isEnabled ? 1 : 0,
  variation_type: f.variationType,
  variations: JSON.stringify(f.variations),
  enabled_variation_id: f.enabledVariationId,
  disabled_variation_id: f.disabledVariationId,
  revision: f.revision,
  target_users: JSON.stringify(f.targetUsers),
  rules: JSON.stringify(f.rules),
  fallthrough: JSON.stringify(f.fallthrough),
  expt_include_all_targets: f.exptIncludeAllTargets ? 1 : 0,
  tags: JSON.stringify(f.tags),
  is_archived: f.isArchived ? 1 : 0,
  updator_id: f.updatorId,
  updated_at: f.updatedAt,
});

export function flagStore(db: Q, dialect: Dialect) {
  return {
    async list(orgId: string, envId: string, filter: FlagFilter, pageIndex: number, pageSize: number) {
      let q = db
        .selectFrom('feature_flags')
        .where('org_id', '=', orgId)
        .where('env_id', '=', envId)
        .where('is_archived', '=', filter.isArchived ? 1 : 0);
      if (filter.name) {
        const text = filter.name;
        q = q.where((eb) => eb.or([containsIgnoreCase('name', text), containsIgnoreCase('key', text)]));
      }
      for (const t of filter.tags) q = q.where(jsonTextHolds(dialect, 'tags', t));
      if (filter.isEnabled !== undefined) q = q.where('is_enabled', '=', filter.isEnabled ? 1 : 0);
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const sorted = filter.sortBy === 'key' ? q.selectAll().orderBy('key') : q.selectAll().orderBy('created_at', 'desc');
      const rows = await sorted
        .orderBy('id')
        .offset(pageIndex * pageSize)
        .limit(pageSize)
        .execute();
      return { totalCount: Number(total.n), items: rows.map(toFlag) };
    },

    /** `lock` (PostgreSQL) holds the row until the transaction ends, so a check and its write see the same flag. */
    async find(orgId: string, envId: string, key: string, lock = false): Promise<FlagRow | null> {
      return firstRow(db.selectFrom('feature_flags').selectAll().where('org_id', '=', orgId).where('env_id', '=', envId).where('key', '=', key), lock && dialect === 'postgres', toFlag);
    },

    async insert(orgId: string, f: FlagRow): Promise<void> {
      await db
        .insertInto('feature_flags')
        .values({ id: f.id, org_id: orgId, env_id: f.envId, created_at: f.createdAt, creator_id: f.creatorId, ...toColumns(f) })
        .execute();
    },

    async update(orgId: string, f: FlagRow): Promise<void> {
      await db.updateTable('feature_flags').set(toColumns(f)).where('org_id', '=', orgId).where('id', '=', f.id).execute();
    },

    /** The distinct tags of the environment's unarchived flags (FeatBit's all-tags). */
    async allTags(orgId: string, envId: string): Promise<string[]> {
      const rows = await db.selectFrom('feature_flags').select('tags').where('org_id', '=', orgId).where('env_id', '=', envId).where('is_archived', '=', 0).execute();
      return [...new Set(rows.flatMap((r) => JSON.parse(r.tags) as string[]))].sort();
    },

    /**
     * Flags of the organization (of one environment, when given) whose rules name the segment. The text
     * match narrows the candidates; the caller confirms on the parsed rules.
     */
    async rulesMentioning(orgId: string, segmentId: string, envId?: string): Promise<FlagRow[]> {
      // The id sits inside a condition's value (JSON text within JSON), so look for the bare id; ids are [A-Za-z0-9-].
      const holds = dialect === 'postgres' ? sql<boolean>`strpos(rules, ${segmentId}) > 0` : sql<boolean>`instr(rules, ${segmentId}) > 0`;
      let q = db.selectFrom('feature_flags').selectAll().where('org_id', '=', orgId).where(holds);
      if (envId !== undefined) q = q.where('env_id', '=', envId);
      return (await q.orderBy('key').execute()).map(toFlag);
    },

    /** Marks flags changed without changing them (a segment they name changed): new revision, later updatedAt. */
    async touch(orgId: string, flags: readonly FlagRow[], now: number, nextRevision: () => string): Promise<void> {
      for (const f of flags) {
        await db
          .updateTable('feature_flags')
          .set({ revision: nextRevision(), updated_at: Math.max(now, f.updatedAt + 1) })
          .where('org_id', '=', orgId)
          .where('id', '=', f.id)
          .execute();
      }
    },

    async remove(orgId: string, flagId: string): Promise<void> {
      await db.deleteFrom('feature_flags').where('org_id', '=', orgId).where('id', '=', flagId).execute();
    },
  };
}

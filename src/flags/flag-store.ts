// SQL for feature flags. Every query is scoped by org_id and env_id.
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '../platform/db.ts';
import type { Database } from '../platform/schema.ts';
import { containsIgnoreCase, jsonTextHolds } from '../platform/sql-helpers.ts';
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
  tags: string[];
  isArchived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface FlagFilter {
  name?: string;
  tags: string[];
  isEnabled?: boolean;
  isArchived: boolean;
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
  tags: JSON.parse(r.tags) as string[],
  isArchived: Number(r.is_archived) === 1,
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
  tags: JSON.stringify(f.tags),
  is_archived: f.isArchived ? 1 : 0,
  updated_at: f.updatedAt,
});

export function flagStore(db: Q, dialect: Dialect) {
  return {
    async list(orgId: string, envId: string, filter: FlagFilter, pageIndex: number, pageSize: number) {
      let q = db.selectFrom('feature_flags').where('org_id', '=', orgId).where('env_id', '=', envId).where('is_archived', '=', filter.isArchived ? 1 : 0);
      if (filter.name) {
        const text = filter.name;
        q = q.where((eb) => eb.or([containsIgnoreCase('name', text), containsIgnoreCase('key', text)]));
      }
      if (filter.tags.length > 0) q = q.where((eb) => eb.or(filter.tags.map((t) => jsonTextHolds(dialect, 'tags', t))));
      if (filter.isEnabled !== undefined) q = q.where('is_enabled', '=', filter.isEnabled ? 1 : 0);
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id').offset(pageIndex * pageSize).limit(pageSize).execute();
      return { totalCount: Number(total.n), items: rows.map(toFlag) };
    },

    /** `lock` (PostgreSQL) holds the row until the transaction ends, so a check and its write see the same flag. */
    async find(orgId: string, envId: string, key: string, lock = false): Promise<FlagRow | null> {
      let q = db.selectFrom('feature_flags').selectAll().where('org_id', '=', orgId).where('env_id', '=', envId).where('key', '=', key);
      if (lock && dialect === 'postgres') q = q.forUpdate();
      const r = await q.executeTakeFirst();
      return r ? toFlag(r) : null;
    },

    async insert(orgId: string, f: FlagRow): Promise<void> {
      await db
        .insertInto('feature_flags')
        .values({ id: f.id, org_id: orgId, env_id: f.envId, created_at: f.createdAt, ...toColumns(f) })
        .execute();
    },

    async update(orgId: string, f: FlagRow): Promise<void> {
      await db.updateTable('feature_flags').set(toColumns(f)).where('org_id', '=', orgId).where('id', '=', f.id).execute();
    },

    async remove(orgId: string, flagId: string): Promise<void> {
      await db.deleteFrom('feature_flags').where('org_id', '=', orgId).where('id', '=', flagId).execute();
    },
  };
}

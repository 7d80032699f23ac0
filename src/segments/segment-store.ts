// SQL for segments. Every query is scoped by org_id and env_id.
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '../platform/db.ts';
import type { Database } from '../platform/schema.ts';
import { containsIgnoreCase, jsonTextHolds } from '../platform/sql-helpers.ts';

type Q = Kysely<Database> | Transaction<Database>;

export interface SegmentRow {
  id: string;
  envId: string;
  key: string;
  name: string;
  description: string;
  included: string[];
  excluded: string[];
  tags: string[];
  isArchived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface SegmentFilter {
  name?: string;
  tags: string[];
  isArchived: boolean;
}

const toSegment = (r: Database['segments']): SegmentRow => ({
  id: r.id,
  envId: r.env_id,
  key: r.key,
  name: r.name,
  description: r.description,
  included: JSON.parse(r.included) as string[],
  excluded: JSON.parse(r.excluded) as string[],
  tags: JSON.parse(r.tags) as string[],
  isArchived: Number(r.is_archived) === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toColumns = (s: SegmentRow) => ({
  key: s.key,
  name: s.name,
  description: s.description,
  included: JSON.stringify(s.included),
  excluded: JSON.stringify(s.excluded),
  tags: JSON.stringify(s.tags),
  is_archived: s.isArchived ? 1 : 0,
  updated_at: s.updatedAt,
});

export function segmentStore(db: Q, dialect: Dialect) {
  return {
    async list(orgId: string, envId: string, filter: SegmentFilter, pageIndex: number, pageSize: number) {
      let q = db.selectFrom('segments').where('org_id', '=', orgId).where('env_id', '=', envId).where('is_archived', '=', filter.isArchived ? 1 : 0);
      if (filter.name) {
        const text = filter.name;
        q = q.where((eb) => eb.or([containsIgnoreCase('name', text), containsIgnoreCase('key', text)]));
      }
      if (filter.tags.length > 0) q = q.where((eb) => eb.or(filter.tags.map((t) => jsonTextHolds(dialect, 'tags', t))));
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id').offset(pageIndex * pageSize).limit(pageSize).execute();
      return { totalCount: Number(total.n), items: rows.map(toSegment) };
    },

    /** `lock` (PostgreSQL) holds the row until the transaction ends, so a check and its write see the same segment. */
    async find(orgId: string, envId: string, segmentId: string, lock = false): Promise<SegmentRow | null> {
      let q = db.selectFrom('segments').selectAll().where('org_id', '=', orgId).where('env_id', '=', envId).where('id', '=', segmentId);
      if (lock && dialect === 'postgres') q = q.forUpdate();
      const r = await q.executeTakeFirst();
      return r ? toSegment(r) : null;
    },

    async insert(orgId: string, s: SegmentRow): Promise<void> {
      await db
        .insertInto('segments')
        .values({ id: s.id, org_id: orgId, env_id: s.envId, created_at: s.createdAt, ...toColumns(s) })
        .execute();
    },

    async update(orgId: string, s: SegmentRow): Promise<void> {
      await db.updateTable('segments').set(toColumns(s)).where('org_id', '=', orgId).where('id', '=', s.id).execute();
    },

    async remove(orgId: string, segmentId: string): Promise<void> {
      await db.deleteFrom('segments').where('org_id', '=', orgId).where('id', '=', segmentId).execute();
    },
  };
}

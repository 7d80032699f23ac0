// SQL for segments. Every query is scoped by org_id and env_id.
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '../platform/db.ts';
import type { Database } from '../platform/tables.ts';
import { containsIgnoreCase, firstRow, jsonTextHolds } from '../platform/sql-helpers.ts';
import type { MatchRule } from '../targeting/targeting-model.ts';

type Q = Kysely<Database> | Transaction<Database>;

export interface SegmentRow {
  id: string;
  envId: string;
  key: string;
  name: string;
  description: string;
  included: string[];
  excluded: string[];
  /** `environment-specific` (its own environment only) or `shared` (every environment of its project that `scopes` covers). */
  type: SegmentType;
  /** RNs (`project/{key}` or `project/{key}:env/{key}`) of where the segment can be used. */
  scopes: string[];
  rules: MatchRule[];
  tags: string[];
  isArchived: boolean;
  createdAt: number;
  updatedAt: number;
}

export const SEGMENT_TYPES = ['environment-specific', 'shared'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/**
 * Where segments are read from: environment `envId` of project `projectId`. A shared segment of that
 * project is visible when its scopes hold the project's RN or the environment's (`scopeTexts`).
 */
export interface SegmentReach {
  envId: string;
  projectId: string;
  scopeTexts: string[];
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
  type: r.type as SegmentType,
  scopes: JSON.parse(r.scopes) as string[],
  rules: JSON.parse(r.rules) as MatchRule[],
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
  type: s.type,
  scopes: JSON.stringify(s.scopes),
  rules: JSON.stringify(s.rules),
  tags: JSON.stringify(s.tags),
  is_archived: s.isArchived ? 1 : 0,
  updated_at: s.updatedAt,
});

export function segmentStore(db: Q, dialect: Dialect) {
  /** The segments visible from `reach`: its environment's own, and the shared ones of its project whose scopes cover it. */
  const visibleFrom = (orgId: string, reach: SegmentReach) =>
    db
      .selectFrom('segments')
      .where('org_id', '=', orgId)
      .where((eb) =>
        eb.or([
          eb('env_id', '=', reach.envId),
          eb.and([
            eb('type', '=', 'shared'),
            eb('env_id', 'in', db.selectFrom('environments').select('id').where('org_id', '=', orgId).where('project_id', '=', reach.projectId)),
            eb.or(reach.scopeTexts.map((t) => jsonTextHolds(dialect, 'scopes', t))),
          ]),
        ]),
      );

  return {
    async list(orgId: string, reach: SegmentReach, filter: SegmentFilter, pageIndex: number, pageSize: number) {
      let q = visibleFrom(orgId, reach).where('is_archived', '=', filter.isArchived ? 1 : 0);
      if (filter.name) {
        const text = filter.name;
        q = q.where((eb) => eb.or([containsIgnoreCase('name', text), containsIgnoreCase('key', text)]));
      }
      for (const t of filter.tags) q = q.where(jsonTextHolds(dialect, 'tags', t));
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      // FeatBit's order: the most recently changed first.
      const rows = await q
        .selectAll()
        .orderBy('updated_at', 'desc')
        .orderBy('id')
        .offset(pageIndex * pageSize)
        .limit(pageSize)
        .execute();
      return { totalCount: Number(total.n), items: rows.map(toSegment) };
    },

    /** The segment `segmentId` as seen from `reach` (its own environment's, or a shared one that covers it). */
    async findVisible(orgId: string, reach: SegmentReach, segmentId: string): Promise<SegmentRow | null> {
      const r = await visibleFrom(orgId, reach).selectAll().where('id', '=', segmentId).executeTakeFirst();
      return r ? toSegment(r) : null;
    },

    /** `lock` (PostgreSQL) holds the row until the transaction ends, so a check and its write see the same segment. */
    async find(orgId: string, envId: string, segmentId: string, lock = false): Promise<SegmentRow | null> {
      return firstRow(db.selectFrom('segments').selectAll().where('org_id', '=', orgId).where('env_id', '=', envId).where('id', '=', segmentId), lock && dialect === 'postgres', toSegment);
    },

    /** The segments among `ids` visible from `reach` (see visibleFrom), archived ones included. */
    async visible(orgId: string, reach: SegmentReach, ids: readonly string[], lock = false): Promise<SegmentRow[]> {
      if (ids.length === 0) return [];
      let q = visibleFrom(orgId, reach)
        .selectAll()
        .where('id', 'in', [...ids]);
      // A flag naming a segment holds it (PostgreSQL) until it commits, so archiving waits and then sees the reference.
      if (lock && dialect === 'postgres') q = q.forShare();
      const rows = await q.execute();
      return rows.map(toSegment);
    },

    /** The distinct tags of the unarchived segments visible from `reach` (FeatBit's all-tags). */
    async allTags(orgId: string, reach: SegmentReach): Promise<string[]> {
      const rows = await visibleFrom(orgId, reach).select('tags').where('is_archived', '=', 0).execute();
      return [...new Set(rows.flatMap((r) => JSON.parse(r.tags) as string[]))].sort();
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

// SQL for flag insights: hourly counts added with an atomic upsert (the same statement on SQLite and PostgreSQL).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/tables.ts';
import type { InsightCount } from './insight-model.ts';

// 6 parameters a row: well under SQLite's bound parameters limit.
const ROWS_PER_STATEMENT = 200;

export function insightStore(db: Kysely<Database>) {
  return {
    /** Adds the counts to their rows (created when missing); a row's last_at only moves forward. */
    async add(counts: readonly InsightCount[]): Promise<void> {
      for (let i = 0; i < counts.length; i += ROWS_PER_STATEMENT) {
        const values = counts.slice(i, i + ROWS_PER_STATEMENT).map((c) => ({ env_id: c.envId, flag_key: c.flagKey, hour: c.hour, variation_id: c.variationId, count: c.count, last_at: c.lastAt }));
        await db
          .insertInto('flag_insights')
          .values(values)
          .onConflict((oc) =>
            oc.columns(['env_id', 'flag_key', 'hour', 'variation_id']).doUpdateSet({
              count: sql<number>`flag_insights.count + excluded.count`,
              last_at: sql<number>`case when excluded.last_at > flag_insights.last_at then excluded.last_at else flag_insights.last_at end`,
            }),
          )
          .execute();
      }
    },

    /** The flag's rows from hour `from` on. */
    async since(envId: string, flagKey: string, from: number): Promise<InsightCount[]> {
      const rows = await db
        .selectFrom('flag_insights')
        .select(['hour', 'variation_id', 'count', 'last_at'])
        .where('env_id', '=', envId)
        .where('flag_key', '=', flagKey)
        .where('hour', '>=', from)
        .execute();
      return rows.map((r) => ({ envId, flagKey, hour: Number(r.hour), variationId: r.variation_id, count: Number(r.count), lastAt: Number(r.last_at) }));
    },

    /** The latest evaluation stored for the flag, or null. */
    async lastEvaluatedAt(envId: string, flagKey: string): Promise<number | null> {
      const row = await db
        .selectFrom('flag_insights')
        .select((eb) => eb.fn.max('last_at').as('last'))
        .where('env_id', '=', envId)
        .where('flag_key', '=', flagKey)
        .executeTakeFirst();
      return row?.last === null || row?.last === undefined ? null : Number(row.last);
    },

    /** Drops the buckets of hours before `hour`; returns how many rows went. */
    async sweep(hour: number): Promise<number> {
      const res = await db.deleteFrom('flag_insights').where('hour', '<', hour).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type InsightStore = ReturnType<typeof insightStore>;

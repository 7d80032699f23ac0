// Small SQL pieces for both databases: portable ones, and the few each dialect spells its own way.
import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from './db.ts';

/** A select that can lock its rows and take the first: what firstRow needs of Kysely's SelectQueryBuilder. */
interface FirstRowQuery<R> {
  forUpdate(): FirstRowQuery<R>;
  executeTakeFirst(): Promise<R | undefined>;
}

/**
 * The first row `q` selects, mapped, or null. `lock` (the caller passes it on PostgreSQL only: SQLite runs one writer at a
 * time) holds the row until the transaction ends, so a check and its write see the same row.
 */
export async function firstRow<R, T>(q: FirstRowQuery<R>, lock: boolean, map: (row: R) => T): Promise<T | null> {
  const r = await (lock ? q.forUpdate() : q).executeTakeFirst();
  return r ? map(r) : null;
}

/** Case-insensitive "contains" that treats % and _ in the search text literally. */
export function containsIgnoreCase(column: string, text: string): RawBuilder<boolean> {
  const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '\\'`;
}

/** True when the JSON array text in `column` holds `tag` (tags never contain quotes, so `"tag"` is exact and case-sensitive). */
export function jsonTextHolds(dialect: Dialect, column: string, tag: string): RawBuilder<boolean> {
  const needle = JSON.stringify(tag);
  return dialect === 'postgres' ? sql<boolean>`strpos(${sql.ref(column)}, ${needle}) > 0` : sql<boolean>`instr(${sql.ref(column)}, ${needle}) > 0`;
}

// Small SQL pieces for both databases: portable ones, and the few each dialect spells its own way.
import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from './db.ts';

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

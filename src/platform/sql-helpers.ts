// Small portable SQL pieces (both SQLite and PostgreSQL accept them).
import { sql, type RawBuilder } from 'kysely';

/** Case-insensitive "contains" that treats % and _ in the search text literally. */
export function containsIgnoreCase(column: string, text: string): RawBuilder<boolean> {
  const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '\\'`;
}

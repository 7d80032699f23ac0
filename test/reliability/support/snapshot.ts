// Every row of every table, so a test can prove that a refused request wrote nothing.
import { sql, type Kysely } from 'kysely';
import type { Db } from '../../../src/platform/db.ts';

export type Snapshot = Record<string, string[]>;

/**
 * Columns left out of the comparison, with the reason. Kept empty on purpose: the one write an authenticated but
 * refused request may legitimately cause is access_tokens.last_used_at, and it is batched by UsageTracker.flush,
 * which only a background timer (off in makeApp) or app.close() triggers, so it cannot move during a check.
 */
export const EXCLUDED_COLUMNS: Record<string, string[]> = {};

/**
 * Tables left out of the comparison, with the reason. One only: a refused sign-in (401, or 429) is *meant* to write,
 * since each attempt is counted before its password is verified (SECURITY.md, "Sign-in is throttled"). That write is
 * the defence itself, and test/security/sign-in-throttle.test.ts checks what it writes.
 */
export const EXCLUDED_TABLES: Record<string, string> = { login_attempts: 'sign-in attempts are counted before verifying, by design' };

export async function tableNames(db: Db): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(db.kysely)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(
          db.kysely,
        );
  return rows.rows.map((r) => r.name);
}

/** Rows as canonical JSON, sorted, per table (audit_logs and sessions included). */
export async function snapshot(db: Db): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const table of await tableNames(db)) if (!(table in EXCLUDED_TABLES)) out[table] = await rowsOf(db.kysely, table);
  return out;
}

async function rowsOf(kysely: Kysely<any>, table: string): Promise<string[]> {
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(kysely);
  const excluded = EXCLUDED_COLUMNS[table] ?? [];
  return rows
    .map((r) =>
      JSON.stringify(
        Object.keys(r)
          .sort()
          .filter((k) => !excluded.includes(k))
          .map((k) => [k, r[k]]),
      ),
    )
    .sort();
}

/** Human-readable differences, empty when the two snapshots are equal. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = new Set(before[table] ?? []);
    const a = new Set(after[table] ?? []);
    for (const row of a) if (!b.has(row)) out.push(`${table}: + ${row.slice(0, 400)}`);
    for (const row of b) if (!a.has(row)) out.push(`${table}: - ${row.slice(0, 400)}`);
  }
  return out;
}

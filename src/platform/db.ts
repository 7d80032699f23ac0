// One Kysely over either embedded SQLite (default) or PostgreSQL (DATABASE_URL).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './tables.ts';

// int8 (counts, epoch-ms columns) as JS numbers: all our values fit in 2^53.
pg.types.setTypeParser(20, Number);

export type Dialect = 'sqlite' | 'postgres';

/** The handles services hold and pass to stores, the database or a transaction in it: only stores name the tables. */
export type DbHandle = Kysely<Database>;
export type DbTransaction = Transaction<Database>;

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL only: the pool's connection settings, for a dedicated LISTEN connection. */
  pgConfig?: pg.PoolConfig;
  /** PostgreSQL only: the schema this instance lives in (tests isolate themselves this way). */
  pgSchema?: string;
  /** SQLite only: the file path (':memory:' never used; tests use a temp dir). */
  sqlitePath?: string;
  /** SQLite only: the connection under Kysely, for statements prepared once on the hot read path. */
  sqlite?: SQLite.Database;
  /** PostgreSQL only: the pool under Kysely, for named prepared statements on the hot read path. */
  pgPool?: pg.Pool;
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** PostgreSQL: put every table in this schema (created if missing). */
  pgSchema?: string;
}

export async function openDatabase(opts: DbOptions): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.pgSchema);
  return openSqlite(opts.dataDir);
}

function openSqlite(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'ensign.db');
  const raw = new SQLite(path);
  // WAL for concurrent readers; FULL sync so an acknowledged write survives a crash.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    kysely,
    dialect: 'sqlite',
    sqlitePath: path,
    sqlite: raw,
    close: () => kysely.destroy(),
  };
}

async function openPostgres(url: string, schema?: string): Promise<Db> {
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error('invalid PostgreSQL schema name');
  const pgConfig: pg.PoolConfig = { connectionString: url, max: 10 };
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await admin.end();
    pgConfig.options = `-c search_path=${schema}`;
  }
  const pool = new pg.Pool(pgConfig);
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // Without an explicit schema, the URL's search_path (or the default, public) decides; name it, so
  // migrations keep their bookkeeping there and not in whichever schema already has a kysely_migration table.
  const { rows } = await pool.query<{ schema: string | null }>('select current_schema() as schema');
  const current = schema ?? rows[0]?.schema ?? undefined;
  if (!current) {
    await kysely.destroy();
    throw new Error('the PostgreSQL search_path names no existing schema');
  }
  return { kysely, dialect: 'postgres', pgConfig, pgSchema: current, pgPool: pool, close: () => kysely.destroy() };
}

export async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db.kysely);
    return true;
  } catch {
    return false;
  }
}

// Read model for the hot read (GET one flag): the environment, scoped to the caller's organization,
// and the flag, in ONE statement prepared once per connection. Always fresh: nothing is cached.
import type { Statement as SqliteStatement } from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { EnvironmentRef } from '../environments/environment-read-model.ts';
import type { Fallthrough, TargetRule, TargetUser } from '../targeting/targeting-model.ts';
import type { FlagRow } from './flag-store.ts';
import type { Variation, VariationType } from './flag-variations.ts';

export interface FlagRead {
  env: EnvironmentRef;
  /** null: the environment exists (and is the caller's) but has no flag with that key. */
  flag: FlagRow | null;
}

// A left join: a missing flag is a row of nulls, a missing (or foreign) environment is no row at all.
// Parameters appear in order 1, 2, 3, so SQLite's positional `?` and PostgreSQL's `$n` bind alike.
// Rows come back as arrays (no per-row object with named keys to build): `toRead` reads them by position.
const sqlText = (p: (n: number) => string) => `
select e.id, e.key, e.project_id, pr.key,
       f.id, f.key, f.name, f.description, f.is_enabled, f.variation_type, f.variations,
       f.enabled_variation_id, f.disabled_variation_id, f.tags, f.is_archived, f.created_at, f.updated_at,
       f.revision, f.target_users, f.rules, f.fallthrough, f.expt_include_all_targets, f.creator_id, f.updator_id
  from environments e
  join projects pr on pr.id = e.project_id and e.org_id = ${p(1)} and e.id = ${p(2)}
  left join feature_flags f on f.env_id = e.id and f.org_id = e.org_id and f.key = ${p(3)}`;

type Row = unknown[];

/** The same mapping as the store's `toFlag`, by position. */
function toRead(r: Row | undefined): FlagRead | null {
  if (!r) return null;
  const env: EnvironmentRef = { id: r[0] as string, key: r[1] as string, projectId: r[2] as string, projectKey: r[3] as string };
  if (r[4] === null) return { env, flag: null };
  const flag: FlagRow = {
    id: r[4] as string,
    envId: env.id,
    key: r[5] as string,
    name: r[6] as string,
    description: r[7] as string,
    isEnabled: Number(r[8]) === 1,
    variationType: r[9] as VariationType,
    variations: JSON.parse(r[10] as string) as Variation[],
    enabledVariationId: r[11] as string,
    disabledVariationId: r[12] as string,
    revision: r[17] as string,
    targetUsers: JSON.parse(r[18] as string) as TargetUser[],
    rules: JSON.parse(r[19] as string) as TargetRule[],
    fallthrough: JSON.parse(r[20] as string) as Fallthrough,
    exptIncludeAllTargets: Number(r[21]) === 1,
    tags: JSON.parse(r[13] as string) as string[],
    isArchived: Number(r[14]) === 1,
    creatorId: r[22] as string,
    updatorId: r[23] as string,
    createdAt: Number(r[15]),
    updatedAt: Number(r[16]),
  };
  return { env, flag };
}

export interface FlagReadModel {
  /** The environment `envId` of organization `orgId` with its flag `key`; null when the environment is not the org's. */
  find(orgId: string, envId: string, key: string): Promise<FlagRead | null>;
}

export function flagReadModel(db: Pick<Db, 'dialect' | 'kysely' | 'sqlite' | 'pgPool'>): FlagReadModel {
  if (db.dialect === 'sqlite') {
    const sqlite = db.sqlite;
    if (!sqlite) throw new Error('flagReadModel: the SQLite connection is not exposed');
    // Prepared on first use (after migrations), then reused: no SQL compiling per request.
    let statement: SqliteStatement<[string, string, string], Row> | null = null;
    return {
      async find(orgId, envId, key) {
        // Kysely shares this one connection. While one of its transactions is open, a statement run here
        // would read that transaction's uncommitted writes: queue behind it on Kysely's connection lock
        // instead, then read before anything else can begin (no await between the check and the read).
        while (sqlite.inTransaction) await sql`select 1`.execute(db.kysely);
        statement ??= sqlite.prepare<[string, string, string], Row>(sqlText(() => '?')).raw(true);
        return toRead(statement.get(orgId, envId, key));
      },
    };
  }
  const pool = db.pgPool;
  if (!pool) throw new Error('flagReadModel: the PostgreSQL pool is not exposed');
  // A named statement: each pooled connection parses and plans it once, then only binds values.
  const text = sqlText((n) => `$${n}`);
  return {
    async find(orgId, envId, key) {
      const { rows } = await pool.query<Row>({ name: 'ensign_flag_read', text, values: [orgId, envId, key], rowMode: 'array' });
      return toRead(rows[0]);
    },
  };
}

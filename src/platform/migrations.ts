// One set of forward-only migrations; the schema builder writes the dialect's SQL.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

const ms = 'bigint' as const;

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('default_policy_ids', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addUniqueConstraint('members_org_user', ['org_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('statements', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addUniqueConstraint('policies_org_key', ['org_id', 'key'])
        .execute();
      for (const [table, left] of [
        ['member_policies', 'member_id'],
        ['group_members', 'group_id'],
        ['group_policies', 'group_id'],
      ] as const) {
        const right = table === 'group_members' ? 'member_id' : 'policy_id';
        await db.schema
          .createTable(table)
          .addColumn(left, 'text', (c) => c.notNull())
          .addColumn(right, 'text', (c) => c.notNull())
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, [left, right])
          .execute();
        await db.schema.createIndex(`${table}_${right}`).on(table).column(right).execute();
      }
      await db.schema
        .createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addUniqueConstraint('groups_org_name', ['org_id', 'name'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('digest', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('access_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lower', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('inactive_reason', 'text')
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull().unique())
        .addColumn('prev_digest', 'text', (c) => c.unique())
        .addColumn('prev_digest_until', ms)
        .addColumn('permissions', 'text', (c) => c.notNull())
        .addColumn('creator_member_id', 'text')
        .addColumn('creator_user_id', 'text')
        .addColumn('creator_token_id', 'text')
        .addColumn('creator_name', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addColumn('last_used_at', ms)
        .addColumn('expires_at', ms)
        .addUniqueConstraint('access_tokens_org_name', ['org_id', 'name_lower'])
        .execute();
      await db.schema.createIndex('access_tokens_org_created').on('access_tokens').columns(['org_id', 'created_at']).execute();
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addUniqueConstraint('projects_org_key', ['org_id', 'key'])
        .execute();
      await db.schema
        .createTable('environments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addUniqueConstraint('environments_project_key', ['project_id', 'key'])
        .execute();
      for (const table of ['feature_flags', 'segments'] as const) {
        let t = db.schema
          .createTable(table)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('env_id', 'text', (c) => c.notNull().references('environments.id'))
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('is_archived', 'integer', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull());
        t =
          table === 'feature_flags'
            ? t
                .addColumn('is_enabled', 'integer', (c) => c.notNull())
                .addColumn('variation_type', 'text', (c) => c.notNull())
                .addColumn('variations', 'text', (c) => c.notNull())
                .addColumn('enabled_variation_id', 'text', (c) => c.notNull())
                .addColumn('disabled_variation_id', 'text', (c) => c.notNull())
            : t.addColumn('included', 'text', (c) => c.notNull()).addColumn('excluded', 'text', (c) => c.notNull());
        await t.addUniqueConstraint(`${table}_env_key`, ['env_id', 'key']).execute();
      }
      await db.schema
        .createTable('audit_logs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('seq', ms, (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('ref_type', 'text', (c) => c.notNull())
        .addColumn('ref_id', 'text', (c) => c.notNull())
        .addColumn('ref_key', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('env_id', 'text')
        .addColumn('rn', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_member_id', 'text')
        .addColumn('actor_name', 'text')
        .addColumn('actor_token_id', 'text')
        .addColumn('actor_token_name', 'text')
        .addColumn('changes', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_logs_org_time').on('audit_logs').columns(['org_id', 'created_at', 'seq']).execute();
      await db.schema.createIndex('audit_logs_ref').on('audit_logs').columns(['org_id', 'ref_id']).execute();
    },
  },
  // Environment secrets (SDK keys). Server keys are stored only as keyed digests; client keys are public by design
  // and kept whole (`value`) so they can be shown. `prev_digest` is a rotated key still honoured until `prev_until`.
  '0004_env_secrets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('env_secrets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('env_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull().unique())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('value', 'text')
        .addColumn('prev_digest', 'text', (c) => c.unique())
        .addColumn('prev_until', ms)
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('env_secrets_env').on('env_secrets').columns(['org_id', 'env_id']).execute();
    },
  },
  // Sign-in attempts, counted in the database so that concurrent guesses and every instance share one count.
  '0005_login_attempts': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('login_attempts')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', ms, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  // FeatBit's targeting model. Every new column has a default, so rows written before stay valid; a flag's
  // fallthrough then serves its enabledVariationId to everyone, which is what it served before.
  '0002_targeting': {
    async up(db: Kysely<any>) {
      const text = (table: string, column: string, value: string) =>
        db.schema
          .alterTable(table)
          .addColumn(column, 'text', (c) => c.notNull().defaultTo(value))
          .execute();
      await text('feature_flags', 'revision', '00000000-0000-0000-0000-000000000000');
      await text('feature_flags', 'target_users', '[]');
      await text('feature_flags', 'rules', '[]');
      await text('feature_flags', 'fallthrough', '{"dispatchKey":null,"includedInExpt":true,"variations":[]}');
      await db.schema
        .alterTable('feature_flags')
        .addColumn('expt_include_all_targets', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await text('feature_flags', 'creator_id', '');
      await text('feature_flags', 'updator_id', '');
      // Variation ids match ^[A-Za-z0-9._-]+$, so they need no JSON escaping.
      await sql`update feature_flags set fallthrough = '{"dispatchKey":null,"includedInExpt":true,"variations":[{"id":"' || enabled_variation_id || '","rollout":[0,1],"exptRollout":1}]}'`.execute(db);
      await text('segments', 'type', 'environment-specific');
      await text('segments', 'scopes', '[]');
      await text('segments', 'rules', '[]');
      // Existing segments are environment-specific: scoped to their environment's RN (keys need no JSON escaping).
      await sql`update segments set scopes = (select '["project/' || p.key || ':env/' || e.key || '"]' from environments e join projects p on p.id = e.project_id where e.id = segments.env_id)`.execute(
        db,
      );
      await text('audit_logs', 'comment', '');
    },
  },
  // Membership is bound to whoever redeems a one-time invitation, not to an email: a member may exist before
  // any account does (status Invited, user_id null). SQLite cannot relax NOT NULL in place, so the table is rebuilt.
  '0003_invitations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('members_v3')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('invitor_member_id', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addUniqueConstraint('members_v3_org_user', ['org_id', 'user_id'])
        .addUniqueConstraint('members_v3_org_email', ['org_id', 'email'])
        .execute();
      await sql`insert into members_v3 (id, org_id, user_id, status, email, name, invitor_member_id, created_at)
        select m.id, m.org_id, m.user_id, 'Active', u.email, u.name, null, m.created_at from members m inner join users u on u.id = m.user_id`.execute(db);
      await db.schema.dropTable('members').execute();
      await db.schema.alterTable('members_v3').renameTo('members').execute();
      await db.schema.createIndex('members_user').on('members').column('user_id').execute();
      await db.schema
        .createTable('invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('member_id', 'text', (c) => c.notNull().unique())
        .addColumn('digest', 'text', (c) => c.notNull().unique())
        .addColumn('created_by_member_id', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('invitations_org').on('invitations').columns(['org_id', 'created_at']).execute();
    },
  },
  // Flag insights: evaluations counted per (environment, flag key, variation, hour), never the users. `last_at` is the
  // latest evaluation counted in the row; a flag's lastEvaluatedAt is the greatest over its rows.
  '0006_flag_insights': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('flag_insights')
        .addColumn('env_id', 'text', (c) => c.notNull())
        .addColumn('flag_key', 'text', (c) => c.notNull())
        .addColumn('hour', ms, (c) => c.notNull())
        .addColumn('variation_id', 'text', (c) => c.notNull())
        .addColumn('count', ms, (c) => c.notNull())
        .addColumn('last_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('flag_insights_pk', ['env_id', 'flag_key', 'hour', 'variation_id'])
        .execute();
      await db.schema.createIndex('flag_insights_hour').on('flag_insights').column('hour').execute();
    },
  },
  // An organization's token policy (one row, or none: the default asks nothing), and the address ranges a token
  // may be used from (null: anywhere). Existing tokens keep working: no row, no ranges.
  '0009_token_policy': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('token_policies')
        .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id'))
        .addColumn('max_lifetime_days', 'integer')
        .addColumn('require_expiry', 'integer', (c) => c.notNull())
        .addColumn('allow_following_owner', 'integer', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.alterTable('access_tokens').addColumn('allowed_cidrs', 'text').execute();
    },
  },
  // FeatBit's environment settings (EnvironmentSettings: requireChangeComment), kept as JSON text and given back as sent.
  '0010_environment_settings': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('environments')
        .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{"requireChangeComment":false}'))
        .execute();
    },
  },
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

/** pgSchema: the PostgreSQL schema the tables live in (Kysely must keep its own bookkeeping there too). */
export async function migrateToLatest(db: Kysely<any>, pgSchema?: string): Promise<string[]> {
  // Unordered: migrations written on parallel branches may land in any order; each is independent of the others.
  const migrator = new Migrator({ db, provider: new StaticProvider(), allowUnorderedMigrations: true, ...(pgSchema ? { migrationTableSchema: pgSchema } : {}) });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    // Kysely's introspection (does the migration table exist?) reads every schema of the database; a schema another
    // process drops meanwhile fails it with 3F000 "schema … does not exist". That says nothing of ours: try again.
    if (error && (error as { code?: string }).code === '3F000' && attempt < 5) continue;
    if (error) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
}

/** Migrates up to `name` and stops there (tests of a later migration start from the schema before it). */
export async function migrateTo(db: Kysely<any>, name: string, pgSchema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticProvider(), allowUnorderedMigrations: true, ...(pgSchema ? { migrationTableSchema: pgSchema } : {}) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

export { sql };

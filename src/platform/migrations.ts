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
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

/** pgSchema: the PostgreSQL schema the tables live in (Kysely must keep its own bookkeeping there too). */
export async function migrateToLatest(db: Kysely<any>, pgSchema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider(), ...(pgSchema ? { migrationTableSchema: pgSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export { sql };

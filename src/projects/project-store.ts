// SQL for projects and environments. Every query is scoped by org_id; locks are PostgreSQL-only
// (SQLite runs one transaction at a time, so it needs none).
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Dialect } from '../platform/db.ts';
import type { Database } from '../platform/tables.ts';
import { firstRow } from '../platform/sql-helpers.ts';

export type Q = Kysely<Database> | Transaction<Database>;

export interface ProjectRow {
  id: string;
  key: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

/** FeatBit's EnvironmentSettings. */
export interface EnvironmentSettings {
  requireChangeComment: boolean;
}

export interface EnvironmentRow {
  id: string;
  projectId: string;
  key: string;
  name: string;
  description: string;
  settings: EnvironmentSettings;
  createdAt: number;
  updatedAt: number;
}

const toProject = (r: Database['projects']): ProjectRow => ({ id: r.id, key: r.key, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at });
const toEnvironment = (r: Selectable<Database['environments']>): EnvironmentRow => ({
  id: r.id,
  projectId: r.project_id,
  key: r.key,
  name: r.name,
  description: r.description,
  settings: JSON.parse(r.settings) as EnvironmentSettings,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function projectStore(db: Q, dialect: Dialect) {
  const pg = dialect === 'postgres';
  return {
    async listProjects(orgId: string): Promise<ProjectRow[]> {
      const rows = await db.selectFrom('projects').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('key').execute();
      return rows.map(toProject);
    },

    /** `lock`: 'update' before deleting or renaming, 'share' before adding an environment. */
    async findProject(orgId: string, projectId: string, lock?: 'update' | 'share'): Promise<ProjectRow | null> {
      let q = db.selectFrom('projects').selectAll().where('org_id', '=', orgId).where('id', '=', projectId);
      if (pg && lock === 'update') q = q.forUpdate();
      if (pg && lock === 'share') q = q.forShare();
      const r = await q.executeTakeFirst();
      return r ? toProject(r) : null;
    },

    async insertProject(orgId: string, p: ProjectRow): Promise<void> {
      await db.insertInto('projects').values({ id: p.id, org_id: orgId, key: p.key, name: p.name, created_at: p.createdAt, updated_at: p.updatedAt }).execute();
    },

    async renameProject(orgId: string, projectId: string, name: string, now: number): Promise<void> {
      await db.updateTable('projects').set({ name, updated_at: now }).where('org_id', '=', orgId).where('id', '=', projectId).execute();
    },

    /** Deletes the project with its environments and everything in them. */
    async deleteProject(orgId: string, projectId: string): Promise<void> {
      const envs = db.selectFrom('environments').select('id').where('org_id', '=', orgId).where('project_id', '=', projectId);
      if (pg) await db.selectFrom('environments').select('id').where('org_id', '=', orgId).where('project_id', '=', projectId).forUpdate().execute();
      await db.deleteFrom('feature_flags').where('org_id', '=', orgId).where('env_id', 'in', envs).execute();
      await db.deleteFrom('segments').where('org_id', '=', orgId).where('env_id', 'in', envs).execute();
      await db.deleteFrom('environments').where('org_id', '=', orgId).where('project_id', '=', projectId).execute();
      await db.deleteFrom('projects').where('org_id', '=', orgId).where('id', '=', projectId).execute();
    },

    async listEnvironments(orgId: string, projectIds: string[]): Promise<EnvironmentRow[]> {
      if (projectIds.length === 0) return [];
      const rows = await db.selectFrom('environments').selectAll().where('org_id', '=', orgId).where('project_id', 'in', projectIds).orderBy('created_at').orderBy('key').execute();
      return rows.map(toEnvironment);
    },

    async findEnvironment(orgId: string, projectId: string, envId: string, lock?: 'update'): Promise<EnvironmentRow | null> {
      return firstRow(db.selectFrom('environments').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId).where('id', '=', envId), pg && lock === 'update', toEnvironment);
    },

    async insertEnvironment(orgId: string, e: EnvironmentRow): Promise<void> {
      await db
        .insertInto('environments')
        .values({
          id: e.id,
          org_id: orgId,
          project_id: e.projectId,
          key: e.key,
          name: e.name,
          description: e.description,
          settings: JSON.stringify(e.settings),
          created_at: e.createdAt,
          updated_at: e.updatedAt,
        })
        .execute();
    },

    async updateEnvironment(orgId: string, envId: string, set: { name: string; description: string; settings: EnvironmentSettings }, now: number): Promise<void> {
      await db
        .updateTable('environments')
        .set({ name: set.name, description: set.description, settings: JSON.stringify(set.settings), updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', envId)
        .execute();
    },

    /** Deletes the environment with its flags and segments. */
    async deleteEnvironment(orgId: string, envId: string): Promise<void> {
      await db.deleteFrom('feature_flags').where('org_id', '=', orgId).where('env_id', '=', envId).execute();
      await db.deleteFrom('segments').where('org_id', '=', orgId).where('env_id', '=', envId).execute();
      await db.deleteFrom('environments').where('org_id', '=', orgId).where('id', '=', envId).execute();
    },
  };
}

export type ProjectStore = ReturnType<typeof projectStore>;

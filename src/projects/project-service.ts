// Rules for projects and environments: find within the caller's organization (404), check the
// action on the RN built from stored keys (403), then change and audit in one transaction.
import { actorOf, permits, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { formatRn, rn } from '../policy/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { NotFound } from '../platform/errors.ts';
import type { DbTransaction } from '../platform/db.ts';
import { keyedFields, keyTaken, requiredName } from '../platform/keyed-fields.ts';
import { environmentSecrets } from '../sdk-keys/environment-secrets.ts';
import { sdkSecretHint } from '../sdk-keys/sdk-key-format.ts';
import { withheldView, type SecretView } from '../sdk-keys/sdk-secret-view.ts';
import { projectStore, type EnvironmentRow, type EnvironmentSettings, type ProjectRow } from './project-store.ts';

export type ProjectDeps = Pick<AppContext, 'kysely' | 'db' | 'clock' | 'ids' | 'audit' | 'invalidate' | 'digester'>;

/** FeatBit's Environment (its EnvironmentVm's fields and key, projectId and times). */
export interface EnvironmentView {
  id: string;
  projectId: string;
  name: string;
  key: string;
  description: string;
  /** SDK keys: client keys whole, server keys as hints, except in the response that created them. */
  secrets: SecretView[];
  /** FeatBit's EnvironmentSettings, kept as given (FeatBit's UI reads them; the server enforces none). */
  settings: EnvironmentSettings;
  createdAt: string;
  updatedAt: string;
}
/** What renaming a project answers: FeatBit's ProjectVm. */
export interface ProjectVm {
  id: string;
  name: string;
}
export interface ProjectView {
  id: string;
  name: string;
  key: string;
  environments: EnvironmentView[];
}

/** Every project starts with these, as FeatBit's do. */
const DEFAULT_ENVIRONMENTS = [
  { key: 'dev', name: 'Dev' },
  { key: 'prod', name: 'Prod' },
] as const;

type SecretsByEnv = Map<string, SecretView[]>;

/** A new environment's keys as its creator may see them: server keys whole only to someone who may read that environment. */
const shownTo = (p: OrgPrincipal, projectKey: string, envKey: string, views: SecretView[]): SecretView[] =>
  permits(p.permission, 'CanAccessEnv', rn.env(projectKey, envKey)) ? views : views.map((v) => withheldView(v, sdkSecretHint));
const DEFAULT_SETTINGS: EnvironmentSettings = { requireChangeComment: false };
const iso = (ms: number) => new Date(ms).toISOString();
const envView = (e: EnvironmentRow, secrets: SecretsByEnv): EnvironmentView => ({
  id: e.id,
  projectId: e.projectId,
  name: e.name,
  key: e.key,
  description: e.description,
  secrets: secrets.get(e.id) ?? [],
  settings: e.settings,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});
const projectView = (p: ProjectRow, envs: EnvironmentRow[], secrets: SecretsByEnv): ProjectView => ({ id: p.id, name: p.name, key: p.key, environments: envs.map((e) => envView(e, secrets)) });

const projectSnapshot = (p: ProjectRow) => ({ key: p.key, name: p.name });
const envSnapshot = (e: EnvironmentRow) => ({ key: e.key, name: e.name, description: e.description, settings: e.settings });

export function projectService(deps: ProjectDeps) {
  const { kysely, clock, ids, audit } = deps;
  const dialect = deps.db.dialect;
  const inTransaction = <T>(fn: (trx: DbTransaction) => Promise<T>) => kysely.transaction().execute(fn);
  const secrets = environmentSecrets(deps);
  const secretsOf = (db: typeof kysely | DbTransaction, p: OrgPrincipal, envs: EnvironmentRow[]) =>
    secrets.viewsByEnvironment(
      db,
      p.org.id,
      envs.map((e) => e.id),
      clock.now(),
    );
  /** Once environments are deleted: every instance refuses their SDK keys and closes their sockets. */
  const revokeSecretsOf = (envIds: string[]) => deps.invalidate({ kind: 'sdk-secrets', envIds, secretId: null, reason: 'deleted', graceUntil: null });

  const visibleEnvs = (p: OrgPrincipal, project: ProjectRow, envs: EnvironmentRow[]) =>
    envs.filter((e) => e.projectId === project.id && permits(p.permission, 'CanAccessEnv', rn.env(project.key, e.key)));

  async function projectEntry(trx: DbTransaction, p: OrgPrincipal, action: string, project: ProjectRow, before: object | null, after: object | null) {
    await audit.record(trx, {
      orgId: p.org.id,
      actor: actorOf(p),
      action,
      refType: 'project',
      refId: project.id,
      refKey: project.key,
      rn: formatRn(rn.project(project.key)),
      projectId: project.id,
      before: before as Record<string, unknown> | null,
      after: after as Record<string, unknown> | null,
    });
  }

  async function envEntry(trx: DbTransaction, p: OrgPrincipal, action: string, project: ProjectRow, env: EnvironmentRow, before: object | null, after: object | null) {
    await audit.record(trx, {
      orgId: p.org.id,
      actor: actorOf(p),
      action,
      refType: 'env',
      refId: env.id,
      refKey: env.key,
      rn: formatRn(rn.env(project.key, env.key)),
      projectId: project.id,
      envId: env.id,
      before: before as Record<string, unknown> | null,
      after: after as Record<string, unknown> | null,
    });
  }

  /** A project and environment of the caller's organization, or 404. */
  // Locks (PostgreSQL) go project first, then environment, in every writer, so writers never deadlock.
  async function loadEnvironment(s: ReturnType<typeof projectStore>, p: OrgPrincipal, projectId: string, envId: string, lock = false) {
    const project = await s.findProject(p.org.id, projectId, lock ? 'share' : undefined);
    const env = project && (await s.findEnvironment(p.org.id, projectId, envId, lock ? 'update' : undefined));
    if (!project || !env) throw new NotFound();
    return { project, env };
  }

  return {
    /** Only the projects the caller may access, each with only the environments it may access. */
    async list(p: OrgPrincipal): Promise<ProjectView[]> {
      const s = projectStore(kysely, dialect);
      const projects = (await s.listProjects(p.org.id)).filter((pr) => permits(p.permission, 'CanAccessProject', rn.project(pr.key)));
      const envs = await s.listEnvironments(
        p.org.id,
        projects.map((pr) => pr.id),
      );
      const visible = projects.map((pr) => [pr, visibleEnvs(p, pr, envs)] as const);
      const keys = await secretsOf(
        kysely,
        p,
        visible.flatMap(([, es]) => es),
      );
      return visible.map(([pr, es]) => projectView(pr, es, keys));
    },

    async get(p: OrgPrincipal, projectId: string): Promise<ProjectView> {
      const s = projectStore(kysely, dialect);
      const project = await s.findProject(p.org.id, projectId);
      if (!project) throw new NotFound();
      requirePermission(p, 'CanAccessProject', rn.project(project.key));
      const envs = visibleEnvs(p, project, await s.listEnvironments(p.org.id, [project.id]));
      return projectView(project, envs, await secretsOf(kysely, p, envs));
    },

    async create(p: OrgPrincipal, input: { key: string; name: string }): Promise<ProjectView> {
      requirePermission(p, 'CreateProject', rn.project('*'));
      const name = requiredName(input.name);
      const now = clock.now();
      const project: ProjectRow = { id: ids.next(), key: input.key, name, createdAt: now, updatedAt: now };
      const envs: EnvironmentRow[] = DEFAULT_ENVIRONMENTS.map((e) => ({
        id: ids.next(),
        projectId: project.id,
        key: e.key,
        name: e.name,
        description: '',
        settings: DEFAULT_SETTINGS,
        createdAt: now,
        updatedAt: now,
      }));
      // The environments' SDK keys, whole: this response is the only one that shows their server keys.
      const keys: SecretsByEnv = new Map();
      try {
        await inTransaction(async (trx) => {
          const s = projectStore(trx, dialect);
          await s.insertProject(p.org.id, project);
          for (const e of envs) {
            await s.insertEnvironment(p.org.id, e);
            keys.set(e.id, shownTo(p, project.key, e.key, await secrets.createInitial(trx, p.org.id, e.id, now)));
          }
          await projectEntry(trx, p, 'CreateProject', project, null, { ...projectSnapshot(project), environments: envs.map((e) => e.key) });
        });
      } catch (err) {
        keyTaken(err);
      }
      return projectView(project, envs, keys);
    },

    /** Renames; a project's key never changes, because statements name projects by key. → FeatBit's ProjectVm. */
    async update(p: OrgPrincipal, projectId: string, input: { name: string }): Promise<ProjectVm> {
      return inTransaction(async (trx) => {
        const s = projectStore(trx, dialect);
        const project = await s.findProject(p.org.id, projectId, 'update');
        if (!project) throw new NotFound();
        requirePermission(p, 'UpdateProjectSettings', rn.project(project.key));
        const name = requiredName(input.name);
        const now = clock.now();
        const after = { ...project, name, updatedAt: now };
        if (name !== project.name) {
          await s.renameProject(p.org.id, project.id, name, now);
          await projectEntry(trx, p, 'UpdateProjectSettings', project, projectSnapshot(project), projectSnapshot(after));
        }
        return { id: project.id, name };
      });
    },

    async remove(p: OrgPrincipal, projectId: string): Promise<true> {
      const envIds = await inTransaction(async (trx) => {
        const s = projectStore(trx, dialect);
        const project = await s.findProject(p.org.id, projectId, 'update');
        if (!project) throw new NotFound();
        requirePermission(p, 'DeleteProject', rn.project(project.key));
        const envs = await s.listEnvironments(p.org.id, [project.id]);
        await secrets.removeFor(
          trx,
          p.org.id,
          envs.map((e) => e.id),
        );
        await s.deleteProject(p.org.id, project.id);
        await projectEntry(trx, p, 'DeleteProject', project, { ...projectSnapshot(project), environments: envs.map((e) => e.key) }, null);
        return envs.map((e) => e.id);
      });
      // Flag reads are cached (flags/flag-read-cache.ts): the deleted environments' flags go on every instance.
      await deps.invalidate({ kind: 'flags', envIds });
      await revokeSecretsOf(envIds);
      return true;
    },

    async getEnvironment(p: OrgPrincipal, projectId: string, envId: string): Promise<EnvironmentView> {
      const { project, env } = await loadEnvironment(projectStore(kysely, dialect), p, projectId, envId);
      requirePermission(p, 'CanAccessEnv', rn.env(project.key, env.key));
      return envView(env, await secretsOf(kysely, p, [env]));
    },

    async createEnvironment(p: OrgPrincipal, projectId: string, input: { key: string; name: string; description?: string; settings?: EnvironmentSettings | null }): Promise<EnvironmentView> {
      try {
        return await inTransaction(async (trx) => {
          const s = projectStore(trx, dialect);
          const project = await s.findProject(p.org.id, projectId, 'share');
          if (!project) throw new NotFound();
          requirePermission(p, 'CreateEnv', rn.project(project.key));
          const now = clock.now();
          const env: EnvironmentRow = {
            id: ids.next(),
            projectId: project.id,
            ...keyedFields(input),
            settings: input.settings ?? DEFAULT_SETTINGS,
            createdAt: now,
            updatedAt: now,
          };
          await s.insertEnvironment(p.org.id, env);
          // Whole: this response is the only one that shows the new server key.
          const keys: SecretsByEnv = new Map([[env.id, shownTo(p, project.key, env.key, await secrets.createInitial(trx, p.org.id, env.id, now))]]);
          await envEntry(trx, p, 'CreateEnv', project, env, null, envSnapshot(env));
          return envView(env, keys);
        });
      } catch (err) {
        keyTaken(err);
      }
    },

    /** Name, description and (when given) settings; like a project's, an environment's key never changes. */
    async updateEnvironment(p: OrgPrincipal, projectId: string, envId: string, input: { name: string; description?: string | null; settings?: EnvironmentSettings | null }): Promise<EnvironmentView> {
      return inTransaction(async (trx) => {
        const s = projectStore(trx, dialect);
        const { project, env } = await loadEnvironment(s, p, projectId, envId, true);
        requirePermission(p, 'UpdateEnvSettings', rn.env(project.key, env.key));
        const now = clock.now();
        const after: EnvironmentRow = {
          ...env,
          name: requiredName(input.name),
          description: input.description ?? env.description,
          settings: input.settings ?? env.settings,
          updatedAt: now,
        };
        const keys = await secretsOf(trx, p, [env]);
        if (JSON.stringify(envSnapshot(after)) === JSON.stringify(envSnapshot(env))) return envView(env, keys);
        await s.updateEnvironment(p.org.id, env.id, { name: after.name, description: after.description, settings: after.settings }, now);
        await envEntry(trx, p, 'UpdateEnvSettings', project, env, envSnapshot(env), envSnapshot(after));
        return envView(after, keys);
      });
    },

    async removeEnvironment(p: OrgPrincipal, projectId: string, envId: string): Promise<true> {
      const deleted = await inTransaction(async (trx) => {
        const s = projectStore(trx, dialect);
        const { project, env } = await loadEnvironment(s, p, projectId, envId, true);
        requirePermission(p, 'DeleteEnv', rn.env(project.key, env.key));
        await secrets.removeFor(trx, p.org.id, [env.id]);
        await s.deleteEnvironment(p.org.id, env.id);
        await envEntry(trx, p, 'DeleteEnv', project, env, envSnapshot(env), null);
        return env.id;
      });
      // Flag reads are cached (flags/flag-read-cache.ts): this environment's flags go on every instance.
      await deps.invalidate({ kind: 'flags', envIds: [deleted] });
      await revokeSecretsOf([deleted]);
      return true;
    },
  };
}

export type ProjectService = ReturnType<typeof projectService>;

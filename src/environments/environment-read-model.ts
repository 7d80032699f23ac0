// Read model for flags and segments: which environment (and project) an id names, within one organization.
import { rn, type Rn } from '../policy/rn.ts';
import type { Dialect } from '../platform/db.ts';
import type { DbHandle, DbTransaction } from '../platform/db.ts';

type Q = DbHandle | DbTransaction;

export interface EnvironmentRef {
  id: string;
  key: string;
  projectId: string;
  projectKey: string;
}

/**
 * The environment `envId` of organization `orgId`, or null (another organization's id looks missing).
 * `lock` (PostgreSQL) holds the project and then the environment (the order every writer uses, so
 * no deadlock) until the transaction ends: a concurrent delete either finishes first (we see null)
 * or waits for us (and then removes what we added).
 */
export async function findEnvironmentRef(db: Q, dialect: Dialect, orgId: string, envId: string, lock = false): Promise<EnvironmentRef | null> {
  const env = await db
    .selectFrom('environments')
    .innerJoin('projects', 'projects.id', 'environments.project_id')
    .select(['environments.id', 'environments.key', 'environments.project_id as projectId', 'projects.key as projectKey'])
    .where('environments.org_id', '=', orgId)
    .where('environments.id', '=', envId)
    .executeTakeFirst();
  if (!env || !lock || dialect !== 'postgres') return env ?? null;
  const project = await db.selectFrom('projects').select('id').where('id', '=', env.projectId).forShare().executeTakeFirst();
  const still = project && (await db.selectFrom('environments').select('id').where('id', '=', env.id).forShare().executeTakeFirst());
  return still ? env : null;
}

export const envRn = (env: EnvironmentRef): Rn => rn.env(env.projectKey, env.key);

// SQL for environment secrets (SDK keys). Every query is scoped by org_id, except the lookup by digest that
// resolves an SDK's key: there the key itself is the only thing the caller has.
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '../platform/db.ts';
import type { Database } from '../platform/tables.ts';
import type { SdkSecretType } from './sdk-key-format.ts';
import { firstRow } from '../platform/sql-helpers.ts';

export type Q = Kysely<Database> | Transaction<Database>;

export interface SecretRow {
  id: string;
  orgId: string;
  envId: string;
  name: string;
  type: SdkSecretType;
  digest: string;
  hint: string;
  /** The whole key, kept for client keys only (they are public by design). */
  value: string | null;
  prevDigest: string | null;
  prevUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

const toRow = (r: Database['env_secrets']): SecretRow => ({
  id: r.id,
  orgId: r.org_id,
  envId: r.env_id,
  name: r.name,
  type: r.type,
  digest: r.digest,
  hint: r.hint,
  value: r.value,
  prevDigest: r.prev_digest,
  prevUntil: r.prev_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function sdkSecretStore(db: Q, dialect: Dialect = 'sqlite') {
  const pg = dialect === 'postgres';
  return {
    async listForEnvironments(orgId: string, envIds: string[]): Promise<SecretRow[]> {
      if (envIds.length === 0) return [];
      const rows = await db.selectFrom('env_secrets').selectAll().where('org_id', '=', orgId).where('env_id', 'in', envIds).orderBy('created_at').orderBy('type', 'desc').orderBy('id').execute();
      return rows.map(toRow);
    },

    /** `forUpdate` (PostgreSQL; SQLite runs one writer at a time): held until the transaction ends, so concurrent rotations queue. */
    async find(orgId: string, envId: string, id: string, forUpdate = false): Promise<SecretRow | null> {
      return firstRow(db.selectFrom('env_secrets').selectAll().where('org_id', '=', orgId).where('env_id', '=', envId).where('id', '=', id), pg && forUpdate, toRow);
    },

    /** The secret whose current or previous (rotated) key has this digest. */
    async findByDigest(digest: string): Promise<SecretRow | null> {
      const r = await db
        .selectFrom('env_secrets')
        .selectAll()
        .where((eb) => eb.or([eb('digest', '=', digest), eb('prev_digest', '=', digest)]))
        .executeTakeFirst();
      return r ? toRow(r) : null;
    },

    async insert(s: SecretRow): Promise<void> {
      await db
        .insertInto('env_secrets')
        .values({
          id: s.id,
          org_id: s.orgId,
          env_id: s.envId,
          name: s.name,
          type: s.type,
          digest: s.digest,
          hint: s.hint,
          value: s.value,
          prev_digest: s.prevDigest,
          prev_until: s.prevUntil,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        })
        .execute();
    },

    async rename(orgId: string, id: string, name: string, now: number): Promise<void> {
      await db.updateTable('env_secrets').set({ name, updated_at: now }).where('org_id', '=', orgId).where('id', '=', id).execute();
    },

    async rotate(orgId: string, id: string, set: { digest: string; hint: string; value: string | null; prevDigest: string | null; prevUntil: number | null }, now: number): Promise<void> {
      await db
        .updateTable('env_secrets')
        .set({ digest: set.digest, hint: set.hint, value: set.value, prev_digest: set.prevDigest, prev_until: set.prevUntil, updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
    },

    async remove(orgId: string, id: string): Promise<void> {
      await db.deleteFrom('env_secrets').where('org_id', '=', orgId).where('id', '=', id).execute();
    },

    /** Before an environment (or its project) is deleted. */
    async removeForEnvironments(orgId: string, envIds: string[]): Promise<void> {
      if (envIds.length === 0) return;
      await db.deleteFrom('env_secrets').where('org_id', '=', orgId).where('env_id', 'in', envIds).execute();
    },
  };
}

export type SdkSecretStore = ReturnType<typeof sdkSecretStore>;

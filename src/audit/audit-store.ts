// SQL for reading the audit log (audit-log.ts writes it). Newest first: created_at, seq, id, all descending.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/tables.ts';

type Q = Kysely<Database> | Transaction<Database>;

export interface AuditFilter {
  refType?: string;
  refId?: string;
  creatorId?: string;
  tokenId?: string;
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  /** Only entries of this environment. */
  envId?: string;
  /** Only entries of some environment. */
  inSomeEnv?: boolean;
}

/** Where a scan stopped: the last entry it returned. */
export interface AuditCursor {
  createdAt: number;
  seq: number;
  id: string;
}

export interface AuditHead extends AuditCursor {
  rn: string;
}

export type AuditRow = Database['audit_logs'];

export function auditStore(db: Q) {
  return {
    /** The next `limit` entries after `cursor` (keyset, so entries added meanwhile never shift a scan). Only what visibility needs. */
    async scan(orgId: string, filter: AuditFilter, cursor: AuditCursor | null, limit: number): Promise<AuditHead[]> {
      let q = db.selectFrom('audit_logs').select(['id', 'created_at', 'seq', 'rn']).where('org_id', '=', orgId);
      if (filter.refType !== undefined) q = q.where('ref_type', '=', filter.refType);
      if (filter.refId !== undefined) q = q.where('ref_id', '=', filter.refId);
      if (filter.creatorId !== undefined) q = q.where('actor_member_id', '=', filter.creatorId);
      if (filter.tokenId !== undefined) q = q.where('actor_token_id', '=', filter.tokenId);
      if (filter.from !== undefined) q = q.where('created_at', '>=', filter.from);
      if (filter.to !== undefined) q = q.where('created_at', '<', filter.to);
      if (filter.envId !== undefined) q = q.where('env_id', '=', filter.envId);
      if (filter.inSomeEnv) q = q.where('env_id', 'is not', null);
      if (cursor) {
        const c = cursor;
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '<', c.createdAt),
            eb.and([eb('created_at', '=', c.createdAt), eb('seq', '<', c.seq)]),
            eb.and([eb('created_at', '=', c.createdAt), eb('seq', '=', c.seq), eb('id', '<', c.id)]),
          ]),
        );
      }
      const rows = await q.orderBy('created_at', 'desc').orderBy('seq', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => ({ id: r.id, createdAt: Number(r.created_at), seq: Number(r.seq), rn: r.rn }));
    },

    async findByIds(orgId: string, ids: string[]): Promise<AuditRow[]> {
      if (ids.length === 0) return [];
      return db.selectFrom('audit_logs').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
    },

    /** The email of each of these members that is still in the organization (entries outlive memberships). */
    async memberEmails(orgId: string, memberIds: string[]): Promise<Map<string, string>> {
      if (memberIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('members')
        .leftJoin('users', 'users.id', 'members.user_id')
        .select((eb) => ['members.id', eb.fn.coalesce('users.email', 'members.email').as('email')])
        .where('members.org_id', '=', orgId)
        .where('members.id', 'in', memberIds)
        .execute();
      return new Map(rows.map((r) => [r.id, r.email]));
    },
  };
}

// Every change writes one entry in the same transaction as the change itself.
import type { Actor } from '../auth/principal.ts';
import type { Clock, Ids } from '../platform/clock.ts';
import type { DbHandle, DbTransaction } from '../platform/db.ts';

export interface AuditEntryInput {
  orgId: string;
  actor: Actor;
  action: string;
  refType: string;
  refId: string;
  refKey: string;
  /** The RN of what the entry refers to; reads of the log are filtered by it. */
  rn: string;
  projectId?: string | null;
  envId?: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** The caller's note on the change (FeatBit's `comment`); '' when none. */
  comment?: string;
}

export interface AuditLog {
  record(db: DbHandle | DbTransaction, entry: AuditEntryInput): Promise<void>;
}

/** Keep only the fields that changed, so an entry shows exactly what moved. */
export function diff(before: Record<string, unknown> | null, after: Record<string, unknown> | null) {
  if (!before || !after) return { before, after };
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) {
      b[k] = before[k];
      a[k] = after[k];
    }
  }
  return { before: b, after: a };
}

export function createAuditLog(clock: Clock, ids: Ids): AuditLog {
  let seq = 0;
  return {
    async record(db, e) {
      const changes = diff(e.before ?? null, e.after ?? null);
      await db
        .insertInto('audit_logs')
        .values({
          id: ids.next(),
          org_id: e.orgId,
          seq: ++seq,
          created_at: clock.now(),
          action: e.action,
          ref_type: e.refType,
          ref_id: e.refId,
          ref_key: e.refKey,
          project_id: e.projectId ?? null,
          env_id: e.envId ?? null,
          rn: e.rn,
          actor_kind: e.actor.kind,
          actor_member_id: e.actor.memberId,
          actor_name: e.actor.name,
          actor_token_id: e.actor.tokenId,
          actor_token_name: e.actor.tokenName,
          changes: JSON.stringify(changes),
          comment: e.comment ?? '',
        })
        .execute();
    },
  };
}

// The audit log is a member of every feature's shared context (platform/context.ts declares the rest).
declare module '../platform/context.ts' {
  interface AppContext {
    audit: AuditLog;
  }
}

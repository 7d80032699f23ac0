// Reading the audit log. Visibility depends on glob patterns, tags and denies, which SQL cannot
// evaluate, so the SQL filters (org, refType, refId, actor, time) narrow the candidates and the
// rest is a keyset scan in batches, counting visible entries and keeping only the requested page.
import type { OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { auditStore, type AuditCursor, type AuditFilter, type AuditRow } from './audit-store.ts';
import { visibilityFor } from './audit-visibility.ts';

export interface AuditEntryView {
  id: string;
  createdAt: string;
  action: string;
  refType: string;
  refId: string;
  refKey: string;
  projectId: string | null;
  envId: string | null;
  actor: { kind: string; memberId: string | null; memberName: string | null; tokenId: string | null; tokenName: string | null };
  changes: { before: unknown; after: unknown };
  comment: string;
}

const BATCH = 1000;

export const auditEntryView = (r: AuditRow): AuditEntryView => ({
  id: r.id,
  createdAt: new Date(Number(r.created_at)).toISOString(),
  action: r.action,
  refType: r.ref_type,
  refId: r.ref_id,
  refKey: r.ref_key,
  projectId: r.project_id,
  envId: r.env_id,
  actor: { kind: r.actor_kind, memberId: r.actor_member_id, memberName: r.actor_name, tokenId: r.actor_token_id, tokenName: r.actor_token_name },
  changes: JSON.parse(r.changes) as { before: unknown; after: unknown },
  comment: r.comment,
});

export function auditService(deps: Pick<AppContext, 'kysely'>) {
  return {
    async list(p: OrgPrincipal, filter: AuditFilter, pageIndex: number, pageSize: number): Promise<{ totalCount: number; items: AuditEntryView[] }> {
      const page = await this.rows(p, filter, pageIndex, pageSize);
      return { totalCount: page.totalCount, items: page.items.map(auditEntryView) };
    },

    /** The page of visible entries; `match`, when given, is a further test on each visible entry (read in full). */
    async rows(p: OrgPrincipal, filter: AuditFilter, pageIndex: number, pageSize: number, match?: (row: AuditRow) => boolean): Promise<{ totalCount: number; items: AuditRow[] }> {
      const store = auditStore(deps.kysely);
      const visible = visibilityFor(p);
      const first = pageIndex * pageSize;
      const page: string[] = [];
      let count = 0;
      let cursor: AuditCursor | null = null;
      for (;;) {
        const batch = await store.scan(p.org.id, filter, cursor, BATCH);
        const seen = batch.filter((head) => visible(head.rn));
        const full = match ? new Map((await store.findByIds(p.org.id, seen.map((h) => h.id))).map((r) => [r.id, r])) : null;
        for (const head of seen) {
          if (full) {
            const row = full.get(head.id);
            if (!row || !match!(row)) continue;
          }
          if (count >= first && count < first + pageSize) page.push(head.id);
          count++;
        }
        if (batch.length < BATCH) break;
        cursor = batch[batch.length - 1];
      }
      const rows = await store.findByIds(p.org.id, page);
      const byId = new Map(rows.map((r) => [r.id, r]));
      // Entries cannot disappear, but keep the page consistent even if one did.
      const items = page.map((id) => byId.get(id)).filter((r): r is AuditRow => r !== undefined);
      return { totalCount: count, items };
    },
  };
}

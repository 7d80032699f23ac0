// Reading the audit log. Visibility depends on glob patterns, tags and denies, which SQL cannot
// evaluate, so the SQL filters (org, refType, refId, actor, time) narrow the candidates and the
// rest is a keyset scan in batches, counting visible entries and keeping only the requested page.
import { requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { NotFound } from '../platform/errors.ts';
import { envRn, findEnvironmentRef } from '../environments/environment-read-model.ts';
import { auditLogVm, ensignRefType, matchesQuery, type AuditLogVm } from './audit-featbit-view.ts';
import { auditStore, type AuditCursor, type AuditFilter, type AuditRow } from './audit-store.ts';
import { auditEntryView, type AuditEntryView } from './audit-view.ts';
import { visibilityFor } from './audit-visibility.ts';

const BATCH = 1000;

/** FeatBit's filters for one environment's log (GET /envs/{envId}/audit-logs); from/to in unix ms, both inclusive. */
export interface EnvironmentLogQuery {
  query?: string;
  creatorId?: string;
  refId?: string;
  refType?: string;
  from?: number;
  to?: number;
  crossEnvironment?: boolean;
}

export function auditService(deps: Pick<AppContext, 'kysely' | 'db'>) {
  return {
    /** FeatBit's audit log of one environment [CanAccessEnv on it; each entry also needs its own read right]. */
    async environmentLog(p: OrgPrincipal, envId: string, q: EnvironmentLogQuery, pageIndex: number, pageSize: number): Promise<{ totalCount: number; items: AuditLogVm[] }> {
      const env = await findEnvironmentRef(deps.kysely, deps.db.dialect, p.org.id, envId);
      if (!env) throw new NotFound();
      requirePermission(p, 'CanAccessEnv', envRn(env));
      // FeatBit treats empty filters as absent; its creatorId is a member's, or a token's when a token acted.
      const text = (v?: string) => v?.trim() || undefined;
      const refType = text(q.refType);
      const creatorId = text(q.creatorId);
      const filter: AuditFilter = {
        refType: refType && ensignRefType(refType),
        refId: text(q.refId),
        from: q.from,
        to: q.to === undefined ? undefined : q.to + 1,
        ...(q.crossEnvironment ? { inSomeEnv: true } : { envId: env.id }),
      };
      const query = text(q.query);
      const creatorMatches = (row: AuditRow) => (row.actor_kind === 'token' ? row.actor_token_id : row.actor_member_id) === creatorId;
      const match = query || creatorId ? (row: AuditRow) => (!query || matchesQuery(row, query)) && (!creatorId || creatorMatches(row)) : undefined;
      const page = await this.rows(p, filter, pageIndex, pageSize, match);
      const memberIds = [...new Set(page.items.flatMap((r) => (r.actor_kind === 'member' && r.actor_member_id ? [r.actor_member_id] : [])))];
      const emails = await auditStore(deps.kysely).memberEmails(p.org.id, memberIds);
      return { totalCount: page.totalCount, items: page.items.map((r) => auditLogVm(r, emails)) };
    },

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
        const full = match
          ? new Map(
              (
                await store.findByIds(
                  p.org.id,
                  seen.map((h) => h.id),
                )
              ).map((r) => [r.id, r]),
            )
          : null;
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

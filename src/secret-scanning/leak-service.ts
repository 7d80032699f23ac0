// A leak report (GitHub's secret-scanning alert, or the same JSON given to the CLI) → every listed Ensign token that
// still works is deactivated (Leaked), in any organization: the secret is public, whoever owns it.
import type { AuditLog } from '../audit/audit-log.ts';
import { deactivateLeaked } from '../access-tokens/access-token-service.ts';
import { findTokensByDigests } from '../access-tokens/access-token-store.ts';
import { parseCredential, type Digester } from '../auth/credential-format.ts';
import type { Actor } from '../auth/principal.ts';
import type { Clock } from '../platform/clock.ts';
import type { AppContext } from '../platform/context.ts';

/** One match as GitHub sends it. */
export interface LeakAlert {
  token: string;
  type: string;
  url?: string;
  source?: string;
}

/** GitHub's feedback format, one entry per alert, in order. */
export interface LeakFeedback {
  token_raw: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export interface LeakDeps {
  kysely: AppContext['kysely'];
  digester: Digester;
  audit: AuditLog;
  clock: Clock;
  /** Tells every instance (this one included) that these tokens changed; awaited before the answer. */
  invalidate(tokenIds: string[]): Promise<void>;
}

/** The system actor the audit log names for a leak report. */
export const leakActor = (name: string): Actor => Object.freeze({ kind: 'system', memberId: null, name, tokenId: null, tokenName: null });
export const SECRET_SCANNING_ACTOR = leakActor('GitHub secret scanning');

// Digest look-ups go to the database in slices, so a large report is a few queries, not one per token.
const SLICE = 500;

/**
 * Deactivates each listed token still in use. The label says only whether the string is an Ensign access token
 * (prefix and checksum), which anyone can compute: it is the same whether or not this server knows the token.
 * Strings that fail the checksum never reach the database. Returns the feedback and the ids deactivated now.
 */
export async function revokeLeaked(deps: LeakDeps, alerts: readonly LeakAlert[], actor: Actor): Promise<{ feedback: LeakFeedback[]; revoked: string[] }> {
  const isToken = alerts.map((a) => {
    const kind = parseCredential(a.token);
    return kind === 'Personal' || kind === 'Service';
  });
  const feedback = alerts.map((a, i): LeakFeedback => ({ token_raw: a.token, token_type: a.type, label: isToken[i] ? 'true_positive' : 'false_positive' }));

  // digest → where it was first reported (a token listed twice is one leak).
  const reports = new Map<string, LeakAlert>();
  alerts.forEach((a, i) => {
    if (!isToken[i]) return;
    const digest = deps.digester.digest(a.token);
    if (!reports.has(digest)) reports.set(digest, a);
  });
  if (reports.size === 0) return { feedback, revoked: [] };

  const now = deps.clock.now();
  const digests = [...reports.keys()];
  const revoked = await deps.kysely.transaction().execute(async (trx) => {
    const changed: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < digests.length; i += SLICE) {
      for (const t of await findTokensByDigests(trx, digests.slice(i, i + SLICE))) {
        // A pre-reset secret counts while its grace lasts; after that it opens nothing, so its leak changes nothing.
        const current = reports.get(t.digest);
        const previous = t.prev_digest !== null && t.prev_digest_until !== null && t.prev_digest_until > now ? reports.get(t.prev_digest) : undefined;
        const report = current ?? previous;
        if (!report || seen.has(t.id)) continue;
        seen.add(t.id);
        if (await deactivateLeaked(trx, deps.audit, actor, t, { url: report.url ?? '', source: report.source ?? '' }, now)) changed.push(t.id);
      }
    }
    return changed;
  });
  // Every instance drops the tokens before the answer leaves: the next request anywhere is refused.
  if (revoked.length) await deps.invalidate(revoked);
  return { feedback, revoked };
}

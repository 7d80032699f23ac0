// Rules for flag insights: an SDK's track batch is counted for the environment its key belongs to; reading a flag's
// insights needs CanAccessEnv on its environment, in the caller's organization (another's looks missing).
import { requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { flagReadModel } from '../flags/flag-read-model.ts';
import type { AppContext } from '../platform/context.ts';
import { AppError, NotFound } from '../platform/errors.ts';
import { envRn } from '../environments/environment-read-model.ts';
import type { ResolvedSdkSecret } from '../sdk-keys/sdk-secret-resolver.ts';
import { evaluationsOf, HOUR_MS, hourOf, MAX_TRACK_ITEMS, seriesOf, type InsightSeries } from './insight-model.ts';

export type InsightDeps = Pick<AppContext, 'db' | 'clock' | 'insights'>;

export class PayloadTooLarge extends AppError {
  constructor() {
    super(413, ['PayloadTooLarge']);
  }
}

export function insightService(deps: InsightDeps) {
  const reads = flagReadModel(deps.db);
  return {
    /** Counts the evaluations of a track batch (FeatBit's: items without a user are skipped; metrics are not kept). */
    track(secret: ResolvedSdkSecret, items: readonly unknown[]): void {
      if (items.length > MAX_TRACK_ITEMS) throw new PayloadTooLarge();
      deps.insights.record(secret.envId, evaluationsOf(items), deps.clock.now());
    },

    /** The flag's evaluations per variation over the last `hours` hours, with what this instance has not written yet [CanAccessEnv]. */
    async series(p: OrgPrincipal, envId: string, flagKey: string, hours: number): Promise<InsightSeries> {
      const found = await reads.find(p.org.id, envId, flagKey);
      if (!found) throw new NotFound();
      requirePermission(p, 'CanAccessEnv', envRn(found.env));
      if (!found.flag) throw new NotFound();
      const now = deps.clock.now();
      const from = hourOf(now) - (hours - 1) * HOUR_MS;
      const { counts, lastAt } = await deps.insights.countsSince(envId, flagKey, from);
      return seriesOf(counts, lastAt, now, hours);
    },
  };
}

// Flag insights, pure: what an SDK's track batch counts for, and the hourly buckets. No users are kept, only counts.

export const HOUR_MS = 3_600_000;
/** Buckets older than this are swept. */
export const KEEP_MS = 30 * 24 * HOUR_MS;
/** The most items one track request may carry (the SDKs send 50 at a time). */
export const MAX_TRACK_ITEMS = 500;

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** One evaluation reported: a flag served a variation (the environment is the SDK key's). */
export interface Evaluation {
  flagKey: string;
  variationId: string;
}

const FLAG_KEY = /^[A-Za-z0-9._-]{1,128}$/;
const VARIATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The evaluations a track body reports, as FeatBit reads it: an item without a user keyId is ignored, and so is
 * a variation without an id; metrics are accepted and not kept. Anything else that does not fit is skipped, not refused,
 * so an SDK sending one odd item does not lose the batch.
 */
export function evaluationsOf(items: readonly unknown[]): Evaluation[] {
  const out: Evaluation[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const user = item.user;
    if (!isObject(user) || typeof user.keyId !== 'string' || user.keyId.trim() === '') continue;
    if (!Array.isArray(item.variations)) continue;
    for (const v of item.variations) {
      if (!isObject(v) || typeof v.featureFlagKey !== 'string' || !FLAG_KEY.test(v.featureFlagKey)) continue;
      const variation = v.variation;
      if (!isObject(variation) || typeof variation.id !== 'string' || !VARIATION_ID.test(variation.id)) continue;
      out.push({ flagKey: v.featureFlagKey, variationId: variation.id });
    }
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One row of counts: an environment's flag, one variation, one hour. */
export interface InsightCount {
  envId: string;
  flagKey: string;
  hour: number;
  variationId: string;
  count: number;
  lastAt: number;
}

export interface InsightSeries {
  /** ISO time of the latest evaluation counted, or null. */
  lastEvaluatedAt: string | null;
  /** One entry per hour, oldest first, the current hour last; hours with no evaluations have empty counts. */
  series: { time: string; counts: Record<string, number> }[];
}

/** The last `hours` hourly buckets up to `now` from counts (stored and pending alike; the same key may appear twice). */
export function seriesOf(counts: readonly InsightCount[], lastAt: number | null, now: number, hours: number): InsightSeries {
  const last = hourOf(now);
  const first = last - (hours - 1) * HOUR_MS;
  const series = Array.from({ length: hours }, (_, i) => ({ time: new Date(first + i * HOUR_MS).toISOString(), counts: {} as Record<string, number> }));
  for (const c of counts) {
    if (c.hour < first || c.hour > last) continue;
    const bucket = series[(c.hour - first) / HOUR_MS].counts;
    bucket[c.variationId] = (bucket[c.variationId] ?? 0) + c.count;
  }
  return { lastEvaluatedAt: lastAt === null ? null : new Date(lastAt).toISOString(), series };
}

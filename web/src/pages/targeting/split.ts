// Pure: no React, no Mantine (test/web/split.test.ts runs it under Node).
import type { RolloutVariation, Variation } from '../../api/types.ts';

// What a rule or the default rule serves, in the editor's terms: one variation to everyone, or a
// percentage of users per variation. The server stores rollouts ([from, to] within [0, 1]).
export type Serve = { kind: 'single'; variationId: string } | { kind: 'split'; percents: Record<string, number> };

// Whole basis points, so percentages such as 33.33 add up exactly.
const BP = 10000;
const bp = (fraction: number) => Math.round(fraction * BP);

export function serveOf(variations: readonly RolloutVariation[]): Serve {
  const served = variations.filter((v) => bp(v.rollout[1]) > bp(v.rollout[0]));
  if (served.length === 1 && bp(served[0].rollout[0]) === 0 && bp(served[0].rollout[1]) === BP) return { kind: 'single', variationId: served[0].id };
  const percents: Record<string, number> = {};
  for (const v of served) percents[v.id] = (percents[v.id] ?? 0) + (bp(v.rollout[1]) - bp(v.rollout[0])) / 100;
  return { kind: 'split', percents };
}

// The split's total in basis points (10000 = 100 %).
export const splitTotal = (percents: Record<string, number>) => Object.values(percents).reduce((sum, p) => sum + Math.round((p || 0) * 100), 0);

export const serveIsValid = (s: Serve) => (s.kind === 'single' ? s.variationId !== '' : splitTotal(s.percents) === BP);

// Rollouts in the flag's variation order, one after another from 0 to 1; 0 % variations are left out.
export function rolloutsOf(serve: Serve, flagVariations: readonly Variation[]): RolloutVariation[] {
  if (serve.kind === 'single') return [{ id: serve.variationId, rollout: [0, 1], exptRollout: 1 }];
  const out: RolloutVariation[] = [];
  let from = 0;
  for (const v of flagVariations) {
    const width = Math.round((serve.percents[v.id] || 0) * 100);
    if (width <= 0) continue;
    const to = Math.min(BP, from + width);
    out.push({ id: v.id, rollout: [from / BP, to / BP], exptRollout: (to - from) / BP });
    from = to;
  }
  return out;
}

// A split starting from what is served now: the single variation at 100 %, the others at 0.
export function toSplit(serve: Serve, flagVariations: readonly Variation[]): Serve {
  if (serve.kind === 'split') return serve;
  return { kind: 'split', percents: Object.fromEntries(flagVariations.map((v) => [v.id, v.id === serve.variationId ? 100 : 0])) };
}

// FeatBit's targeting model (Domain/Targeting, Domain/FeatureFlags), as plain data, and the checks a
// stored flag or segment must pass. Pure: no I/O, nothing of the app; the services call it.

import type { Condition, EvalFlag, Fallthrough, RolloutVariation, SegmentRule, TargetRule, TargetUser } from '../evaluation/model.ts';
import { OPERATORS } from '../evaluation/operators.ts';

export const SEGMENT_PROPERTIES = ['User is in segment', 'User is not in segment'] as const;

/** FeatBit's operators, as the evaluation core defines them; anything else is refused on input. */
export { OPERATORS };

// The stored shape is the evaluation core's own, so what is stored is what is evaluated.
export type { Condition, Fallthrough, RolloutVariation, TargetRule, TargetUser };

export type FlagTargeting = Pick<EvalFlag, 'targetUsers' | 'rules' | 'fallthrough' | 'exptIncludeAllTargets'>;

/** A segment's rule: conditions only (a user matching all of them is in the segment). */
export type MatchRule = SegmentRule;

/** What a new flag serves when on: its enabled variation, to everyone (FeatBit's FeatureFlag constructor). */
export const defaultFallthrough = (enabledVariationId: string): Fallthrough => ({
  dispatchKey: null,
  includedInExpt: true,
  variations: [{ id: enabledVariationId, rollout: [0, 1], exptRollout: 1 }],
});

export const isSegmentCondition = (c: Condition): boolean => (SEGMENT_PROPERTIES as readonly string[]).includes(c.property);

/** The segment ids a segment condition names (its value is a JSON array of ids); [] when the value is not one. */
export function segmentIdsOf(c: Condition): string[] {
  try {
    const parsed: unknown = JSON.parse(c.value);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : [];
  } catch {
    return [];
  }
}

/** Every segment id the rules refer to. */
export const referencedSegments = (rules: readonly { conditions: readonly Condition[] }[]): string[] => [
  ...new Set(rules.flatMap((r) => r.conditions.filter(isSegmentCondition).flatMap(segmentIdsOf))),
];

/** The variation that the fallthrough serves to everyone, when it serves one variation wholly. */
export function wholeFallthroughVariation(f: Fallthrough): string | undefined {
  const served = f.variations.filter((v) => v.rollout[1] - v.rollout[0] > 0);
  return served.length === 1 && served[0].rollout[0] === 0 && served[0].rollout[1] === 1 ? served[0].id : undefined;
}

/** Every variation id the targeting serves somewhere. */
export const servedVariations = (t: FlagTargeting): Set<string> =>
  new Set([...t.targetUsers.map((u) => u.variationId), ...t.rules.flatMap((r) => r.variations.map((v) => v.id)), ...t.fallthrough.variations.map((v) => v.id)]);

function conditionErrors(conditions: readonly Condition[], errors: Set<string>, segmentKnown: ((id: string) => boolean) | null) {
  for (const c of conditions) {
    if (!(OPERATORS as readonly string[]).includes(c.op) && !isSegmentCondition(c)) errors.add('op_is_invalid');
    if (c.op === 'IsOneOf' || c.op === 'NotOneOf') {
      try {
        const list: unknown = JSON.parse(c.value);
        if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) errors.add('value_is_invalid');
      } catch {
        errors.add('value_is_invalid');
      }
    }
    if (c.op === 'MatchRegex' || c.op === 'NotMatchRegex') {
      try {
        new RegExp(c.value);
      } catch {
        errors.add('value_is_invalid');
      }
    }
    if (isSegmentCondition(c)) {
      // Segments cannot name segments (FeatBit's segment UpdateTargetingValidator).
      if (!segmentKnown) errors.add('rules_is_invalid');
      else {
        const ids = segmentIdsOf(c);
        if (ids.length === 0 || !ids.every(segmentKnown)) errors.add('segment_is_invalid');
      }
    }
  }
}

function rolloutErrors(variations: readonly RolloutVariation[], variationIds: ReadonlySet<string>, errors: Set<string>) {
  if (variations.length === 0) errors.add('variations_is_required');
  for (const v of variations) {
    if (!variationIds.has(v.id)) errors.add('variationId_is_invalid');
    const [from, to] = v.rollout;
    if (!(from >= 0 && to <= 1 && from <= to)) errors.add('rollout_is_invalid');
    if (!(v.exptRollout >= 0 && v.exptRollout <= 1)) errors.add('exptRollout_is_invalid');
  }
}

/**
 * Error codes for a flag's targeting, empty when valid: variations must exist, rollouts lie in [0, 1]
 * with from ≤ to, operators are FeatBit's, segment conditions name known segments, ids are unique.
 */
export function targetingErrors(t: FlagTargeting, variationIds: ReadonlySet<string>, segmentKnown: (id: string) => boolean): string[] {
  const errors = new Set<string>();
  const seenUsers = new Set<string>();
  for (const u of t.targetUsers) {
    if (!variationIds.has(u.variationId)) errors.add('variationId_is_invalid');
    for (const k of u.keyIds) {
      // A user targeted at two variations would get whichever comes first: refuse the ambiguity.
      if (seenUsers.has(k)) errors.add('targetUsers_is_invalid');
      seenUsers.add(k);
    }
  }
  if (new Set(t.rules.map((r) => r.id)).size !== t.rules.length) errors.add('rules_is_invalid');
  for (const r of t.rules) {
    conditionErrors(r.conditions, errors, segmentKnown);
    rolloutErrors(r.variations, variationIds, errors);
  }
  rolloutErrors(t.fallthrough.variations, variationIds, errors);
  return [...errors];
}

/** Error codes for a segment's rules: known operators, no segment conditions, unique ids. */
export function segmentRuleErrors(rules: readonly MatchRule[]): string[] {
  const errors = new Set<string>();
  if (new Set(rules.map((r) => r.id)).size !== rules.length) errors.add('rules_is_invalid');
  for (const r of rules) conditionErrors(r.conditions, errors, null);
  return [...errors];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The IAM actions a change of targeting needs, one per part that moved (FeatBit's UpdateTargeting
 * handler): targetUsers → UpdateFlagIndividualTargeting, rules → UpdateFlagTargetingRules,
 * fallthrough and exptIncludeAllTargets → UpdateFlagDefaultRule.
 */
export function targetingActions(before: FlagTargeting, after: FlagTargeting): string[] {
  const actions: string[] = [];
  if (!same(before.targetUsers, after.targetUsers)) actions.push('UpdateFlagIndividualTargeting');
  if (!same(before.rules, after.rules)) actions.push('UpdateFlagTargetingRules');
  if (!same(before.fallthrough, after.fallthrough) || before.exptIncludeAllTargets !== after.exptIncludeAllTargets) actions.push('UpdateFlagDefaultRule');
  return actions;
}

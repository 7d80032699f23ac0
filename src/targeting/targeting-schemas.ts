// TypeBox schemas of FeatBit's targeting JSON: what routes accept (ids and flags optional, filled in by
// `normalize…`) and what views show. The service checks a JSON-Patched document against the same ones.
import { Type, type Static } from 'typebox';
import type { Condition, Fallthrough, FlagTargeting, MatchRule, RolloutVariation, TargetRule, TargetUser } from './targeting-model.ts';

const Text = (maxLength: number) => Type.String({ maxLength });
const UserKey = Type.String({ minLength: 1, maxLength: 256 });
const NullableText = Type.Union([Type.String({ maxLength: 256 }), Type.Null()]);
const RuleId = Type.String({ minLength: 1, maxLength: 64 });

export const ConditionInput = Type.Object({ id: Type.Optional(Text(64)), property: Type.String({ minLength: 1, maxLength: 256 }), op: Text(64), value: Text(65536) }, { additionalProperties: false });
export const RolloutInput = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    rollout: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
    exptRollout: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
const Conditions = Type.Array(ConditionInput, { maxItems: 100 });
const Rollouts = Type.Array(RolloutInput, { maxItems: 100 });
export const TargetUserInput = Type.Object({ variationId: Type.String({ minLength: 1, maxLength: 64 }), keyIds: Type.Array(UserKey, { maxItems: 10000 }) }, { additionalProperties: false });
export const TargetRuleInput = Type.Object(
  {
    id: Type.Optional(RuleId),
    name: Type.Optional(Text(256)),
    dispatchKey: Type.Optional(NullableText),
    includedInExpt: Type.Optional(Type.Boolean()),
    conditions: Conditions,
    variations: Rollouts,
  },
  { additionalProperties: false },
);
export const FallthroughInput = Type.Object({ dispatchKey: Type.Optional(NullableText), includedInExpt: Type.Optional(Type.Boolean()), variations: Rollouts }, { additionalProperties: false });
export const FlagTargetingInput = Type.Object(
  {
    targetUsers: Type.Array(TargetUserInput, { maxItems: 100 }),
    rules: Type.Array(TargetRuleInput, { maxItems: 100 }),
    fallthrough: FallthroughInput,
    exptIncludeAllTargets: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const MatchRuleInput = Type.Object({ id: Type.Optional(RuleId), name: Type.Optional(Text(256)), conditions: Conditions }, { additionalProperties: false });
export const MatchRules = Type.Array(MatchRuleInput, { maxItems: 100 });

export type FlagTargetingBody = Static<typeof FlagTargetingInput>;
export type MatchRuleBody = Static<typeof MatchRuleInput>;

// Views: every field present.
const ConditionView = Type.Object({ id: Type.Optional(Type.String()), property: Type.String(), op: Type.String(), value: Type.String() });
const RolloutView = Type.Object({ id: Type.String(), rollout: Type.Tuple([Type.Number(), Type.Number()]), exptRollout: Type.Number() });
export const TargetUserView = Type.Object({ variationId: Type.String(), keyIds: Type.Array(Type.String()) });
export const TargetRuleView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  dispatchKey: Type.Union([Type.String(), Type.Null()]),
  includedInExpt: Type.Boolean(),
  conditions: Type.Array(ConditionView),
  variations: Type.Array(RolloutView),
});
export const FallthroughView = Type.Object({ dispatchKey: Type.Union([Type.String(), Type.Null()]), includedInExpt: Type.Boolean(), variations: Type.Array(RolloutView) });
export const MatchRuleView = Type.Object({ id: Type.String(), name: Type.String(), conditions: Type.Array(ConditionView) });

const condition = (c: Static<typeof ConditionInput>): Condition =>
  c.id === undefined ? { property: c.property, op: c.op, value: c.value } : { id: c.id, property: c.property, op: c.op, value: c.value };
const rollout = (v: Static<typeof RolloutInput>): RolloutVariation => ({
  id: v.id,
  rollout: [v.rollout[0], v.rollout[1]],
  exptRollout: v.exptRollout ?? v.rollout[1] - v.rollout[0],
});

/** The stored form of a targeting body: missing rule ids made, optional fields given FeatBit's defaults. */
export function normalizeTargeting(t: FlagTargetingBody, nextId: () => string, previous: { exptIncludeAllTargets: boolean }): FlagTargeting {
  const targetUsers: TargetUser[] = t.targetUsers.map((u) => ({ variationId: u.variationId, keyIds: [...new Set(u.keyIds)] }));
  const rules: TargetRule[] = t.rules.map((r) => ({
    id: r.id ?? nextId(),
    name: r.name ?? '',
    dispatchKey: r.dispatchKey ?? null,
    includedInExpt: r.includedInExpt ?? false,
    conditions: r.conditions.map(condition),
    variations: r.variations.map(rollout),
  }));
  const fallthrough: Fallthrough = { dispatchKey: t.fallthrough.dispatchKey ?? null, includedInExpt: t.fallthrough.includedInExpt ?? true, variations: t.fallthrough.variations.map(rollout) };
  return { targetUsers, rules, fallthrough, exptIncludeAllTargets: t.exptIncludeAllTargets ?? previous.exptIncludeAllTargets };
}

export const normalizeMatchRules = (rules: readonly MatchRuleBody[], nextId: () => string): MatchRule[] =>
  rules.map((r) => ({ id: r.id ?? nextId(), name: r.name ?? '', conditions: r.conditions.map(condition) }));

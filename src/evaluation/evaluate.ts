// Flag evaluation in FeatBit's server order (Domain/Evaluation/Evaluator.cs): archived → nothing;
// disabled → the disabled variation; individual targeting; the first rule whose conditions all hold;
// otherwise the fallthrough. Reasons and sendToExperiment are the server's (UserVariation.cs).
import type { ClientFlag, Condition, EvalFlag, EvalUser, Evaluation, RolloutVariation, SegmentLookup, TargetRule, Variation } from './model.ts';
import { compileCondition } from './operators.ts';
import { bucketOf, isInRollout } from './dispatch.ts';
import { isInSegment } from './segments.ts';
import { isBlank, readerOf, type AttributeReader } from './user.ts';

export const IN_SEGMENT = 'User is in segment';
export const NOT_IN_SEGMENT = 'User is not in segment';

/** One evaluation: the user's attributes are read at most once each, into the flag's property slots. */
interface Scope {
  user: EvalUser;
  segmentOf: SegmentLookup;
  values: (string | null)[];
}
type RuleTest = (scope: Scope) => boolean;

interface CompiledFlag {
  variations: Map<string, Variation>;
  /** keyId → variation id; the first target list naming the user wins, as the server's scan does. */
  targets: Map<string, string>;
  rules: { rule: TargetRule; matches: RuleTest; dispatchValue: AttributeReader }[];
  fallthroughDispatchValue: AttributeReader;
  /** How many distinct properties the rules read. */
  slots: number;
}

// Compiled once per flag object: flags are treated as immutable values (a change is a new object).
const compiledFlags = new WeakMap<EvalFlag, CompiledFlag>();

function compileFlag(flag: EvalFlag): CompiledFlag {
  let compiled = compiledFlags.get(flag);
  if (compiled) return compiled;
  const variations = new Map<string, Variation>();
  for (const v of flag.variations ?? []) if (!variations.has(v.id)) variations.set(v.id, v);
  const targets = new Map<string, string>();
  for (const t of flag.targetUsers ?? []) {
    for (const keyId of t.keyIds ?? []) if (!targets.has(keyId)) targets.set(keyId, t.variationId);
  }
  const slots = new Map<string, number>();
  const slotOf = (property: string) => {
    let slot = slots.get(property);
    if (slot === undefined) slots.set(property, (slot = slots.size));
    return slot;
  };
  const rules = (flag.rules ?? []).map((rule) => ({
    rule,
    matches: compileRule(rule.conditions ?? [], slotOf),
    dispatchValue: dispatchReader(rule.dispatchKey),
  }));
  const fallthroughDispatchValue = dispatchReader(flag.fallthrough?.dispatchKey);
  compiled = { variations, targets, rules, fallthroughDispatchValue, slots: slots.size };
  compiledFlags.set(flag, compiled);
  return compiled;
}

// Users are bucketed by flag key + keyId, or + the value of the dispatchKey attribute when one is named.
function dispatchReader(dispatchKey: string | null | undefined): AttributeReader {
  return isBlank(dispatchKey) ? (user) => user.keyId : readerOf(dispatchKey as string);
}

function compileRule(conditions: readonly Condition[], slotOf: (property: string) => number): RuleTest {
  const tests: RuleTest[] = conditions.map((c) => {
    if (c.property === IN_SEGMENT || c.property === NOT_IN_SEGMENT) {
      const ids = parseSegmentIds(c.value);
      // A list the server could not read (it would throw) never holds, whichever way round.
      if (ids === undefined) return () => false;
      const wantIn = c.property === IN_SEGMENT;
      return (scope) => inAnySegment(ids, scope.user, scope.segmentOf) === wantIn;
    }
    const matches = compileCondition(c.op, c.value);
    const read = readerOf(c.property);
    const slot = slotOf(c.property);
    return (scope) => {
      let value = scope.values[slot];
      if (value === null) value = scope.values[slot] = read(scope.user);
      return matches(value);
    };
  });
  return (scope) => {
    for (let i = 0; i < tests.length; i++) {
      if (!tests[i](scope)) return false;
    }
    return true;
  };
}

// A segment id that names no segment matches no one (the server SDK skips it too).
function inAnySegment(ids: readonly string[], user: EvalUser, segmentOf: SegmentLookup): boolean {
  for (const id of ids) {
    const segment = segmentOf(id);
    if (segment && isInSegment(segment, user)) return true;
  }
  return false;
}

/** Segment ids of a segment condition's JSON value; [] for JSON null; undefined when unreadable. */
function parseSegmentIds(json: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string')) return undefined;
  return parsed;
}

export function evaluate(flag: EvalFlag, user: EvalUser, segmentOf: SegmentLookup): Evaluation | null {
  if (flag.isArchived) return null;
  const compiled = compileFlag(flag);

  if (!flag.isEnabled) {
    const variation = compiled.variations.get(flag.disabledVariationId);
    return variation ? { variation, reason: 'flag disabled', kind: 'disabled', sendToExperiment: false } : null;
  }

  const targetedId = compiled.targets.get(user.keyId);
  if (targetedId !== undefined) {
    const variation = compiled.variations.get(targetedId);
    if (!variation) return null;
    return { variation, reason: 'targeted', kind: 'targeted', sendToExperiment: flag.exptIncludeAllTargets };
  }

  const scope: Scope = { user, segmentOf, values: new Array(compiled.slots).fill(null) };
  const rules = compiled.rules;
  for (let i = 0; i < rules.length; i++) {
    const { rule, matches, dispatchValue } = rules[i];
    if (!matches(scope)) continue;
    const evaluation = rollout(flag, compiled, rule, rule.variations ?? [], flag.key + dispatchValue(user), rule.name);
    return evaluation && { ...evaluation, kind: 'rule', ruleId: rule.id };
  }

  const fallthrough = flag.fallthrough;
  if (!fallthrough) return null;
  const dispatchKey = flag.key + compiled.fallthroughDispatchValue(user);
  return rollout(flag, compiled, fallthrough, fallthrough.variations ?? [], dispatchKey, 'default');
}

function rollout(flag: EvalFlag, compiled: CompiledFlag, dispatch: { includedInExpt: boolean }, variations: readonly RolloutVariation[], dispatchKey: string, reason: string): Evaluation | null {
  // The first rollout range that holds the user's bucket wins; no range holding it is a malformed flag.
  let bucket = -1; // hashed at most once, and only when a range is neither [0, 1] nor [0, 0]
  const chosen = variations.find((v) => {
    const [min, max] = v.rollout;
    if (min === 0 && 1 - max < 1e-5) return true;
    if (min === 0 && max === 0) return false;
    if (bucket < 0) bucket = bucketOf(dispatchKey);
    return bucket >= min && bucket <= max;
  });
  const variation = chosen && compiled.variations.get(chosen.id);
  if (!chosen || !variation) return null;
  return {
    variation,
    reason,
    kind: 'fallthrough',
    sendToExperiment: sendToExperiment(flag, dispatch.includedInExpt, dispatchKey, chosen),
  };
}

// RolloutUserVariation: all targets in the experiment, or this rule's share of it, bucketed by a second key.
function sendToExperiment(flag: EvalFlag, includedInExpt: boolean, dispatchKey: string, chosen: RolloutVariation): boolean {
  if (flag.exptIncludeAllTargets) return true;
  if (!includedInExpt) return false;
  const exptRollout = chosen.exptRollout;
  const dispatchRollout = chosen.rollout[1] - chosen.rollout[0];
  if (!exptRollout || !dispatchRollout) return false;
  const upperBound = Math.min(exptRollout / dispatchRollout, 1);
  return isInRollout(`expt${dispatchKey}`, [0, upperBound]);
}

/** The evaluated flag a client SDK receives (FeatBit's ClientSdkFlag); null where evaluate gives null. */
export function evaluateForClient(flag: EvalFlag & { updatedAt: string | number }, user: EvalUser, segmentOf: SegmentLookup): ClientFlag | null {
  const evaluation = evaluate(flag, user, segmentOf);
  if (!evaluation) return null;
  return {
    id: flag.key,
    variation: evaluation.variation.value,
    variationType: flag.variationType ?? 'string',
    variationId: evaluation.variation.id,
    matchReason: evaluation.reason,
    variationOptions: flag.variations,
    sendToExperiment: evaluation.sendToExperiment,
    timestamp: typeof flag.updatedAt === 'number' ? flag.updatedAt : Date.parse(flag.updatedAt),
  };
}

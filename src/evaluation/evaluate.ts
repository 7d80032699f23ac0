// Flag evaluation in FeatBit's server order (Domain/Evaluation/Evaluator.cs): archived → nothing;
// disabled → the disabled variation; individual targeting; the first rule whose conditions all hold;
// otherwise the fallthrough. Reasons and sendToExperiment are the server's (UserVariation.cs).
import type { ClientFlag, Condition, EvalFlag, EvalUser, Evaluation, RolloutVariation, SegmentLookup, TargetRule, Variation } from './model.ts';
import { type CompiledOperator, compileOperator, parseDotnetDouble } from './operators.ts';
import { bucketOfParts, isInRange } from './dispatch.ts';
import { isInSegment } from './segments.ts';
import { isBlank, readerOf, type AttributeReader } from './user.ts';

export const IN_SEGMENT = 'User is in segment';
export const NOT_IN_SEGMENT = 'User is not in segment';

/** One condition of a rule, compiled: an operator on a property slot, or a test over segment slots. */
class FlagCondition {
  constructor(
    readonly operator: CompiledOperator,
    readonly numeric: boolean,
    /** The property's slot (see CompiledFlag.readers); -1 for a segment condition. */
    readonly slot: number,
    /** Segment slots of a "User is (not) in segment" condition (see CompiledFlag.segmentIds); null otherwise. */
    readonly segments: readonly number[] | null,
    readonly wantIn: boolean,
  ) {}
}

interface CompiledRule {
  rule: TargetRule;
  conditions: FlagCondition[];
  dispatchValue: AttributeReader;
}

interface CompiledFlag {
  variations: Map<string, Variation>;
  /** keyId → variation id; the first target list naming the user wins, as the server's scan does. */
  targets: Map<string, string>;
  rules: CompiledRule[];
  fallthroughDispatchValue: AttributeReader;
  /** The reader of each distinct property the rules read, by slot. */
  readers: AttributeReader[];
  /** Each distinct segment id the rules name, by slot. */
  segmentIds: string[];
}

/**
 * One evaluation's reads of the user, each done at most once: a property's value, its value as a number,
 * and membership of each named segment (undefined until first needed).
 */
class Scope {
  readonly values: (string | undefined)[];
  readonly numbers: (number | undefined)[];
  readonly inSegment: (boolean | undefined)[];
  constructor(
    readonly compiled: CompiledFlag,
    readonly user: EvalUser,
    readonly segmentOf: SegmentLookup,
  ) {
    this.values = new Array(compiled.readers.length);
    this.numbers = new Array(compiled.readers.length);
    this.inSegment = new Array(compiled.segmentIds.length);
  }
}

// Compiled once per flag object: flags are treated as immutable values (a change is a new object). Segments
// are not part of it: they are looked up by id at each evaluation (segments.ts caches their compiled form).
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
  const properties = new Map<string, number>();
  const readers: AttributeReader[] = [];
  const segmentSlots = new Map<string, number>();
  const segmentIds: string[] = [];
  const slots = {
    property(property: string): number {
      let slot = properties.get(property);
      if (slot === undefined) {
        properties.set(property, (slot = readers.length));
        readers.push(readerOf(property));
      }
      return slot;
    },
    segment(id: string): number {
      let slot = segmentSlots.get(id);
      if (slot === undefined) {
        segmentSlots.set(id, (slot = segmentIds.length));
        segmentIds.push(id);
      }
      return slot;
    },
  };
  const rules = (flag.rules ?? []).map((rule) => ({
    rule,
    conditions: (rule.conditions ?? []).map((c) => compileFlagCondition(c, slots)),
    dispatchValue: dispatchReader(rule.dispatchKey),
  }));
  const fallthroughDispatchValue = dispatchReader(flag.fallthrough?.dispatchKey);
  compiled = { variations, targets, rules, fallthroughDispatchValue, readers, segmentIds };
  compiledFlags.set(flag, compiled);
  return compiled;
}

// Users are bucketed by flag key + keyId, or + the value of the dispatchKey attribute when one is named.
function dispatchReader(dispatchKey: string | null | undefined): AttributeReader {
  return isBlank(dispatchKey) ? (user) => user.keyId : readerOf(dispatchKey as string);
}

const neverHolds = compileOperator('', '');

function compileFlagCondition(c: Condition, slots: { property(p: string): number; segment(id: string): number }): FlagCondition {
  if (c.property === IN_SEGMENT || c.property === NOT_IN_SEGMENT) {
    const ids = parseSegmentIds(c.value);
    // A list the server could not read (it would throw) never holds, whichever way round.
    if (ids === undefined) return new FlagCondition(neverHolds, false, slots.property(''), null, false);
    return new FlagCondition(neverHolds, false, -1, ids.map(slots.segment), c.property === IN_SEGMENT);
  }
  const operator = compileOperator(c.op, c.value);
  return new FlagCondition(operator, operator.numeric, slots.property(c.property), null, false);
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

function conditionHolds(c: FlagCondition, scope: Scope): boolean {
  const segments = c.segments;
  if (segments !== null) return inAnySegment(segments, scope) === c.wantIn;
  const slot = c.slot;
  let value = scope.values[slot];
  if (value === undefined) value = scope.values[slot] = scope.compiled.readers[slot](scope.user);
  if (!c.numeric) return c.operator.holds(value);
  let n = scope.numbers[slot];
  if (n === undefined) n = scope.numbers[slot] = parseDotnetDouble(value);
  return c.operator.holdsForNumber(n);
}

// A segment id that names no segment matches no one (the server SDK skips it too).
function inAnySegment(slots: readonly number[], scope: Scope): boolean {
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    let member = scope.inSegment[slot];
    if (member === undefined) {
      const segment = scope.segmentOf(scope.compiled.segmentIds[slot]);
      member = scope.inSegment[slot] = segment ? isInSegment(segment, scope.user) : false;
    }
    if (member) return true;
  }
  return false;
}

function ruleHolds(conditions: readonly FlagCondition[], scope: Scope): boolean {
  for (let i = 0; i < conditions.length; i++) {
    if (!conditionHolds(conditions[i], scope)) return false;
  }
  return true;
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

  const scope = new Scope(compiled, user, segmentOf);
  const rules = compiled.rules;
  for (let i = 0; i < rules.length; i++) {
    const { rule, conditions, dispatchValue } = rules[i];
    if (!ruleHolds(conditions, scope)) continue;
    return rollout(flag, compiled, rule, dispatchValue(user), rule.name, rule.id);
  }

  const fallthrough = flag.fallthrough;
  if (!fallthrough) return null;
  return rollout(flag, compiled, fallthrough, compiled.fallthroughDispatchValue(user), 'default', undefined);
}

function rollout(
  flag: EvalFlag,
  compiled: CompiledFlag,
  dispatch: { includedInExpt: boolean; variations: readonly RolloutVariation[] },
  dispatchValue: string,
  reason: string,
  ruleId: string | undefined,
): Evaluation | null {
  // The first rollout range that holds the user's bucket wins; no range holding it is a malformed flag.
  // The dispatch key is flag key + dispatch value, hashed as its two parts.
  const variations = dispatch.variations ?? [];
  let bucket = -1; // hashed at most once, and only when a range is neither [0, 1] nor [0, 0]
  let chosen: RolloutVariation | undefined;
  for (let i = 0; i < variations.length; i++) {
    const v = variations[i];
    const min = v.rollout[0];
    const max = v.rollout[1];
    if (min === 0 && 1 - max < 1e-5) {
      chosen = v;
      break;
    }
    if (min === 0 && max === 0) continue;
    if (bucket < 0) bucket = bucketOfParts(flag.key, dispatchValue, '');
    if (bucket >= min && bucket <= max) {
      chosen = v;
      break;
    }
  }
  const variation = chosen && compiled.variations.get(chosen.id);
  if (!chosen || !variation) return null;
  const sendToExperiment = experimentSample(flag, dispatch.includedInExpt, dispatchValue, chosen);
  if (ruleId === undefined) return { variation, reason, kind: 'fallthrough', sendToExperiment };
  return { variation, reason, kind: 'rule', ruleId, sendToExperiment };
}

// RolloutUserVariation: all targets in the experiment, or this rule's share of it, bucketed by a second key.
function experimentSample(flag: EvalFlag, includedInExpt: boolean, dispatchValue: string, chosen: RolloutVariation): boolean {
  if (flag.exptIncludeAllTargets) return true;
  if (!includedInExpt) return false;
  const exptRollout = chosen.exptRollout;
  const dispatchRollout = chosen.rollout[1] - chosen.rollout[0];
  if (!exptRollout || !dispatchRollout) return false;
  const upperBound = Math.min(exptRollout / dispatchRollout, 1);
  return isInRange(0, upperBound, 'expt', flag.key, dispatchValue);
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

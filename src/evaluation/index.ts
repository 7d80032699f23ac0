// The flag targeting language, pure: (flag, segments, user) → variation and reason, as FeatBit's
// evaluation server decides it (spec 05 "Evaluation"). Imports nothing outside this folder.
//
// Flags and segments are compiled on first use and the compiled form is cached per object (WeakMap):
// treat them as immutable values — a changed flag or segment must be a new object, never mutated in place.
// Within one evaluation each user property, its number and each named segment's membership is read once.
export type {
  Variation,
  RolloutVariation,
  Condition,
  TargetRule,
  Fallthrough,
  TargetUser,
  EvalFlag,
  SegmentRule,
  EvalSegment,
  EvalUser,
  Evaluation,
  ClientFlag,
  SegmentLookup,
} from './model.ts';
export { evaluate, evaluateForClient, IN_SEGMENT, NOT_IN_SEGMENT } from './evaluate.ts';
export { isInSegment } from './segments.ts';
export { bucketOf, isInRollout } from './dispatch.ts';
export { OPERATORS, parseDotnetDouble } from './operators.ts';

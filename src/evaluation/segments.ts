// Segment membership (evaluation server, RuleMatcher.IsMatchSegment): excluded beats included, which beats
// the segment's rules (any rule whose conditions all hold).
import type { EvalSegment, EvalUser } from './model.ts';
import { compileConditions, type CompiledConditions } from './conditions.ts';

interface CompiledSegment {
  excluded: Set<string>;
  included: Set<string>;
  rules: CompiledConditions[];
}

// Compiled once per segment object: segments are treated as immutable values (a change is a new object).
const compiledSegments = new WeakMap<EvalSegment, CompiledSegment>();

function compileSegment(segment: EvalSegment): CompiledSegment {
  let compiled = compiledSegments.get(segment);
  if (!compiled) {
    compiled = {
      excluded: new Set(segment.excluded ?? []),
      included: new Set(segment.included ?? []),
      rules: (segment.rules ?? []).map((rule) => compileConditions(rule.conditions ?? [])),
    };
    compiledSegments.set(segment, compiled);
  }
  return compiled;
}

export function isInSegment(segment: EvalSegment, user: EvalUser): boolean {
  const compiled = compileSegment(segment);
  if (compiled.excluded.has(user.keyId)) return false;
  if (compiled.included.has(user.keyId)) return true;
  for (const rule of compiled.rules) {
    if (rule(user)) return true;
  }
  return false;
}

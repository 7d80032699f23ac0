import { describe, expect, it } from 'vitest';
import {
  defaultFallthrough,
  OPERATORS,
  referencedSegments,
  segmentRuleErrors,
  targetingActions,
  targetingErrors,
  wholeFallthroughVariation,
  type Fallthrough,
  type FlagTargeting,
} from './targeting-model.ts';

const base: FlagTargeting = { targetUsers: [], rules: [], fallthrough: defaultFallthrough('a'), exptIncludeAllTargets: true };
const ids = new Set(['a', 'b']);
const rule = (conditions: { property: string; op: string; value: string }[], id = 'r1') => ({
  id,
  name: '',
  dispatchKey: null,
  includedInExpt: false,
  conditions,
  variations: [{ id: 'a', rollout: [0, 1] as [number, number], exptRollout: 1 }],
});

/** A fallthrough that splits users between variations a and b. */
const split = (a: [number, number], b: [number, number]): Fallthrough => ({
  dispatchKey: null,
  includedInExpt: true,
  variations: [
    { id: 'a', rollout: a, exptRollout: 0 },
    { id: 'b', rollout: b, exptRollout: 1 },
  ],
});

describe('targeting model', () => {
  it('accepts valid targeting, including rollout edges and every operator', () => {
    // The list operators take a JSON array (checked below); every other one takes the plain value '1'.
    const ops = OPERATORS.filter((op) => op !== 'IsOneOf' && op !== 'NotOneOf');
    const t: FlagTargeting = {
      ...base,
      rules: [
        rule([
          ...ops.map((op) => ({ property: 'p', op, value: '1' })),
          { property: 'p', op: 'IsOneOf', value: '["x"]' },
          { property: 'p', op: 'NotOneOf', value: '["x"]' },
          { property: 'User is in segment', op: '', value: '["s1"]' },
        ]),
      ],
      fallthrough: split([0, 0], [0, 1]),
    };
    expect(targetingErrors(t, ids, (id) => id === 's1')).toEqual([]);
  });

  it('names each problem once', () => {
    const t: FlagTargeting = {
      ...base,
      targetUsers: [{ variationId: 'z', keyIds: ['u'] }],
      rules: [
        rule([
          { property: 'p', op: 'Bogus', value: '' },
          { property: 'User is not in segment', op: '', value: '["gone"]' },
        ]),
        rule([], 'r1'),
      ],
      fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'a', rollout: [0.5, 0.4], exptRollout: 2 }] },
    };
    expect(targetingErrors(t, ids, () => false).sort()).toEqual(['exptRollout_is_invalid', 'op_is_invalid', 'rollout_is_invalid', 'rules_is_invalid', 'segment_is_invalid', 'variationId_is_invalid']);
  });

  it('segment rules may not name segments', () => {
    expect(segmentRuleErrors([{ id: 'r', name: '', conditions: [{ property: 'User is in segment', op: '', value: '["s"]' }] }])).toEqual(['rules_is_invalid']);
  });

  it('asks for the action of each part that moved, and none for an unchanged one', () => {
    expect(targetingActions(base, base)).toEqual([]);
    expect(targetingActions(base, { ...base, targetUsers: [{ variationId: 'a', keyIds: ['u'] }] })).toEqual(['UpdateFlagIndividualTargeting']);
    expect(targetingActions(base, { ...base, rules: [rule([])] })).toEqual(['UpdateFlagTargetingRules']);
    expect(targetingActions(base, { ...base, exptIncludeAllTargets: false })).toEqual(['UpdateFlagDefaultRule']);
    expect(targetingActions(base, { ...base, fallthrough: defaultFallthrough('b'), rules: [rule([])] })).toEqual(['UpdateFlagTargetingRules', 'UpdateFlagDefaultRule']);
  });

  it('finds referenced segments and the variation a whole fallthrough serves', () => {
    expect(
      referencedSegments([
        rule([
          { property: 'User is in segment', op: '', value: '["s1","s2"]' },
          { property: 'User is not in segment', op: '', value: '["s2"]' },
          { property: 'p', op: 'Equal', value: '["s3"]' },
        ]),
      ]),
    ).toEqual(['s1', 's2']);
    expect(wholeFallthroughVariation(defaultFallthrough('a'))).toBe('a');
    expect(wholeFallthroughVariation(split([0, 0], [0, 1]))).toBe('b');
    expect(wholeFallthroughVariation(split([0, 0.5], [0.5, 1]))).toBeUndefined();
  });
});

// The compiled form of a flag is cached per flag object, and each evaluation memoizes its reads of the user
// (property values, numbers, segment membership). These pin down that neither serves a stale answer: a new
// flag or segment object is seen at once, and nothing one evaluation read leaks into the next.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOfParts } from './dispatch.ts';
import { bucketOf, evaluate, IN_SEGMENT, NOT_IN_SEGMENT } from './index.ts';
import type { Condition, EvalFlag, EvalSegment, EvalUser, TargetRule } from './index.ts';

const ON = [{ id: 'on', rollout: [0, 1] as [number, number], exptRollout: 0 }];

const OFF = [{ id: 'off', rollout: [0, 1] as [number, number], exptRollout: 0 }];
const VARIATIONS = ['on', 'off'].map((id) => ({ id, value: String(id === 'on') }));

function flag(rules: TargetRule[]): EvalFlag {
  const fallthrough = { dispatchKey: null, includedInExpt: false, variations: OFF };
  return { key: 'compiled-flag', isEnabled: true, disabledVariationId: 'off', variationType: 'boolean', variations: VARIATIONS, targetUsers: [], rules, fallthrough, exptIncludeAllTargets: false };
}

const rule = (id: string, conditions: Condition[]): TargetRule => ({ id, name: id, dispatchKey: null, includedInExpt: false, conditions, variations: ON });
const user = (keyId: string, props: Record<string, string> = {}): EvalUser => ({
  keyId,
  customizedProperties: Object.entries(props).map(([name, value]) => ({ name, value })),
});
const noSegments = () => undefined;
const ruleOf = (f: EvalFlag, u: EvalUser, segmentOf: (id: string) => EvalSegment | undefined = noSegments) => evaluate(f, u, segmentOf)?.ruleId ?? 'fallthrough';

describe('the compiled flag cache', () => {
  it('evaluates a changed flag (a new object, a new revision) by its new rules, though the old one was compiled', () => {
    const before = flag([rule('adults', [{ property: 'age', op: 'BiggerEqualThan', value: '18' }])]);
    const alice = user('alice', { age: '20' });
    expect(ruleOf(before, alice)).toBe('adults');
    const after = { ...before, rules: [rule('adults', [{ property: 'age', op: 'BiggerEqualThan', value: '21' }])] };
    expect(ruleOf(after, alice)).toBe('fallthrough');
    // The old revision keeps its own compiled form.
    expect(ruleOf(before, alice)).toBe('adults');
  });

  it('sees a flag turned off, retargeted or re-rolled out as a new object at once', () => {
    const f = flag([rule('all', [])]);
    const bob = user('bob');
    expect(evaluate(f, bob, noSegments)?.variation.id).toBe('on');
    expect(evaluate({ ...f, isEnabled: false }, bob, noSegments)?.kind).toBe('disabled');
    expect(evaluate({ ...f, targetUsers: [{ variationId: 'off', keyIds: ['bob'] }] }, bob, noSegments)?.kind).toBe('targeted');
    expect(evaluate({ ...f, rules: [{ ...f.rules[0], variations: OFF }] }, bob, noSegments)?.variation.id).toBe('off');
  });

  it("sees a changed segment's rules and lists at once, each evaluation asking for the segment anew", () => {
    const f = flag([rule('in', [{ property: IN_SEGMENT, op: '', value: '["s"]' }])]);
    const alice = user('alice', { country: 'FR' });
    let current: EvalSegment = { id: 's', included: [], excluded: [], rules: [{ id: 'r', name: 'r', conditions: [{ property: 'country', op: 'Equal', value: 'DE' }] }] };
    const segmentOf = () => current;
    expect(ruleOf(f, alice, segmentOf)).toBe('fallthrough');
    current = { ...current, rules: [{ id: 'r', name: 'r', conditions: [{ property: 'country', op: 'Equal', value: 'FR' }] }] };
    expect(ruleOf(f, alice, segmentOf)).toBe('in');
    current = { ...current, excluded: ['alice'] };
    expect(ruleOf(f, alice, segmentOf)).toBe('fallthrough');
    current = { ...current, excluded: [], rules: [], included: ['alice'] };
    expect(ruleOf(f, alice, segmentOf)).toBe('in');
  });
});

describe("one evaluation's memo of the user", () => {
  it('reads each user afresh: values, numbers and segment membership of one user never answer for the next', () => {
    const segment: EvalSegment = { id: 's', included: [], excluded: [], rules: [{ id: 'r', name: 'r', conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }] }] };
    const f = flag([
      rule('not-in', [{ property: NOT_IN_SEGMENT, op: '', value: '["s"]' }]),
      rule('old', [{ property: 'age', op: 'BiggerThan', value: '60' }]),
      rule('fr', [
        { property: 'age', op: 'LessThan', value: '30' },
        { property: 'country', op: 'Equal', value: 'FR' },
      ]),
    ]);
    const cases: [EvalUser, string][] = [
      [user('a', { plan: 'free' }), 'not-in'],
      [user('b', { plan: 'pro', age: '70' }), 'old'],
      [user('c', { plan: 'pro', age: '20', country: 'FR' }), 'fr'],
      [user('d', { plan: 'pro', age: '20', country: 'DE' }), 'fallthrough'],
      [user('e', { plan: 'pro', age: 'twenty', country: 'FR' }), 'fallthrough'],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [u, expected] of cases)
        expect(
          ruleOf(f, u, () => segment),
          u.keyId,
        ).toBe(expected);
    }
  });

  it('gives the same answer when one property feeds text, number and list operators in several rules', () => {
    const f = flag([
      rule('a', [
        { property: 'v', op: 'StartsWith', value: '1' },
        { property: 'v', op: 'BiggerThan', value: '100' },
      ]),
      rule('b', [
        { property: 'v', op: 'IsOneOf', value: '["12","1,000"]' },
        { property: 'v', op: 'LessEqualThan', value: '1000' },
      ]),
      rule('c', [{ property: 'v', op: 'MatchRegex', value: '^\\d+$' }]),
    ]);
    expect(ruleOf(f, user('u', { v: '150' }))).toBe('a');
    expect(ruleOf(f, user('u', { v: '12' }))).toBe('b');
    expect(ruleOf(f, user('u', { v: '1,000' }))).toBe('a'); // .NET reads "1,000" as 1000
    expect(ruleOf(f, user('u', { v: '2000' }))).toBe('c');
    expect(ruleOf(f, user('u', { v: 'x' }))).toBe('fallthrough');
  });

  it('asks for each named segment at most once per evaluation, however many rules name it', () => {
    const segment: EvalSegment = { id: 's', included: [], excluded: [], rules: [] };
    const f = flag([
      rule('r1', [{ property: IN_SEGMENT, op: '', value: '["s","t"]' }]),
      rule('r2', [
        { property: NOT_IN_SEGMENT, op: '', value: '["t","s"]' },
        { property: 'x', op: 'Equal', value: 'no' },
      ]),
      rule('r3', [{ property: IN_SEGMENT, op: '', value: '["s"]' }]),
    ]);
    const asked: string[] = [];
    const segmentOf = (id: string) => {
      asked.push(id);
      return id === 's' ? segment : undefined;
    };
    expect(ruleOf(f, user('u'), segmentOf)).toBe('fallthrough');
    expect(asked.sort()).toEqual(['s', 't']);
  });

  it('survives a segment lookup that evaluates the same flag again (each evaluation has its own memo)', () => {
    const f = flag([
      rule('in', [
        { property: IN_SEGMENT, op: '', value: '["s"]' },
        { property: 'plan', op: 'Equal', value: 'pro' },
      ]),
    ]);
    const segment: EvalSegment = { id: 's', included: ['outer'], excluded: [], rules: [] };
    let inner: string | undefined;
    const segmentOf = () => {
      inner ??= ruleOf(f, user('inner', { plan: 'free' }), () => segment);
      return segment;
    };
    expect(ruleOf(f, user('outer', { plan: 'pro' }), segmentOf)).toBe('in');
    expect(inner).toBe('fallthrough');
  });
});

describe('bucketing a dispatch key given as parts', () => {
  it('equals bucketing the concatenation, surrogate pairs split across parts included', () => {
    const part = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('\ud83d', '\ude00', 'é', ''));
    fc.assert(
      fc.property(part, part, part, (a, b, c) => bucketOfParts(a, b, c) === bucketOf(a + b + c)),
      { numRuns: 5000 },
    );
  });

  it('buckets a rule match by flag key + dispatch value, and its experiment sample by "expt" + that key', () => {
    const f = flag([
      {
        ...rule('half', []),
        dispatchKey: 'email',
        includedInExpt: true,
        variations: [
          { id: 'on', rollout: [0, 0.5], exptRollout: 0.25 },
          { id: 'off', rollout: [0.5, 1], exptRollout: 0.25 },
        ],
      },
    ]);
    for (let i = 0; i < 200; i++) {
      const email = `user-${i}@example.com`;
      const bucket = bucketOf(`compiled-flag${email}`);
      const got = evaluate(f, user(`k${i}`, { email }), noSegments)!;
      expect(got.variation.id).toBe(bucket <= 0.5 ? 'on' : 'off');
      expect(got.sendToExperiment).toBe(bucketOf(`exptcompiled-flag${email}`) <= 0.5);
    }
  });
});

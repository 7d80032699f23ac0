// Differential test: Ensign's evaluation against the evaluator inside FeatBit's own server SDK
// (@featbit/node-server-sdk 1.3.0), on random flags, segments and users.
//
// Where the SDK departs from FeatBit's evaluation server (spec 05 names two such quirks; this test found
// more), Ensign follows the server. A case is skipped only when the raw SDK disagrees with Ensign AND the SDK
// with exactly that one quirk corrected agrees; every skip is counted under the quirk's name, and the
// corrected SDK must then agree. Any other disagreement fails the test.
import { createRequire } from 'node:module';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { OPERATORS, evaluate, IN_SEGMENT, NOT_IN_SEGMENT } from './index.ts';
import type { Condition, EvalFlag, EvalSegment, EvalUser, Evaluation, RolloutVariation } from './index.ts';

const require = createRequire(import.meta.url);
const sdkRoot = '@featbit/node-server-sdk/dist/cjs';
const Evaluator = require(`${sdkRoot}/evaluation/Evaluator.js`).default;
const { Operator } = require(`${sdkRoot}/evaluation/operator.js`);
const Context = require(`${sdkRoot}/Context.js`).default;
const InMemoryStore = require(`${sdkRoot}/store/InMemoryStore.js`).default;
const NodeCrypto = require(`${sdkRoot}/platform/node/NodeCrypto.js`).default;

// ---------- the SDK, run on one case ----------

type Outcome =
  | { status: 'ok'; variationId: string; reason: string; sendToExperiment: boolean }
  | { status: 'none' } // no variation: a malformed flag (dangling variation id, no rollout range holds)
  | { status: 'threw'; message: string };

function sdkEvaluate(flag: EvalFlag, segments: EvalSegment[], user: EvalUser): Outcome {
  const store = new InMemoryStore();
  store.init({
    flags: { [flag.key]: { ...flag, id: flag.key, version: 1, updatedAt: '2026-01-01T00:00:00Z' } },
    segments: Object.fromEntries(segments.map((s) => [s.id, { ...s, version: 1, updatedAt: '2026-01-01T00:00:00Z' }])),
  });
  const evaluator = new Evaluator({ crypto: new NodeCrypto() }, store);
  const context = Context.fromUser({ key: user.keyId, name: user.name, customizedProperties: user.customizedProperties });
  try {
    const [result, event] = evaluator.evaluate(flag.key, context);
    if (result.reason === 'malformed flag') return { status: 'none' };
    return { status: 'ok', variationId: event.variation.id, reason: sdkReason(result.reason), sendToExperiment: event.sendToExperiment };
  } catch (e) {
    const message = (e as Error).message;
    // The SDK reads `.value`/`.id` of a variation id that names no variation: its way of failing a malformed flag.
    if (/reading '(value|id)'/.test(message)) return { status: 'none' };
    return { status: 'threw', message };
  }
}

// The SDK's reason texts, mapped to the server's matchReason (which Ensign gives).
function sdkReason(reason: string): string {
  if (reason === 'flag off') return 'flag disabled';
  if (reason === 'target match') return 'targeted';
  if (reason === 'fall through targets and rules') return 'default';
  if (reason.startsWith('match rule ')) return reason.slice('match rule '.length);
  return `sdk:${reason}`;
}

function ours(e: Evaluation | null): Outcome {
  return e ? { status: 'ok', variationId: e.variation.id, reason: e.reason, sendToExperiment: e.sendToExperiment } : { status: 'none' };
}

function sameChoice(a: Outcome, b: Outcome): boolean {
  if (a.status !== b.status) return false;
  if (a.status === 'ok' && b.status === 'ok') return a.variationId === b.variationId && a.reason === b.reason;
  return true;
}

// ---------- the SDK quirks, each with a correction (the server's semantics, written here independently) ----------

interface Quirk {
  name: (raw: Outcome) => string;
  apply: () => () => void;
}

function patch<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): () => void {
  const saved = target[key];
  target[key] = value;
  return () => {
    target[key] = saved;
  };
}

// The server's double.TryParse (invariant culture, Float | AllowThousands) and double.CompareTo.
function serverNumber(s: string): number {
  const t = /^[\t-\r ]*([+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?)[\t-\r ]*\0*$/.exec(s);
  if (t) return Number(t[1].split(',').join(''));
  const named = s.trim().toLowerCase();
  return named === 'infinity' || named === '+infinity' ? Infinity : named === '-infinity' ? -Infinity : NaN;
}
function serverNumeric(accept: (c: number) => boolean) {
  return (u: string, r: string) => {
    const a = serverNumber(u);
    const b = serverNumber(r);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    return accept(a < b ? -1 : a > b ? 1 : 0);
  };
}
// The server's JsonSerializer.Deserialize<List<string>>: null → null; anything but an array of strings/nulls throws.
function serverList(r: string): string[] | null | 'throws' {
  try {
    const v = JSON.parse(r);
    if (v === null) return null;
    if (Array.isArray(v) && v.every((x) => x === null || typeof x === 'string')) return v;
  } catch {
    /* falls through */
  }
  return 'throws';
}
function serverRegex(r: string): RegExp | undefined {
  try {
    return new RegExp(r);
  } catch {
    return undefined;
  }
}

const QUIRKS: Quirk[] = [
  {
    // The SDK reads a missing attribute as undefined (the server: ""). Contains/NotContain then throw (the quirk
    // spec 05 names), StartsWith/EndsWith throw likewise, Equal/NotEqual/IsOneOf compare undefined, and a
    // dispatchKey naming a missing attribute hashes the text "undefined".
    name: (raw) =>
      raw.status === 'threw' && /reading 'includes'/.test(raw.message)
        ? 'containsOnMissingAttributeThrows'
        : raw.status === 'threw' && /reading '(startsWith|endsWith)'/.test(raw.message)
          ? 'startsOrEndsWithOnMissingAttributeThrows'
          : 'missingAttributeReadAsUndefined',
    apply: () => {
      const original = Context.prototype.value;
      return patch(Context.prototype, 'value', function (this: unknown, property: string) {
        return original.call(this, property) ?? '';
      });
    },
  },
  {
    // The SDK compiles the user's value as the pattern and tests the rule's value (spec 05's second quirk).
    name: () => 'matchRegexArgumentsReversed',
    apply: () => {
      const a = patch(Operator.MatchRegex, 'func', (u: string, r: string) => serverRegex(r)?.test(u) ?? false);
      const b = patch(Operator.NotMatchRegex, 'func', (u: string, r: string) => {
        const re = serverRegex(r);
        return re ? !re.test(u) : false;
      });
      return () => {
        a();
        b();
      };
    },
  },
  {
    // Found by this test: the SDK's parseFloat reads a leading number out of "12abc" and refuses "1,000";
    // the server's double.TryParse refuses the first and reads the second as 1000. Equal infinities compare
    // NaN in the SDK (Math.sign(a - b)), 0 in the server.
    name: () => 'numericParseDiffersFromDotnet',
    apply: () => {
      const undo = [
        patch(
          Operator.LessThan,
          'func',
          serverNumeric((c) => c < 0),
        ),
        patch(
          Operator.LessEqualThan,
          'func',
          serverNumeric((c) => c <= 0),
        ),
        patch(
          Operator.BiggerThan,
          'func',
          serverNumeric((c) => c > 0),
        ),
        patch(
          Operator.BiggerEqualThan,
          'func',
          serverNumeric((c) => c >= 0),
        ),
      ];
      return () => undo.forEach((u) => u());
    },
  },
  {
    // Found by this test: for a list value that is not a JSON array of strings, the SDK answers false for both
    // IsOneOf and NotOneOf (and searches a JSON string as a substring); the server throws, and reads JSON null
    // as "not one of" holding. Ensign: unreadable → neither holds; null → NotOneOf holds, as the server.
    name: () => 'oneOfValueNotAStringList',
    apply: () => {
      const a = patch(Operator.IsOneOf, 'func', (u: string, r: string) => {
        const l = serverList(r);
        return Array.isArray(l) && l.includes(u);
      });
      const b = patch(Operator.NotOneOf, 'func', (u: string, r: string) => {
        const l = serverList(r);
        return l === null || (Array.isArray(l) && !l.includes(u));
      });
      return () => {
        a();
        b();
      };
    },
  },
];

function sdkWith(quirks: Quirk[], flag: EvalFlag, segments: EvalSegment[], user: EvalUser): Outcome {
  const undo = quirks.map((q) => q.apply());
  try {
    return sdkEvaluate(flag, segments, user);
  } finally {
    undo.reverse().forEach((u) => u());
  }
}

// The SDK decides a rule's sendToExperiment from fallthrough.includedInExpt instead of the rule's own flag
// (Evaluator.getEvalEventAndVariation); the server reads the rule's. Only the experiment bit is then skipped.
function ruleExperimentReadsFallthroughFlag(flag: EvalFlag, e: Evaluation | null): boolean {
  if (e?.kind !== 'rule' || flag.exptIncludeAllTargets) return false;
  const rule = flag.rules.find((r) => r.id === e.ruleId)!;
  return rule.includedInExpt !== flag.fallthrough.includedInExpt;
}

// ---------- random cases ----------

const ATTRIBUTES = ['keyId', 'name', 'country', 'age', 'plan', 'beta', 'email', 'absent'];
const VALUES = [
  '',
  'US',
  'us',
  'FR',
  'u1',
  'u2',
  'alice',
  '18',
  '18.5',
  '-3',
  '0',
  '1e3',
  '1000',
  '1,000',
  '42',
  ' 42 ',
  '12abc',
  'Infinity',
  '-Infinity',
  'NaN',
  '.5',
  '5.',
  'true',
  'TRUE',
  'True',
  'false',
  'FALSE',
  'yes',
  'alice@example.com',
  'bob@test.org',
  'a.b',
  'abc',
  '[x]',
];
const PATTERNS = ['^U', 'S$', '\\d+', '^[a-z]+@', '(', '.*', 'a.b', '^$', '[A-Z]{2}', 'e\\.', 'x|y', '^\\s*\\d+\\s*$'];
const SEGMENT_IDS = ['s1', 's2', 's3', 'sMissing'];
const KEY_IDS = ['u1', 'u2', 'u3', 'u4', 'u5', 'alice', 'bob'];

const value = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...VALUES) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
const numericValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('18', '18.5', '-3', '0', '1e3', '1000', '1,000', '42', ' 42 ', '12abc', 'Infinity', '-Infinity', 'NaN', '', 'abc', '.5', '5.') },
  { weight: 1, arbitrary: fc.double({ noNaN: true, min: -100, max: 100 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: -50, max: 50 }).map(String) },
);
const listValue = fc.oneof(
  { weight: 8, arbitrary: fc.array(value, { maxLength: 4 }).map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.constantFrom('null', '[]', '[1,"US"]', 'US', '"US"', '{}', '[null,"US"]') },
);
const operator = fc.oneof({ weight: 16, arbitrary: fc.constantFrom(...OPERATORS) }, { weight: 1, arbitrary: fc.constantFrom('IsIn', 'equal', '') });

function conditionValue(op: string): fc.Arbitrary<string> {
  if (['LessThan', 'LessEqualThan', 'BiggerThan', 'BiggerEqualThan'].includes(op)) return numericValue;
  if (op === 'IsOneOf' || op === 'NotOneOf') return listValue;
  if (op === 'MatchRegex' || op === 'NotMatchRegex') return fc.constantFrom(...PATTERNS);
  return value;
}

const attributeCondition: fc.Arbitrary<Condition> = fc.tuple(fc.constantFrom(...ATTRIBUTES), operator).chain(([property, op]) => conditionValue(op).map((v) => ({ property, op, value: v })));
const segmentCondition: fc.Arbitrary<Condition> = fc.record({
  property: fc.constantFrom(IN_SEGMENT, NOT_IN_SEGMENT),
  op: fc.constant(''),
  value: fc.oneof({ weight: 8, arbitrary: fc.uniqueArray(fc.constantFrom(...SEGMENT_IDS), { maxLength: 3 }).map((a) => JSON.stringify(a)) }, { weight: 1, arbitrary: fc.constant('null') }),
});
const condition = fc.oneof({ weight: 4, arbitrary: attributeCondition }, { weight: 1, arbitrary: segmentCondition });

const VARIATION_IDS = ['v1', 'v2', 'v3'];
const variationRef = fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...VARIATION_IDS) }, { weight: 1, arbitrary: fc.constant('vDangling') });

// Rollouts: a partition of [0, 1] into consecutive ranges, or the edge shapes ([0,0], [0,1], a gap).
const cut = fc.oneof(fc.constantFrom(0, 0.1, 0.3, 0.5, 0.7, 0.99999, 1), fc.double({ min: 0, max: 1, noNaN: true }));
const rollouts: fc.Arbitrary<RolloutVariation[]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(cut, { maxLength: 3 }), fc.array(variationRef, { minLength: 4, maxLength: 4 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }))
      .map(([cuts, ids, expt]) => {
        const points = [0, ...cuts.sort((a, b) => a - b), 1];
        return points.slice(1).map((max, i) => ({ id: ids[i], rollout: [points[i], max] as [number, number], exptRollout: expt[i] }));
      }),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(variationRef, variationRef, fc.double({ min: 0, max: 1, noNaN: true })).map(([a, b, e]) => [
      { id: a, rollout: [0, 0] as [number, number], exptRollout: 0 },
      { id: b, rollout: [0, 1] as [number, number], exptRollout: e },
    ]),
  },
  { weight: 1, arbitrary: fc.tuple(variationRef, fc.double({ min: 0.2, max: 0.8, noNaN: true })).map(([a, max]) => [{ id: a, rollout: [0.1, max] as [number, number], exptRollout: 0.5 }]) },
);
const dispatchKey = fc.constantFrom(null, '', ' ', 'keyId', 'name', 'country', 'absent');

const flagArb: fc.Arbitrary<EvalFlag> = fc
  .record({
    key: fc.oneof(fc.constantFrom('new-checkout', 'beta', 'ü-flag'), fc.string({ minLength: 1, maxLength: 8 })),
    isEnabled: fc.integer({ min: 0, max: 9 }).map((n) => n > 1),
    disabledVariationId: variationRef,
    targetUsers: fc.array(fc.record({ variationId: variationRef, keyIds: fc.uniqueArray(fc.constantFrom(...KEY_IDS), { maxLength: 2 }) }), { maxLength: 2 }),
    rules: fc.array(
      fc.record({
        dispatchKey,
        includedInExpt: fc.boolean(),
        conditions: fc.array(condition, { maxLength: 3 }),
        variations: rollouts,
      }),
      { maxLength: 5 },
    ),
    fallthrough: fc.record({ dispatchKey, includedInExpt: fc.boolean(), variations: rollouts }),
    exptIncludeAllTargets: fc.boolean(),
  })
  .map((f) => ({
    ...f,
    variationType: 'string',
    variations: VARIATION_IDS.map((id) => ({ id, value: `value-${id}` })),
    // Unique rule names, so the reason names the rule.
    rules: f.rules.map((r, i) => ({ ...r, id: `rule-${i}`, name: `rule ${i}` })),
  }));

const segmentsArb: fc.Arbitrary<EvalSegment[]> = fc.tuple(
  ...['s1', 's2', 's3'].map((id) =>
    fc
      .record({
        included: fc.uniqueArray(fc.constantFrom(...KEY_IDS), { maxLength: 3 }),
        excluded: fc.uniqueArray(fc.constantFrom(...KEY_IDS), { maxLength: 2 }),
        rules: fc.array(fc.record({ conditions: fc.array(attributeCondition, { maxLength: 2 }) }), { maxLength: 2 }),
      })
      .map((s) => ({ id, ...s, rules: s.rules.map((r, i) => ({ id: `${id}-r${i}`, name: `${id} rule ${i}`, ...r })) })),
  ),
);

const userArb: fc.Arbitrary<EvalUser> = fc.record(
  {
    keyId: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEY_IDS) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k.trim() !== '') }),
    name: fc.option(value, { nil: undefined }),
    customizedProperties: fc.array(fc.record({ name: fc.constantFrom('country', 'age', 'plan', 'beta', 'email', 'keyId', 'name'), value }), { maxLength: 5 }),
  },
  { requiredKeys: ['keyId', 'customizedProperties'] },
);

// ---------- the test ----------

const CASES = Number(process.env.EVAL_DIFF_CASES ?? 10_000);

describe('evaluation agrees with FeatBit SDK 1.3.0 evaluator, following the server where the SDK departs', () => {
  const tally = {
    cases: 0,
    agreed: 0,
    skipped: {} as Record<string, number>,
    experimentSkipped: { ruleExperimentReadsFallthroughFlag: 0 },
    outcomes: { disabled: 0, targeted: 0, rule: 0, fallthrough: 0, none: 0 } as Record<string, number>,
  };
  afterAll(() => console.log('differential tally', JSON.stringify(tally, null, 1)));

  it(`gives the same variation, reason and sendToExperiment on ${CASES} random cases`, () => {
    fc.assert(
      fc.property(flagArb, segmentsArb, userArb, (flag, segments, user) => {
        tally.cases++;
        const mine = evaluate(flag, user, (id) => segments.find((s) => s.id === id));
        tally.outcomes[mine?.kind ?? 'none']++;
        const expected = ours(mine);
        const compareExperiment = !ruleExperimentReadsFallthroughFlag(flag, mine);
        if (!compareExperiment) tally.experimentSkipped.ruleExperimentReadsFallthroughFlag++;
        const same = (a: Outcome, b: Outcome) => sameChoice(a, b) && (!compareExperiment || a.status !== 'ok' || b.status !== 'ok' || a.sendToExperiment === b.sendToExperiment);

        const raw = sdkEvaluate(flag, segments, user);
        if (same(expected, raw)) {
          tally.agreed++;
          return;
        }
        // Explained by exactly one quirk: with that one corrected, the SDK agrees.
        const quirk = QUIRKS.find((q) => same(expected, sdkWith([q], flag, segments, user)));
        const name = quirk ? quirk.name(raw) : 'several quirks at once';
        const corrected = quirk ? sdkWith([quirk], flag, segments, user) : sdkWith(QUIRKS, flag, segments, user);
        expect(same(expected, corrected), `unexplained disagreement: Ensign ${JSON.stringify(expected)}, ` + `SDK ${JSON.stringify(raw)}, corrected SDK ${JSON.stringify(corrected)}`).toBe(true);
        tally.skipped[name] = (tally.skipped[name] ?? 0) + 1;
      }),
      { numRuns: CASES, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
    );

    expect(tally.cases).toBeGreaterThanOrEqual(5000);
    // The generators reach every step of evaluation, not just the easy ones.
    for (const kind of Object.keys(tally.outcomes)) expect(tally.outcomes[kind], kind).toBeGreaterThan(100);
    // Spec 05's two named quirks are reached (so the skip predicates are exercised, not dead).
    expect(tally.skipped.containsOnMissingAttributeThrows ?? 0).toBeGreaterThan(0);
    expect(tally.skipped.matchRegexArgumentsReversed ?? 0).toBeGreaterThan(0);
  });
});

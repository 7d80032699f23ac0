// Property tests of the IAM core. Alphabets are tiny (`a`, `b`, `*`) so that
// patterns and RNs collide often; each property also asserts it was not vacuous.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionType, expandActions } from './actions.ts';
import { covers } from './covers.ts';
import { allowed, compilePolicy, decide } from './evaluate.ts';
import { matches, parsePattern, parseRn, type Rn } from './rn.ts';
import type { ResourceType, Statement } from './statement.ts';

// Written out again here rather than imported, so the tests do not trust covers.ts.
const SHAPES: Record<ResourceType, string[]> = {
  organization: ['organization'],
  iam: ['iam'],
  'access-token': ['access-token'],
  project: ['project'],
  env: ['project', 'env'],
  flag: ['project', 'env', 'flag'],
  segment: ['project', 'env', 'segment'],
};
const TAGGED = new Set<ResourceType>(['flag', 'segment']);
const TYPES = Object.keys(SHAPES) as ResourceType[];

// ---------------------------------------------------------------- generators

const word = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: max }).map((cs) => cs.join(''));
const globArb = (max = 4) => word(['a', 'b', '*'], max);
const keyArb = fc.oneof({ weight: 9, arbitrary: word(['a', 'b'], 4) }, { weight: 1, arbitrary: fc.constant('*') });

// Untyped text, types from a small set in any order: for the matcher alone.
const SEGMENT_TYPES = ['project', 'env', 'flag'];
const looseBody = (key: fc.Arbitrary<string>) => fc.array(fc.tuple(fc.constantFrom(...SEGMENT_TYPES), key), { minLength: 1, maxLength: 4 });
const withTags = (body: [string, string][], tags: string[]) => body.map(([t, k]) => `${t}/${k}`).join(':') + (tags.length > 0 ? `;${tags.join(',')}` : '');

const loosePatternArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant('*') },
  {
    weight: 12,
    arbitrary: fc.tuple(looseBody(globArb()), fc.array(globArb(2), { maxLength: 2 })).map(([body, tags]) => withTags(body, tags)),
  },
);

// An RN that often shares the pattern's types, so keys and tags decide.
const loosePairArb = fc.tuple(loosePatternArb, looseBody(keyArb), fc.array(word(['a', 'b'], 2), { maxLength: 3 }), fc.boolean()).map(([pattern, body, tags, align]) => {
  if (align && pattern !== '*') {
    const types = pattern
      .split(';')[0]
      .split(':')
      .map((s) => s.split('/')[0]);
    body = body.map(([t, k], i) => [types[i] ?? t, k] as [string, string]);
    while (body.length < types.length && body.length < 4) body.push([types[body.length], 'a']);
  }
  return { pattern, rn: withTags(body, tags) };
});

// Typed patterns: a prefix of one resource type's shape, sometimes tagged, sometimes `*`,
// sometimes off-shape (these must simply match nothing of the action's type).
const typedPatternArb = (maxGlob = 4, tagged = true, types: readonly ResourceType[] = TYPES) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant('*') },
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.constantFrom(...types), fc.nat(), fc.array(globArb(maxGlob), { minLength: 3, maxLength: 3 }), tagged ? fc.array(globArb(2), { maxLength: 2 }) : fc.constant([] as string[]))
        .map(([type, n, keys, tags]) => {
          const shape = SHAPES[type];
          const length = 1 + (n % shape.length);
          return withTags(
            shape.slice(0, length).map((t, i) => [t, keys[i]] as [string, string]),
            tags,
          );
        }),
    },
  );

const ACTION_POOL = ['ToggleFlag', 'DeleteFlag', 'UpdateSegmentRules', 'CanAccessEnv', 'CanAccessProject', 'CreateEnv', 'UpdateOrgName'];
const NAME_POOL = [...ACTION_POOL, '*', 'ManageFeatureFlag', 'ManageSegment'];

type PatternsFor = (resourceType: Statement['resourceType']) => fc.Arbitrary<string>;

// Patterns mostly of the statement's own type, sometimes of any type.
const fitting =
  (maxGlob = 4, tagged = true): PatternsFor =>
  (resourceType) =>
    fc.oneof({ weight: 4, arbitrary: typedPatternArb(maxGlob, tagged, resourceType === '*' ? TYPES : [resourceType]) }, { weight: 1, arbitrary: typedPatternArb(maxGlob, tagged) });

const statementArb = (opts: { denyWeight: number; patterns: PatternsFor }) =>
  fc
    .constantFrom<Statement['resourceType']>('*', 'flag', 'segment', 'env', 'project', 'organization')
    .chain((resourceType) =>
      fc.record({
        resourceType: fc.constant(resourceType),
        effect: fc.oneof({ weight: 10 - opts.denyWeight, arbitrary: fc.constant('allow' as const) }, { weight: opts.denyWeight, arbitrary: fc.constant('deny' as const) }),
        actions: fc.uniqueArray(
          fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NAME_POOL.filter((n) => expandActions(resourceType, [n]).size > 0)) }, { weight: 1, arbitrary: fc.constantFrom(...NAME_POOL) }),
          { minLength: 1, maxLength: 3 },
        ),
        resources: fc.array(opts.patterns(resourceType), { minLength: 1, maxLength: 2 }),
      }),
    )
    .map((s): Statement => ({ id: '', ...s }));

// A well-typed RN for an action: the shape of its type, tags only for flags and segments.
// CreateEnv is also tried on `project/k:env/k`, the spec's collection form, which covers must survive.
function typedRnArb(action: string): fc.Arbitrary<Rn> {
  const type = actionType(action)!;
  const shapes = action === 'CreateEnv' ? [SHAPES.project, SHAPES.env] : [SHAPES[type]];
  return fc.tuple(fc.constantFrom(...shapes), fc.array(keyArb, { minLength: 3, maxLength: 3 }), fc.array(word(['a', 'b'], 2), { maxLength: 2 })).map(([shape, keys, tags]) => ({
    segments: shape.map((t, i) => ({ type: t, key: keys[i] })),
    tags: TAGGED.has(type) ? tags : [],
  }));
}

// Narrow one pattern: keys get more specific, segments get added along the shape, tags get added.
function narrowPattern(text: string, rand: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  if (text === '*') {
    if (rand() < 0.3) return '*';
    const shape = SHAPES[pick(TYPES)];
    return shape
      .slice(0, 1 + Math.floor(rand() * shape.length))
      .map((t) => `${t}/${pick(['*', 'a', 'a*', 'b'])}`)
      .join(':');
  }
  const [body, tagText] = text.split(';');
  const segments = body.split(':').map((s) => s.split('/'));
  const narrowed = segments.map(([t, k]) => [t, k.replace(/\*/g, () => pick(['*', 'a', 'a*', 'b*a', '']))] as [string, string]);
  const fixed = narrowed.map(([t, k]) => [t, k === '' ? 'a' : k] as [string, string]);
  const type = TYPES.find((ty) => SHAPES[ty].length > fixed.length && SHAPES[ty].slice(0, fixed.length).every((s, i) => s === fixed[i][0]));
  if (type !== undefined && rand() < 0.4) fixed.push([SHAPES[type][fixed.length], pick(['*', 'a', 'b'])]);
  const tags = tagText === undefined ? (rand() < 0.2 ? ['a'] : []) : tagText.split(',').map((g) => g.replace(/\*/g, () => pick(['*', 'a', ''])) || 'a');
  return withTags(fixed, tags);
}

// T drawn from S by narrowing its allow statements, so covers(S, T) holds often.
function narrowStatements(S: Statement[], seed: number): Statement[] {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return S.filter((s) => s.effect === 'allow').map((s) => {
    const concrete = [...expandActions(s.resourceType, s.actions)];
    const actions = rand() < 0.5 || concrete.length === 0 ? s.actions : [concrete[Math.floor(rand() * concrete.length)]];
    return { ...s, actions, resources: s.resources.map((r) => narrowPattern(r, rand)) };
  });
}

// RNs aimed at what T grants: each of T's patterns instantiated for each action it
// grants, `*` replaced by short strings, missing segments and tags filled in.
function aimedQueries(T: Statement[], seed: number): [string, Rn][] {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <X>(xs: X[]) => xs[Math.floor(rand() * xs.length)];
  const fill = (glob: string) => glob.replace(/\*/g, () => pick(['', 'a', 'b', 'ab', '*'])) || 'a';
  const queries: [string, Rn][] = [];
  for (const t of T) {
    for (const action of expandActions(t.resourceType, t.actions)) {
      if (!ACTION_POOL.includes(action) && rand() < 0.8) continue;
      const type = actionType(action)!;
      for (const text of t.resources) {
        const [body, tagText] = text === '*' ? ['', undefined] : text.split(';');
        const given = body === '' ? [] : body.split(':').map((seg) => seg.split('/'));
        const shape = action === 'CreateEnv' && rand() < 0.5 ? SHAPES.env : SHAPES[type];
        const segments = shape.map((st, i) => ({ type: st, key: given[i]?.[0] === st ? fill(given[i][1]) : pick(['a', 'b', 'ab']) }));
        const tags = TAGGED.has(type) ? [...(tagText ?? '').split(',').filter(Boolean).map(fill), ...(rand() < 0.3 ? ['b'] : [])] : [];
        queries.push([action, { segments, tags }]);
      }
    }
  }
  return queries;
}

// Widen a pattern: dice per segment (0 keep, 1 one char becomes `*`, 2 key becomes `*`, 3 cut here).
function widen(text: string, dice: number[]): string {
  if (text === '*') return text;
  const out: string[] = [];
  for (const [i, segment] of text.split(';')[0].split(':').entries()) {
    const [type, key] = segment.split('/');
    const roll = dice[i] ?? 0;
    if (roll === 3 && i > 0) break;
    out.push(`${type}/${roll === 1 ? `${key.slice(0, -1)}*` : roll === 2 ? '*' : key}`);
  }
  return out.join(':');
}

// ---------------------------------------------------------------- reference matcher

// Independent of rn.ts: the whole pattern becomes one RegExp over the RN text.
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function referenceMatches(patternText: string, rnText: string): boolean {
  if (patternText === '*') return true;
  const [body, tagText] = patternText.split(';');
  const segments = body
    .split(':')
    .map((segment) => {
      const [type, key] = segment.split('/');
      return `${escapeRegExp(type)}/${key.split('*').map(escape).join('[^:;,/]*')}`;
    })
    .join(':');
  const found = new RegExp(`^${segments}(?::[^;]*)?(?:;(.*))?$`).exec(rnText);
  if (found === null) return false;
  if (tagText === undefined) return true;
  const rnTags = found[1] === undefined ? [] : found[1].split(',');
  const wanted = tagText.split(',').map((g) => new RegExp(`^${g.split('*').map(escape).join('.*')}$`));
  return rnTags.some((tag) => wanted.some((w) => w.test(tag)));
}

// ---------------------------------------------------------------- properties

describe('properties', () => {
  it('matcher agrees with a brute-force RegExp reference (10,000 cases)', () => {
    let hits = 0;
    let runs = 0;
    fc.assert(
      fc.property(loosePairArb, ({ pattern, rn }) => {
        const parsedPattern = parsePattern(pattern);
        const parsedRn = parseRn(rn);
        expect(parsedPattern).not.toBeNull();
        expect(parsedRn).not.toBeNull();
        const expected = referenceMatches(pattern, rn);
        expect(matches(parsedPattern!, parsedRn!)).toBe(expected);
        runs++;
        if (expected) hits++;
      }),
      { numRuns: 10_000 },
    );
    expect(runs).toBe(10_000);
    expect(hits / runs).toBeGreaterThan(0.05);
    expect(hits / runs).toBeLessThan(0.9);
  }, 60_000);

  it('decide(compilePolicy(S)) equals allowed(S) (3,000 statement sets × 40 decisions)', () => {
    const patterns: PatternsFor = (resourceType) => fc.oneof({ weight: 10, arbitrary: fitting()(resourceType) }, { weight: 1, arbitrary: fc.constantFrom('project/', ';', 'flag/a;', '') });
    const queries = fc.array(
      fc.constantFrom(...ACTION_POOL).chain((action) =>
        fc.tuple(
          fc.constant(action),
          fc.oneof(
            typedRnArb(action),
            looseBody(keyArb).map((b): Rn => ({ segments: b.map(([type, key]) => ({ type, key })), tags: ['a'] })),
          ),
        ),
      ),
      { minLength: 40, maxLength: 40 },
    );
    let allowedCount = 0;
    let total = 0;
    fc.assert(
      fc.property(fc.array(statementArb({ denyWeight: 3, patterns }), { maxLength: 8 }), queries, (S, qs) => {
        const policy = compilePolicy(S);
        for (const [action, name] of qs) {
          const expected = allowed(S, action, name);
          expect(decide(policy, action, name)).toBe(expected);
          total++;
          if (expected) allowedCount++;
        }
      }),
      { numRuns: 3_000 },
    );
    expect(total).toBe(120_000);
    expect(allowedCount / total).toBeGreaterThan(0.05);
  }, 60_000);

  it('covers(S, T) implies S allows every well-typed (action, RN) that T allows (5,000 cases × 60 random + aimed RNs)', () => {
    const patterns = fitting();
    const sArb = fc.array(statementArb({ denyWeight: 2, patterns }), { minLength: 1, maxLength: 4 });
    const caseArb = fc
      .tuple(sArb, fc.array(statementArb({ denyWeight: 1, patterns }), { minLength: 1, maxLength: 2 }), fc.nat(), fc.integer({ min: 0, max: 9 }))
      .map(([S, randomT, seed, dice]) => ({ S, T: dice < 7 ? narrowStatements(S, seed) : randomT, seed }));
    let coveredCases = 0;
    let coveredWithGrant = 0;
    const queries = fc.array(
      fc.constantFrom(...ACTION_POOL).chain((action) => fc.tuple(fc.constant(action), typedRnArb(action))),
      { minLength: 60, maxLength: 60 },
    );
    fc.assert(
      fc.property(caseArb, queries, ({ S, T, seed }, randomQueries) => {
        if (!covers(S, T)) return;
        coveredCases++;
        let granted = false;
        for (const [action, name] of [...randomQueries, ...aimedQueries(T, seed)]) {
          if (!allowed(T, action, name)) continue;
          granted = true;
          expect(allowed(S, action, name), `${action} ${JSON.stringify(name)}`).toBe(true);
        }
        if (granted) coveredWithGrant++;
      }),
      { numRuns: 5_000 },
    );
    expect(coveredCases).toBeGreaterThan(2_000);
    expect(coveredWithGrant).toBeGreaterThan(1_000);
  }, 60_000);

  it('covers is exact for one allow and at most one deny pattern in S, one untagged pattern in T (2,000 cases, exhaustive RNs)', () => {
    // Keys up to 2 chars over a, b and a letter no glob uses: enough to witness any
    // non-containment (T's glob with each `*` replaced by `c`) or overlap of globs up to 2 chars.
    const keys = ['a', 'b', 'c', 'aa', 'ab', 'ac', 'ba', 'bb', 'bc', 'ca', 'cb', 'cc'];
    const universe = (type: ResourceType): Rn[] => {
      let names: Rn[] = [{ segments: [], tags: [] }];
      for (const t of SHAPES[type]) names = names.flatMap((n) => keys.map((k) => ({ segments: [...n.segments, { type: t, key: k }], tags: [] })));
      return TAGGED.has(type) ? names.flatMap((n) => [n, { ...n, tags: ['a'] }]) : names;
    };
    const universes = new Map(TYPES.map((t) => [t, universe(t)]));
    // Longer than the action's shape yet on it: covers judges those on text by design.
    const beyondShape = (action: string, pattern: string) => {
      const shape = SHAPES[actionType(action)!];
      const types = pattern === '*' ? [] : pattern.split(':').map((s) => s.split('/')[0]);
      return types.length > shape.length && shape.every((t, i) => t === types[i]);
    };
    const tArb = fc
      .constantFrom(...ACTION_POOL.filter((a) => a !== 'CreateEnv'))
      .chain((action) => fc.tuple(fc.constant(action), fc.oneof({ weight: 4, arbitrary: typedPatternArb(2, false, [actionType(action)!]) }, { weight: 1, arbitrary: typedPatternArb(2, false) })))
      .map(([action, p]): Statement => ({ id: '', resourceType: actionType(action)!, effect: 'allow', actions: [action], resources: [p] }));
    const single = (s: Statement) => ({ ...s, resources: s.resources.slice(0, 1) });
    const allowArb = statementArb({ denyWeight: 0, patterns: fitting(2) }).map(single);
    // A deny of T's action, mostly on T's resource type, so it often bites.
    const caseArb = tArb.chain((t) => {
      const type = actionType(t.actions[0])!;
      const denyPattern = fc.oneof({ weight: 3, arbitrary: typedPatternArb(2, false, [type]) }, { weight: 1, arbitrary: typedPatternArb(2, false) });
      const denyArb = fc.option(
        denyPattern.map((r): Statement => ({ id: '', resourceType: '*', effect: 'deny', actions: [t.actions[0]], resources: [r] })),
        { freq: 2 },
      );
      // An allow of T's action on a widened T pattern, so S often covers T.
      const widerArb = fc
        .tuple(fc.constantFrom<Statement['resourceType']>('*', type), fc.constantFrom(t.actions[0], '*'), fc.array(fc.nat(3), { minLength: 4, maxLength: 4 }))
        .map(([resourceType, name, dice]): Statement => ({ id: '', resourceType, effect: 'allow', actions: [name], resources: [widen(t.resources[0], dice)] }));
      return fc.tuple(fc.oneof(allowArb, widerArb), denyArb, fc.constant(t));
    });
    let yes = 0;
    let no = 0;
    let denied = 0;
    fc.assert(
      fc.property(caseArb, ([allow, deny, t]) => {
        const action = t.actions[0];
        fc.pre(!beyondShape(action, t.resources[0]) && (deny === null || !beyondShape(action, deny.resources[0])));
        const statements = deny === null ? [allow] : [allow, deny];
        const S = compilePolicy(statements);
        const T = compilePolicy([t]);
        const exhaustive = universes.get(actionType(action)!)!.every((name) => !decide(T, action, name) || decide(S, action, name));
        expect(covers(statements, [t]), `${JSON.stringify(statements)} ⊇ ${JSON.stringify(t)}`).toBe(exhaustive);
        if (exhaustive) yes++;
        else no++;
        if (deny !== null && !exhaustive && covers([allow], [t])) denied++;
      }),
      { numRuns: 2_000 },
    );
    expect(yes).toBeGreaterThan(200);
    expect(no).toBeGreaterThan(200);
    // Cases where only the deny makes the difference.
    expect(denied).toBeGreaterThan(50);
  }, 60_000);
});

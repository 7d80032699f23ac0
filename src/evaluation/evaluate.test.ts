import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { bucketOf, evaluate, evaluateForClient, IN_SEGMENT, isInSegment, NOT_IN_SEGMENT } from './index.ts';
import type { Condition, EvalFlag, EvalSegment, EvalUser, RolloutVariation, TargetRule } from './index.ts';

const ON: RolloutVariation[] = [{ id: 'on', rollout: [0, 1], exptRollout: 1 }];
const OFF: RolloutVariation[] = [{ id: 'off', rollout: [0, 1], exptRollout: 1 }];

function flag(overrides: Partial<EvalFlag> = {}): EvalFlag {
  return {
    key: 'new-checkout',
    isEnabled: true,
    disabledVariationId: 'off',
    variationType: 'boolean',
    variations: [
      { id: 'on', value: 'true' },
      { id: 'off', value: 'false' },
      { id: 'beta', value: 'beta' },
    ],
    targetUsers: [],
    rules: [],
    fallthrough: { dispatchKey: null, includedInExpt: false, variations: OFF },
    exptIncludeAllTargets: false,
    ...overrides,
  };
}

function rule(id: string, conditions: Condition[], variations: RolloutVariation[] = ON, extra: Partial<TargetRule> = {}): TargetRule {
  return { id, name: `rule ${id}`, dispatchKey: null, includedInExpt: false, conditions, variations, ...extra };
}

const alice: EvalUser = {
  keyId: 'alice',
  name: 'Alice',
  customizedProperties: [
    { name: 'country', value: 'FR' },
    { name: 'age', value: '31' },
  ],
};
const noSegments = () => undefined;

describe('evaluate: the order of the steps', () => {
  it('gives nothing for an archived flag', () => {
    expect(evaluate(flag({ isArchived: true }), alice, noSegments)).toBeNull();
  });

  it('gives the disabled variation when the flag is off, before targeting and rules', () => {
    const f = flag({
      isEnabled: false,
      targetUsers: [{ variationId: 'on', keyIds: ['alice'] }],
      rules: [rule('r1', [])],
      exptIncludeAllTargets: true,
    });
    expect(evaluate(f, alice, noSegments)).toEqual({
      variation: { id: 'off', value: 'false' },
      reason: 'flag disabled',
      kind: 'disabled',
      sendToExperiment: false,
    });
  });

  it('gives a targeted user their variation before any rule', () => {
    const f = flag({ targetUsers: [{ variationId: 'beta', keyIds: ['bob', 'alice'] }], rules: [rule('r1', [])] });
    expect(evaluate(f, alice, noSegments)).toEqual({
      variation: { id: 'beta', value: 'beta' },
      reason: 'targeted',
      kind: 'targeted',
      sendToExperiment: false,
    });
    expect(evaluate({ ...f, exptIncludeAllTargets: true }, alice, noSegments)?.sendToExperiment).toBe(true);
  });

  it('takes the first target list naming the user', () => {
    const f = flag({
      targetUsers: [
        { variationId: 'beta', keyIds: ['alice'] },
        { variationId: 'on', keyIds: ['alice'] },
      ],
    });
    expect(evaluate(f, alice, noSegments)?.variation.id).toBe('beta');
  });

  it('takes the first rule whose conditions all hold, in order', () => {
    const f = flag({
      rules: [
        rule(
          'r1',
          [
            { property: 'country', op: 'Equal', value: 'FR' },
            { property: 'age', op: 'LessThan', value: '30' },
          ],
          OFF,
        ),
        rule('r2', [{ property: 'country', op: 'Equal', value: 'FR' }], [{ id: 'beta', rollout: [0, 1], exptRollout: 0 }]),
        rule('r3', [], ON),
      ],
    });
    expect(evaluate(f, alice, noSegments)).toEqual({
      variation: { id: 'beta', value: 'beta' },
      reason: 'rule r2',
      kind: 'rule',
      ruleId: 'r2',
      sendToExperiment: false,
    });
  });

  it('lets a rule without conditions hold for everyone', () => {
    expect(evaluate(flag({ rules: [rule('r1', [])] }), { keyId: 'x' }, noSegments)?.reason).toBe('rule r1');
  });

  it('falls through when no rule holds, with the reason "default"', () => {
    const f = flag({ rules: [rule('r1', [{ property: 'country', op: 'Equal', value: 'US' }])] });
    expect(evaluate(f, alice, noSegments)).toEqual({
      variation: { id: 'off', value: 'false' },
      reason: 'default',
      kind: 'fallthrough',
      sendToExperiment: false,
    });
  });

  it('reads a missing attribute as "" and the built-ins keyId and name before custom properties', () => {
    const user: EvalUser = {
      keyId: 'k1',
      customizedProperties: [
        { name: 'keyId', value: 'other' },
        { name: 'name', value: 'N' },
      ],
    };
    const holds = (c: Condition) => evaluate(flag({ rules: [rule('r', [c])] }), user, noSegments)?.kind === 'rule';
    expect(holds({ property: 'plan', op: 'Equal', value: '' })).toBe(true);
    expect(holds({ property: 'plan', op: 'NotEqual', value: '' })).toBe(false);
    expect(holds({ property: 'name', op: 'Equal', value: '' })).toBe(true);
    expect(holds({ property: 'keyId', op: 'Equal', value: 'k1' })).toBe(true);
    expect(holds({ property: ' ', op: 'Equal', value: '' })).toBe(true);
  });

  it('gives nothing when a variation id names no variation', () => {
    expect(evaluate(flag({ isEnabled: false, disabledVariationId: 'gone' }), alice, noSegments)).toBeNull();
    expect(evaluate(flag({ targetUsers: [{ variationId: 'gone', keyIds: ['alice'] }] }), alice, noSegments)).toBeNull();
    expect(evaluate(flag({ rules: [rule('r', [], [{ id: 'gone', rollout: [0, 1], exptRollout: 0 }])] }), alice, noSegments)).toBeNull();
  });
});

describe('segments', () => {
  const segment: EvalSegment = {
    id: 's1',
    included: ['alice', 'bob'],
    excluded: ['bob', 'carol'],
    rules: [{ id: 'sr1', name: 'French', conditions: [{ property: 'country', op: 'Equal', value: 'FR' }] }],
  };
  const carol: EvalUser = { keyId: 'carol', customizedProperties: [{ name: 'country', value: 'FR' }] };
  const dave: EvalUser = { keyId: 'dave', customizedProperties: [{ name: 'country', value: 'FR' }] };
  const erin: EvalUser = { keyId: 'erin', customizedProperties: [{ name: 'country', value: 'US' }] };

  it('puts excluded before included before rules', () => {
    expect(isInSegment(segment, { keyId: 'bob' })).toBe(false); // excluded and included: excluded wins
    expect(isInSegment(segment, carol)).toBe(false); // excluded, though a rule holds
    expect(isInSegment(segment, { keyId: 'alice' })).toBe(true); // included, though no rule holds
    expect(isInSegment(segment, dave)).toBe(true); // by rule
    expect(isInSegment(segment, erin)).toBe(false);
  });

  it('decides "User is in segment" / "User is not in segment" over any listed segment', () => {
    const other: EvalSegment = { id: 's2', included: ['erin'], excluded: [], rules: [] };
    const segmentOf = (id: string) => [segment, other].find((s) => s.id === id);
    const inRule = flag({ rules: [rule('r', [{ property: IN_SEGMENT, op: 'IsOneOf', value: '["s1","s2"]' }])] });
    const notInRule = flag({ rules: [rule('r', [{ property: NOT_IN_SEGMENT, op: 'IsOneOf', value: '["s1","s2"]' }])] });
    for (const [user, inAny] of [
      [dave, true],
      [erin, true],
      [carol, false],
      [{ keyId: 'zed' }, false],
    ] as const) {
      expect(evaluate(inRule, user, segmentOf)?.kind, user.keyId).toBe(inAny ? 'rule' : 'fallthrough');
      expect(evaluate(notInRule, user, segmentOf)?.kind, user.keyId).toBe(inAny ? 'fallthrough' : 'rule');
    }
  });

  it('treats an unknown segment id as a segment of no one, and an empty list as no segment', () => {
    const f = (property: string, value: string) => flag({ rules: [rule('r', [{ property, op: '', value }])] });
    expect(evaluate(f(IN_SEGMENT, '["nope"]'), alice, noSegments)?.kind).toBe('fallthrough');
    expect(evaluate(f(NOT_IN_SEGMENT, '["nope"]'), alice, noSegments)?.kind).toBe('rule');
    expect(evaluate(f(IN_SEGMENT, '[]'), alice, noSegments)?.kind).toBe('fallthrough');
    expect(evaluate(f(NOT_IN_SEGMENT, '[]'), alice, noSegments)?.kind).toBe('rule');
    // A value the server could not read never holds, whichever way round.
    expect(evaluate(f(IN_SEGMENT, 'not json'), alice, noSegments)?.kind).toBe('fallthrough');
    expect(evaluate(f(NOT_IN_SEGMENT, 'not json'), alice, noSegments)?.kind).toBe('fallthrough');
  });

  it('sees a changed segment (a new object) at once, though the flag is compiled and cached', () => {
    const f = flag({ rules: [rule('r', [{ property: IN_SEGMENT, op: '', value: '["s1"]' }])] });
    let current: EvalSegment = { id: 's1', included: [], excluded: [], rules: [] };
    expect(evaluate(f, alice, () => current)?.kind).toBe('fallthrough');
    current = { ...current, included: ['alice'] };
    expect(evaluate(f, alice, () => current)?.kind).toBe('rule');
  });
});

describe('rollouts and dispatch keys', () => {
  const split = (a: [number, number], b: [number, number]): RolloutVariation[] => [
    { id: 'on', rollout: a, exptRollout: 0 },
    { id: 'off', rollout: b, exptRollout: 0 },
  ];

  it('never gives a [0, 0] range and always a [0, 1] range, whatever the hash', () => {
    for (let i = 0; i < 200; i++) {
      const f = flag({ fallthrough: { dispatchKey: null, includedInExpt: false, variations: split([0, 0], [0, 1]) } });
      expect(evaluate(f, { keyId: `user-${i}` }, noSegments)?.variation.id).toBe('off');
    }
  });

  it('takes [0, 0.99999] as [0, 1] (FeatBit allows 1e-5 of float slack)', () => {
    const f = flag({ fallthrough: { dispatchKey: null, includedInExpt: false, variations: split([0, 0.999995], [0.999995, 1]) } });
    for (let i = 0; i < 200; i++) expect(evaluate(f, { keyId: `u${i}` }, noSegments)?.variation.id).toBe('on');
  });

  it('gives the first range holding the bucket, and nothing when no range holds it', () => {
    const user = { keyId: 'u1' }; // bucketOf('new-checkoutu1') = 0.768…
    const at = (variations: RolloutVariation[]) => evaluate(flag({ fallthrough: { dispatchKey: null, includedInExpt: false, variations } }), user, noSegments);
    expect(at(split([0, 0.8], [0.7, 1]))?.variation.id).toBe('on');
    expect(at(split([0, 0.7], [0.7, 1]))?.variation.id).toBe('off');
    expect(at(split([0, 0.5], [0.9, 1]))).toBeNull();
  });

  it('buckets by flag key + keyId, or + the dispatchKey attribute when one is set', () => {
    const user: EvalUser = { keyId: 'u1', customizedProperties: [{ name: 'company', value: 'acme' }] };
    const half = split([0, 0.5], [0.5, 1]);
    const expected = (key: string) => (bucketOf(key) <= 0.5 ? 'on' : 'off');
    const byKey = flag({ fallthrough: { dispatchKey: ' ', includedInExpt: false, variations: half } });
    expect(evaluate(byKey, user, noSegments)?.variation.id).toBe(expected('new-checkoutu1'));
    const byCompany = flag({ fallthrough: { dispatchKey: 'company', includedInExpt: false, variations: half } });
    expect(evaluate(byCompany, user, noSegments)?.variation.id).toBe(expected('new-checkoutacme'));
    // Everyone of one company lands together, whatever their keyId.
    const colleagues = Array.from({ length: 50 }, (_, i) => evaluate(byCompany, { ...user, keyId: `c${i}` }, noSegments)?.variation.id);
    expect(new Set(colleagues).size).toBe(1);
    // A missing dispatch attribute hashes the flag key alone (the server's "" — SDK 1.3.0 would append "undefined").
    const byMissing = flag({ fallthrough: { dispatchKey: 'plan', includedInExpt: false, variations: half } });
    expect(evaluate(byMissing, user, noSegments)?.variation.id).toBe(expected('new-checkout'));
    // A rule's own dispatchKey is used for that rule.
    const ruled = flag({ rules: [rule('r', [], half, { dispatchKey: 'company' })] });
    expect(evaluate(ruled, user, noSegments)?.variation.id).toBe(expected('new-checkoutacme'));
  });

  it('lands 100,000 users within ±1% of a 30/70 split', () => {
    const f = flag({ fallthrough: { dispatchKey: null, includedInExpt: false, variations: split([0, 0.3], [0.3, 1]) } });
    let on = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) if (evaluate(f, { keyId: `user-${i}` }, noSegments)?.variation.id === 'on') on++;
    expect(Math.abs(on / n - 0.3)).toBeLessThanOrEqual(0.01);
  });
});

describe('bucketOf', () => {
  it('matches known-answer vectors (computed with Python hashlib/struct)', () => {
    expect(bucketOf('new-checkoutu1')).toBe(0.7684321105480194);
    expect(bucketOf('betaalice')).toBe(0.09234997536987066);
    expect(bucketOf('')).toBe(0.3004114832729101);
    expect(bucketOf('ü-flagbob')).toBe(0.9525185348466039); // UTF-8, not UTF-16 or Latin-1
    expect(bucketOf('flag-keyuser-123')).toBe(0.5933944378048182);
  });

  it('is |Int32LE(MD5(utf8 key)[0..4]) / int.MinValue| (recomputed with node:crypto)', () => {
    for (const key of ['a', 'new-checkoutalice', '日本語', '\u{1F600}x', `expt${'k'.repeat(300)}`]) {
      const digest = createHash('md5').update(Buffer.from(key, 'utf8')).digest();
      const int32 = digest[0] | (digest[1] << 8) | (digest[2] << 16) | (digest[3] << 24);
      expect(bucketOf(key), key).toBe(Math.abs(int32 / -(2 ** 31)));
    }
  });
});

describe("sendToExperiment (the server's RolloutUserVariation)", () => {
  const variations: RolloutVariation[] = [
    { id: 'on', rollout: [0, 0.5], exptRollout: 0.5 },
    { id: 'off', rollout: [0.5, 1], exptRollout: 0 },
  ];
  const users = Array.from({ length: 400 }, (_, i) => ({ keyId: `user-${i}` }));

  it('is true for everyone when the flag includes all targets, false for a rule not in the experiment', () => {
    const all = flag({ exptIncludeAllTargets: true, fallthrough: { dispatchKey: null, includedInExpt: false, variations } });
    expect(users.every((u) => evaluate(all, u, noSegments)?.sendToExperiment)).toBe(true);
    const none = flag({ fallthrough: { dispatchKey: null, includedInExpt: false, variations } });
    expect(users.some((u) => evaluate(none, u, noSegments)?.sendToExperiment)).toBe(false);
  });

  it('samples exptRollout / rollout width of a variation by the "expt"-prefixed key, and never a 0 exptRollout', () => {
    const f = flag({ fallthrough: { dispatchKey: null, includedInExpt: true, variations } });
    for (const u of users) {
      const e = evaluate(f, u, noSegments)!;
      // 'on': 0.5 of a 0.5-wide range → all of it; 'off': exptRollout 0 → none.
      expect(e.sendToExperiment, u.keyId).toBe(e.variation.id === 'on');
    }
    const quarter = flag({ fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'on', rollout: [0, 1], exptRollout: 0.25 }] } });
    for (const u of users) {
      expect(evaluate(quarter, u, noSegments)?.sendToExperiment).toBe(bucketOf(`exptnew-checkout${u.keyId}`) <= 0.25);
    }
  });

  it("reads the matching rule's includedInExpt, not the fallthrough's (SDK 1.3.0 reads the fallthrough's)", () => {
    const all: RolloutVariation[] = [{ id: 'on', rollout: [0, 1], exptRollout: 1 }];
    const f = flag({
      rules: [rule('r', [], all, { includedInExpt: true })],
      fallthrough: { dispatchKey: null, includedInExpt: false, variations: all },
    });
    expect(evaluate(f, alice, noSegments)?.sendToExperiment).toBe(true);
  });
});

describe('evaluateForClient', () => {
  it("gives FeatBit's ClientSdkFlag shape", () => {
    const f = { ...flag({ rules: [rule('r1', [{ property: 'country', op: 'Equal', value: 'FR' }])] }), updatedAt: '2026-03-01T10:00:00.123Z' };
    expect(evaluateForClient(f, alice, noSegments)).toEqual({
      id: 'new-checkout',
      variation: 'true',
      variationType: 'boolean',
      variationId: 'on',
      matchReason: 'rule r1',
      variationOptions: f.variations,
      sendToExperiment: false,
      timestamp: Date.UTC(2026, 2, 1, 10, 0, 0, 123),
    });
    expect(evaluateForClient({ ...f, updatedAt: 42 }, alice, noSegments)?.timestamp).toBe(42);
  });

  it('gives nothing for an archived flag or a dangling variation', () => {
    expect(evaluateForClient({ ...flag({ isArchived: true }), updatedAt: 1 }, alice, noSegments)).toBeNull();
    expect(evaluateForClient({ ...flag({ isEnabled: false, disabledVariationId: 'x' }), updatedAt: 1 }, alice, noSegments)).toBeNull();
  });
});

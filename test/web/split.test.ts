// The targeting editor's percentage splits ↔ the rollouts the server stores (web/src/pages/targeting/split.ts).
import { describe, expect, it } from 'vitest';
import { rolloutsOf, serveIsValid, serveOf, splitTotal, toSplit } from '../../web/src/pages/targeting/split.ts';

const variations = [
  { id: 'a', name: 'A', value: 'a' },
  { id: 'b', name: 'B', value: 'b' },
  { id: 'c', name: 'C', value: 'c' },
];

describe('percentage splits and rollouts', () => {
  it('serves one variation to everyone as the rollout [0, 1]', () => {
    expect(rolloutsOf({ kind: 'single', variationId: 'b' }, variations)).toEqual([{ id: 'b', rollout: [0, 1], exptRollout: 1 }]);
    expect(serveOf([{ id: 'b', rollout: [0, 1], exptRollout: 1 }])).toEqual({ kind: 'single', variationId: 'b' });
  });

  it('lays a split out from 0 to 1 in the flag variation order, leaving 0 % variations out', () => {
    expect(rolloutsOf({ kind: 'split', percents: { b: 50, a: 50, c: 0 } }, variations)).toEqual([
      { id: 'a', rollout: [0, 0.5], exptRollout: 0.5 },
      { id: 'b', rollout: [0.5, 1], exptRollout: 0.5 },
    ]);
  });

  it('keeps thirds exact: the ranges touch and the last ends at 1', () => {
    const r = rolloutsOf({ kind: 'split', percents: { a: 33.33, b: 33.33, c: 33.34 } }, variations);
    expect(r.map((v) => v.rollout)).toEqual([
      [0, 0.3333],
      [0.3333, 0.6666],
      [0.6666, 1],
    ]);
    expect(serveOf(r)).toEqual({ kind: 'split', percents: { a: 33.33, b: 33.33, c: 33.34 } });
  });

  it('reads back what it wrote, for every two-way split in whole percents', () => {
    for (let p = 1; p < 100; p++) {
      const serve = { kind: 'split' as const, percents: { a: p, b: 100 - p } };
      expect(serveIsValid(serve)).toBe(true);
      expect(serveOf(rolloutsOf(serve, variations))).toEqual(serve);
    }
  });

  it('a split is valid only when it adds up to 100 %', () => {
    expect(splitTotal({ a: 60, b: 50 })).toBe(11000);
    expect(serveIsValid({ kind: 'split', percents: { a: 60, b: 50 } })).toBe(false);
    expect(serveIsValid({ kind: 'split', percents: { a: 99.99 } })).toBe(false);
    expect(serveIsValid({ kind: 'single', variationId: '' })).toBe(false);
  });

  it('a stored split that is not the editor’s own (FeatBit writes zero-width ranges too) reads as its shares', () => {
    expect(
      serveOf([
        { id: 'a', rollout: [0, 0], exptRollout: 0 },
        { id: 'b', rollout: [0, 0.2], exptRollout: 1 },
        { id: 'c', rollout: [0.2, 1], exptRollout: 1 },
      ]),
    ).toEqual({ kind: 'split', percents: { b: 20, c: 80 } });
    expect(serveOf([{ id: 'a', rollout: [0, 0.999999999], exptRollout: 1 }])).toEqual({ kind: 'single', variationId: 'a' });
  });

  it('turning a single variation into a split starts it at 100 %', () => {
    expect(toSplit({ kind: 'single', variationId: 'c' }, variations)).toEqual({ kind: 'split', percents: { a: 0, b: 0, c: 100 } });
  });
});

import { describe, expect, it } from 'vitest';
import { evaluationsOf, HOUR_MS, hourOf, seriesOf } from './insight-model.ts';

const at = Date.parse('2026-01-01T10:20:00Z');

describe('evaluationsOf', () => {
  it('reads the variations of items with a user keyId, as the SDKs send them, and nothing else', () => {
    const v = (featureFlagKey: unknown, variation: unknown) => ({ featureFlagKey, sendToExperiment: false, timestamp: 1, variation });
    expect(
      evaluationsOf([
        { user: { keyId: 'a', name: 'A' }, variations: [v('f', { id: 'on', value: 'true' }), v('g', { id: 'x', value: '1' })] },
        { user: { keyId: ' ' }, variations: [v('f', { id: 'on' })] },
        { user: { name: 'no key' }, variations: [v('f', { id: 'on' })] },
        { user: { keyId: 'b' }, variations: [v('f', null), v('f', { value: 'no id' }), v('bad key!', { id: 'on' }), v('f', { id: 'bad id!' }), v(7, { id: 'on' })] },
        { user: { keyId: 'c' }, metrics: [{ eventName: 'e', numericValue: 1 }] },
        { user: { keyId: 'd' }, variations: 'not a list' },
        null,
        ['an', 'array'],
        'text',
      ]),
    ).toEqual([
      { flagKey: 'f', variationId: 'on' },
      { flagKey: 'g', variationId: 'x' },
    ]);
  });
});

describe('seriesOf', () => {
  it('gives one bucket per hour, oldest first, the current hour last, summing counts that appear twice', () => {
    const h = hourOf(at);
    const c = (hour: number, variationId: string, count: number, lastAt: number) => ({ envId: 'e', flagKey: 'f', hour, variationId, count, lastAt });
    const s = seriesOf([c(h, 'on', 2, at), c(h, 'on', 3, at - 1), c(h - HOUR_MS, 'off', 1, at - HOUR_MS), c(h - 5 * HOUR_MS, 'on', 9, at - 5 * HOUR_MS)], at, at, 3);
    expect(s).toEqual({
      lastEvaluatedAt: '2026-01-01T10:20:00.000Z',
      series: [
        { time: '2026-01-01T08:00:00.000Z', counts: {} },
        { time: '2026-01-01T09:00:00.000Z', counts: { off: 1 } },
        { time: '2026-01-01T10:00:00.000Z', counts: { on: 5 } },
      ],
    });
    expect(seriesOf([], null, at, 1)).toEqual({ lastEvaluatedAt: null, series: [{ time: '2026-01-01T10:00:00.000Z', counts: {} }] });
  });
});

import { describe, expect, it } from 'vitest';
import { applyPatch } from './json-patch.ts';

describe('applyPatch (RFC 6902)', () => {
  const doc = { a: 1, list: ['x', 'y'], nested: { 'b/c': 2, 'd~e': 3 } };

  it('applies add, remove, replace, move, copy and test in order', () => {
    const r = applyPatch(doc, [
      { op: 'add', path: '/list/1', value: 'new' },
      { op: 'add', path: '/list/-', value: 'end' },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/a', value: 10 },
      { op: 'copy', from: '/a', path: '/copied' },
      { op: 'move', from: '/nested/b~1c', path: '/moved' },
      { op: 'test', path: '/nested/d~0e', value: 3 },
    ]);
    expect(r).toEqual({ ok: true, value: { a: 10, list: ['new', 'y', 'end'], nested: { 'd~e': 3 }, copied: 10, moved: 2 } });
    // The input is never touched.
    expect(doc).toEqual({ a: 1, list: ['x', 'y'], nested: { 'b/c': 2, 'd~e': 3 } });
  });

  it('refuses what cannot apply, with one code, and nothing else', () => {
    const cases: [object[], string][] = [
      [[{ op: 'replace', path: '/missing', value: 1 }], 'path_is_invalid'],
      [[{ op: 'remove', path: '/list/2' }], 'path_is_invalid'],
      [[{ op: 'add', path: '/list/3', value: 1 }], 'path_is_invalid'],
      [[{ op: 'add', path: '/list/01', value: 1 }], 'path_is_invalid'],
      [[{ op: 'add', path: 'a', value: 1 }], 'path_is_invalid'],
      [[{ op: 'add', path: '/x/y', value: 1 }], 'path_is_invalid'],
      [[{ op: 'add', path: '/a' }], 'value_is_required'],
      [[{ op: 'move', from: '/nested', path: '/nested/inside' }], 'path_is_invalid'],
      [[{ op: 'copy', from: '/nope', path: '/b' }], 'from_is_invalid'],
      [[{ op: 'test', path: '/a', value: 2 }], 'test_failed'],
      [[{ op: 'merge', path: '/a', value: 2 }], 'op_is_invalid'],
      [[{ op: 'add', path: '/__proto__', value: { polluted: true } }], 'path_is_invalid'],
    ];
    for (const [ops, code] of cases) expect({ ops, r: applyPatch(doc, ops as never) }).toEqual({ ops, r: { ok: false, code } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

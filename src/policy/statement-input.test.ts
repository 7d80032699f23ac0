import { describe, expect, it } from 'vitest';
import { MAX_STATEMENTS, MAX_STATEMENT_ITEMS, readStatements } from './statement-input.ts';

const flag = { resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/web:env/*:flag/*'] };
const counter = () => {
  let n = 0;
  return () => `new-${++n}`;
};

describe('readStatements', () => {
  it('keeps a well-formed id and gives the others a new one, in order', () => {
    const r = readStatements([{ ...flag, id: 'st-1' }, flag, { ...flag, id: 'has space' }], counter());
    expect(r).toEqual({
      ok: true,
      statements: [
        { ...flag, id: 'st-1' },
        { ...flag, id: 'new-1' },
        { ...flag, id: 'new-2' },
      ],
    });
  });

  it('accepts no statements at all', () => {
    expect(readStatements([], counter())).toEqual({ ok: true, statements: [] });
  });

  it('refuses more statements than the limit before looking at any of them', () => {
    expect(readStatements(Array(MAX_STATEMENTS + 1).fill({ bad: true }), counter())).toEqual({ ok: false, errors: ['statements_is_too_long'] });
    expect(readStatements(Array(MAX_STATEMENTS).fill(flag), counter()).ok).toBe(true);
  });

  it('refuses a statement with too many actions or resources', () => {
    const actions = Array(MAX_STATEMENT_ITEMS + 1).fill('ManageFeatureFlag');
    const resources = Array(MAX_STATEMENT_ITEMS + 1).fill('project/*');
    expect(readStatements([{ ...flag, actions }], counter())).toEqual({ ok: false, errors: ['actions_is_too_long'] });
    expect(readStatements([{ ...flag, resources }], counter())).toEqual({ ok: false, errors: ['resources_is_too_long'] });
  });

  it('passes on the language’s own error codes', () => {
    expect(readStatements('nope', counter())).toEqual({ ok: false, errors: ['statements_is_invalid'] });
    expect(readStatements([{ ...flag, effect: 'maybe' }], counter())).toEqual({ ok: false, errors: ['effect_is_invalid'] });
  });
});

import { describe, expect, it } from 'vitest';
import { compileGlob, globContains, globMatches, globsOverlap } from './glob.ts';

const g = compileGlob;

describe('compileGlob', () => {
  it('classifies each shape so the common ones skip the general matcher', () => {
    expect(g('web').kind).toBe('exact');
    expect(g('*').kind).toBe('any');
    expect(g('**').kind).toBe('any');
    expect(g('web-*').kind).toBe('prefix');
    expect(g('*-prod').kind).toBe('suffix');
    expect(g('a*b').kind).toBe('general');
    expect(g('*a*').kind).toBe('general');
    expect(g('a**b').text).toBe('a*b');
  });
});

describe('globMatches', () => {
  it.each([
    ['web', 'web', true],
    ['web', 'web2', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['web-*', 'web-', true],
    ['web-*', 'web-shop', true],
    ['web-*', 'api-shop', false],
    ['*-prod', 'eu-prod', true],
    ['*-prod', 'eu-prod2', false],
    ['a*b', 'ab', true],
    ['a*b', 'axxb', true],
    ['a*b', 'a', false],
    ['a*b', 'ba', false],
    ['aba*aba', 'aba', false],
    ['aba*aba', 'ababa', false],
    ['aba*aba', 'abaaba', true],
    ['*a*b*', 'xaxbx', true],
    ['*a*b*', 'xbxax', false],
    ['a*a*a', 'aaa', true],
    ['a*a*a', 'aa', false],
  ])('%s matches %s: %s', (glob, text, expected) => {
    expect(globMatches(g(glob), text)).toBe(expected);
  });
});

describe('globContains', () => {
  it.each([
    ['*', 'web-*', true],
    ['web-*', '*', false],
    ['web-*', 'web-shop-*', true],
    ['web-shop-*', 'web-*', false],
    ['a*', 'a*b', true],
    ['a*b', 'a*', false],
    ['*b', 'a*b', true],
    ['a*b', 'ab', true],
    ['a*b', 'a*x*b', true],
    ['a*x*b', 'a*b', false],
    ['*a*', 'a*', true],
    ['*a*', '*', false],
    ['web', 'web', true],
    ['web', 'web*', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(globContains(g(outer), g(inner))).toBe(expected);
  });
});

describe('globsOverlap', () => {
  it.each([
    ['a*', '*b', true],
    ['a*', 'b*', false],
    ['*a', '*b', false],
    ['ab*', '*ba', true],
    ['a*x*b', 'a*y*b', true],
    ['web', 'w*b', true],
    ['web', 'w*c', false],
    ['web', 'web', true],
    ['web', 'api', false],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(globsOverlap(g(a), g(b))).toBe(expected);
    expect(globsOverlap(g(b), g(a))).toBe(expected);
  });
});

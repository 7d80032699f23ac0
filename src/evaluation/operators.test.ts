import { describe, expect, it } from 'vitest';
import { compileCondition } from './operators.ts';
import { OPERATORS, parseDotnetDouble } from './index.ts';

const holds = (op: string, ruleValue: string, userValue: string) => compileCondition(op, ruleValue)(userValue);

describe('operators (FeatBit server semantics, Operator.cs)', () => {
  it('lists exactly the sixteen operators of the server', () => {
    expect([...OPERATORS].sort()).toEqual([
      'BiggerEqualThan',
      'BiggerThan',
      'Contains',
      'EndsWith',
      'Equal',
      'IsFalse',
      'IsOneOf',
      'IsTrue',
      'LessEqualThan',
      'LessThan',
      'MatchRegex',
      'NotContain',
      'NotEqual',
      'NotMatchRegex',
      'NotOneOf',
      'StartsWith',
    ]);
  });

  it('compares numbers: LessThan, LessEqualThan, BiggerThan, BiggerEqualThan', () => {
    expect(holds('LessThan', '18', '17.9')).toBe(true);
    expect(holds('LessThan', '18', '18')).toBe(false);
    expect(holds('LessEqualThan', '18', '18.0')).toBe(true);
    expect(holds('LessEqualThan', '18', '18.01')).toBe(false);
    expect(holds('BiggerThan', '18', '19')).toBe(true);
    expect(holds('BiggerThan', '18', '18')).toBe(false);
    expect(holds('BiggerEqualThan', '18', '18')).toBe(true);
    expect(holds('BiggerEqualThan', '-1', '-2')).toBe(false);
    expect(holds('BiggerThan', '0', '-0')).toBe(false);
    expect(holds('LessEqualThan', '0', '-0')).toBe(true);
  });

  it('never matches a number it cannot read, on either side, nor NaN', () => {
    for (const op of ['LessThan', 'LessEqualThan', 'BiggerThan', 'BiggerEqualThan']) {
      expect(holds(op, '18', ''), op).toBe(false);
      expect(holds(op, '18', 'abc'), op).toBe(false);
      expect(holds(op, '18', '12abc'), op).toBe(false); // parseFloat would read 12; .NET's TryParse refuses
      expect(holds(op, 'abc', '1'), op).toBe(false);
      expect(holds(op, 'NaN', '1'), op).toBe(false);
      expect(holds(op, '1', 'NaN'), op).toBe(false);
    }
  });

  it('reads numbers as .NET double.TryParse does (invariant culture, thousands allowed)', () => {
    expect(parseDotnetDouble(' 42 ')).toBe(42);
    expect(parseDotnetDouble('1,000')).toBe(1000);
    expect(parseDotnetDouble('1,000.5')).toBe(1000.5);
    expect(parseDotnetDouble('+5')).toBe(5);
    expect(parseDotnetDouble('.5')).toBe(0.5);
    expect(parseDotnetDouble('5.')).toBe(5);
    expect(parseDotnetDouble('1e3')).toBe(1000);
    expect(parseDotnetDouble('1E-2')).toBe(0.01);
    expect(parseDotnetDouble('-Infinity')).toBe(-Infinity);
    expect(parseDotnetDouble(' infinity ')).toBe(Infinity);
    expect(parseDotnetDouble('7\0\0')).toBe(7);
    for (const bad of ['', ' ', '.', ',1', '1e', '0x10', '1 000', '- 1', '1-', '12abc', '١٢']) {
      expect(parseDotnetDouble(bad), JSON.stringify(bad)).toBeNaN();
    }
    // double.CompareTo puts equal infinities level (JS's Math.sign(a - b) would give NaN).
    expect(holds('LessEqualThan', 'Infinity', 'Infinity')).toBe(true);
    expect(holds('LessThan', 'Infinity', '1e308')).toBe(true);
  });

  it('compares text ordinally and case-sensitively: Equal, NotEqual', () => {
    expect(holds('Equal', 'US', 'US')).toBe(true);
    expect(holds('Equal', 'US', 'us')).toBe(false);
    expect(holds('Equal', '', '')).toBe(true);
    expect(holds('NotEqual', 'US', 'us')).toBe(true);
    expect(holds('NotEqual', 'US', 'US')).toBe(false);
  });

  it('finds text: Contains, NotContain, StartsWith, EndsWith', () => {
    expect(holds('Contains', 'example', 'alice@example.com')).toBe(true);
    expect(holds('Contains', 'Example', 'alice@example.com')).toBe(false);
    expect(holds('Contains', '', 'anything')).toBe(true);
    expect(holds('NotContain', 'example', 'bob@test.org')).toBe(true);
    expect(holds('NotContain', 'test', 'bob@test.org')).toBe(false);
    expect(holds('StartsWith', 'ali', 'alice')).toBe(true);
    expect(holds('StartsWith', 'lic', 'alice')).toBe(false);
    expect(holds('EndsWith', '.org', 'bob@test.org')).toBe(true);
    expect(holds('EndsWith', '.com', 'bob@test.org')).toBe(false);
    // A missing attribute is "" (no throw, unlike SDK 1.3.0).
    expect(holds('Contains', 'x', '')).toBe(false);
    expect(holds('NotContain', 'x', '')).toBe(true);
  });

  it('matches regular expressions with the rule value as the pattern: MatchRegex, NotMatchRegex', () => {
    expect(holds('MatchRegex', '^[a-z]+@example\\.com$', 'alice@example.com')).toBe(true);
    expect(holds('MatchRegex', '^[a-z]+@example\\.com$', 'alice@example.org')).toBe(false);
    expect(holds('MatchRegex', '\\d', 'a1')).toBe(true);
    // Reversed arguments (SDK 1.3.0's quirk) would compile "abc" and test it against "a.c".
    expect(holds('MatchRegex', 'a.c', 'abc')).toBe(true);
    expect(holds('NotMatchRegex', 'a.c', 'abc')).toBe(false);
    expect(holds('NotMatchRegex', '^x', 'abc')).toBe(true);
  });

  it('never matches an invalid pattern, whichever operator (the server would throw)', () => {
    expect(holds('MatchRegex', '(', 'abc')).toBe(false);
    expect(holds('NotMatchRegex', '(', 'abc')).toBe(false);
  });

  it('reads lists as JSON arrays of strings: IsOneOf, NotOneOf', () => {
    expect(holds('IsOneOf', '["US","FR"]', 'FR')).toBe(true);
    expect(holds('IsOneOf', '["US","FR"]', 'fr')).toBe(false);
    expect(holds('IsOneOf', '[]', '')).toBe(false);
    expect(holds('IsOneOf', '[""]', '')).toBe(true);
    expect(holds('NotOneOf', '["US","FR"]', 'DE')).toBe(true);
    expect(holds('NotOneOf', '["US","FR"]', 'US')).toBe(false);
    expect(holds('IsOneOf', '[null,"US"]', 'US')).toBe(true);
  });

  it('never matches a list it cannot read, either way; a JSON null list excludes no one (the server)', () => {
    for (const bad of ['US', '"US"', '{}', '[1,"US"]', '[["US"]]']) {
      expect(holds('IsOneOf', bad, 'US'), bad).toBe(false);
      expect(holds('NotOneOf', bad, 'DE'), bad).toBe(false);
    }
    expect(holds('IsOneOf', 'null', 'US')).toBe(false);
    expect(holds('NotOneOf', 'null', 'US')).toBe(true);
  });

  it('reads booleans case-insensitively: IsTrue, IsFalse', () => {
    for (const v of ['true', 'TRUE', 'True', 'tRuE']) expect(holds('IsTrue', '', v), v).toBe(true);
    for (const v of ['false', 'FALSE', 'False']) expect(holds('IsFalse', '', v), v).toBe(true);
    for (const v of ['', 'yes', '1', ' true', 'truee', 'false']) expect(holds('IsTrue', '', v), v).toBe(false);
    expect(holds('IsFalse', '', 'true')).toBe(false);
    // The rule's value is ignored.
    expect(holds('IsTrue', 'false', 'true')).toBe(true);
  });

  it('never matches an unknown operator, nor a differently cased known one', () => {
    for (const op of ['IsIn', 'equal', '', 'Contain', 'NotContains']) {
      expect(holds(op, 'x', 'x'), op).toBe(false);
      expect(holds(op, '', ''), op).toBe(false);
    }
  });
});

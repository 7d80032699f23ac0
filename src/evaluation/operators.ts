// FeatBit's condition operators (evaluation server, Domain/Evaluation/Operator.cs), compiled once per
// condition: the rule's value is parsed (number, JSON list, regex) when the flag is compiled, not per user.

/** Tests a user's attribute value (a missing attribute is ""). */
export type Matcher = (userValue: string) => boolean;

/** FeatBit's operators (Domain/Targeting/OperatorTypes.cs); the targeting model's input check uses this list too. */
export const OPERATORS = Object.freeze([
  'LessThan',
  'LessEqualThan',
  'BiggerThan',
  'BiggerEqualThan',
  'Equal',
  'NotEqual',
  'Contains',
  'NotContain',
  'StartsWith',
  'EndsWith',
  'MatchRegex',
  'NotMatchRegex',
  'IsOneOf',
  'NotOneOf',
  'IsTrue',
  'IsFalse',
] as const);

const never: Matcher = () => false;

export function compileCondition(op: string, ruleValue: string): Matcher {
  // The server refuses to match when the rule's value is null; a JSON payload could carry one.
  if (typeof ruleValue !== 'string') return never;
  switch (op) {
    case 'LessThan':
      return numeric(ruleValue, (c) => c < 0);
    case 'LessEqualThan':
      return numeric(ruleValue, (c) => c <= 0);
    case 'BiggerThan':
      return numeric(ruleValue, (c) => c > 0);
    case 'BiggerEqualThan':
      return numeric(ruleValue, (c) => c >= 0);
    // Text comparisons are ordinal (UTF-16 code units), as the SDKs' and the server's Equal/Contains are
    // (the server's StartsWith/EndsWith are culture-sensitive; docs/decisions.md "Evaluation core").
    case 'Equal':
      return (v) => v === ruleValue;
    case 'NotEqual':
      return (v) => v !== ruleValue;
    case 'Contains':
      return (v) => v.includes(ruleValue);
    case 'NotContain':
      return (v) => !v.includes(ruleValue);
    case 'StartsWith':
      return (v) => v.startsWith(ruleValue);
    case 'EndsWith':
      return (v) => v.endsWith(ruleValue);
    case 'MatchRegex': {
      // The server calls Regex.IsMatch(userValue, ruleValue): the rule holds the pattern.
      const re = compileRegex(ruleValue);
      return re ? (v) => re.test(v) : never;
    }
    case 'NotMatchRegex': {
      const re = compileRegex(ruleValue);
      return re ? (v) => !re.test(v) : never;
    }
    case 'IsOneOf': {
      const list = parseStringList(ruleValue);
      if (!list) return never;
      return (v) => list.has(v);
    }
    case 'NotOneOf': {
      const list = parseStringList(ruleValue);
      if (list === undefined) return never;
      // The server's `!ruleValues?.Contains(v) ?? true`: a JSON null list excludes no one.
      if (list === null) return () => true;
      return (v) => !list.has(v);
    }
    // OrdinalIgnoreCase against ASCII words. The only non-ASCII code units that lower-case into ASCII are
    // U+0130 (to "i̇", two units) and U+212A (to "k"): neither can make "true" or "false".
    case 'IsTrue':
      return (v) => v.length === 4 && (v === 'true' || v.toLowerCase() === 'true');
    case 'IsFalse':
      return (v) => v.length === 5 && (v === 'false' || v.toLowerCase() === 'false');
    // An unknown operator never matches (the server's Operator.Get fallback).
    default:
      return never;
  }
}

function numeric(ruleValue: string, accept: (comparison: number) => boolean): Matcher {
  const rule = parseDotnetDouble(ruleValue);
  if (Number.isNaN(rule)) return never;
  return (v) => {
    const user = parseDotnetDouble(v);
    if (Number.isNaN(user)) return false;
    // double.CompareTo: equal infinities compare 0 (JS's Math.sign(a - b) would give NaN).
    return accept(user < rule ? -1 : user > rule ? 1 : 0);
  };
}

// .NET's double.TryParse(s) under the invariant culture: NumberStyles.Float | AllowThousands, that is
// leading/trailing white (\t-\r and space), a leading sign, "," group separators after the first digit of
// the integer part, ".", an exponent; trailing NULs; then the named values Infinity/NaN, case-insensitive.
// A string that does not parse gives NaN (and so never matches, as the server's TryParse failure).
const dotnetNumber = /^[\t-\r ]*([+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[\t-\r ]*\0*$/;
const dotnetWhite = /^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

export function parseDotnetDouble(s: string): number {
  if (isPlainDecimal(s)) return Number(s);
  const m = dotnetNumber.exec(s);
  if (m) return Number(m[1].includes(',') ? m[1].replace(/,/g, '') : m[1]);
  const named = s.replace(dotnetWhite, '').toLowerCase();
  if (named === 'infinity' || named === '+infinity') return Infinity;
  if (named === '-infinity') return -Infinity;
  return NaN;
}

// [+-]?digits[.digits], which .NET and Number() read alike: most values, without a regex.
function isPlainDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  if (n > 0 && (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43)) i = 1;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot && digits > 0) dot = true;
    else return false;
  }
  return digits > 0 && s.charCodeAt(n - 1) !== 46;
}

/** Set of strings; null for a JSON null; undefined where the server's deserializer would throw. */
function parseStringList(json: string): Set<string> | null | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (parsed === null) return null;
  if (!Array.isArray(parsed)) return undefined;
  const list = new Set<string>();
  for (const item of parsed) {
    if (typeof item === 'string') list.add(item);
    else if (item !== null) return undefined;
  }
  return list;
}

function compileRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

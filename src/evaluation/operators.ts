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

// A condition's operator, with its rule value parsed, as data: `holds` switches on `kind`. One shape for every
// operator keeps the evaluator's calls monomorphic (a closure per operator made each call site megamorphic).
const NEVER = 0;
const ALWAYS = 1;
const LESS_THAN = 2;
const LESS_EQUAL_THAN = 3;
const BIGGER_THAN = 4;
const BIGGER_EQUAL_THAN = 5;
const EQUAL = 6;
const NOT_EQUAL = 7;
const CONTAINS = 8;
const NOT_CONTAIN = 9;
const STARTS_WITH = 10;
const ENDS_WITH = 11;
const MATCH_REGEX = 12;
const NOT_MATCH_REGEX = 13;
const IS_ONE_OF = 14;
const NOT_ONE_OF = 15;
const IS_TRUE = 16;
const IS_FALSE = 17;

/**
 * An operator with its rule value parsed once (number, JSON list, regex): built by compileOperator. The tests
 * are methods, not imported functions: under tsx every call to an imported function goes through an export getter.
 */
export class CompiledOperator {
  constructor(
    readonly kind: number,
    readonly text: string = '',
    readonly number: number = 0,
    readonly regex: RegExp | null = null,
    readonly list: ReadonlySet<string> | null = null,
  ) {}

  /** Numeric operators compare the user's value parsed as a .NET double (holdsForNumber). */
  get numeric(): boolean {
    return this.kind >= LESS_THAN && this.kind <= BIGGER_EQUAL_THAN;
  }

  /** Whether the user's attribute value (a missing attribute is "") satisfies the operator. */
  holds(v: string): boolean {
    switch (this.kind) {
      case ALWAYS:
        return true;
      case LESS_THAN:
      case LESS_EQUAL_THAN:
      case BIGGER_THAN:
      case BIGGER_EQUAL_THAN:
        return this.holdsForNumber(parseDotnetDouble(v));
      case EQUAL:
        return v === this.text;
      case NOT_EQUAL:
        return v !== this.text;
      case CONTAINS:
        return v.includes(this.text);
      case NOT_CONTAIN:
        return !v.includes(this.text);
      case STARTS_WITH:
        return v.startsWith(this.text);
      case ENDS_WITH:
        return v.endsWith(this.text);
      case MATCH_REGEX:
        return (this.regex as RegExp).test(v);
      case NOT_MATCH_REGEX:
        return !(this.regex as RegExp).test(v);
      case IS_ONE_OF:
        return (this.list as ReadonlySet<string>).has(v);
      case NOT_ONE_OF:
        return !(this.list as ReadonlySet<string>).has(v);
      // OrdinalIgnoreCase against ASCII words. The only non-ASCII code units that lower-case into ASCII are
      // U+0130 (to "i̇", two units) and U+212A (to "k"): neither can make "true" or "false".
      case IS_TRUE:
        return v.length === 4 && (v === 'true' || v.toLowerCase() === 'true');
      case IS_FALSE:
        return v.length === 5 && (v === 'false' || v.toLowerCase() === 'false');
      default:
        return false;
    }
  }

  /** A numeric operator against the user's value already parsed (parseDotnetDouble; NaN when it does not parse). */
  holdsForNumber(user: number): boolean {
    if (Number.isNaN(user)) return false;
    // double.CompareTo, for two numbers that are not NaN (equal infinities compare equal, -0 equals 0).
    const rule = this.number;
    switch (this.kind) {
      case LESS_THAN:
        return user < rule;
      case LESS_EQUAL_THAN:
        return user <= rule;
      case BIGGER_THAN:
        return user > rule;
      case BIGGER_EQUAL_THAN:
        return user >= rule;
      default:
        return false;
    }
  }
}

const never = new CompiledOperator(NEVER);
const always = new CompiledOperator(ALWAYS);

export function compileOperator(op: string, ruleValue: string): CompiledOperator {
  // The server refuses to match when the rule's value is null; a JSON payload could carry one.
  if (typeof ruleValue !== 'string') return never;
  switch (op) {
    case 'LessThan':
      return numeric(LESS_THAN, ruleValue);
    case 'LessEqualThan':
      return numeric(LESS_EQUAL_THAN, ruleValue);
    case 'BiggerThan':
      return numeric(BIGGER_THAN, ruleValue);
    case 'BiggerEqualThan':
      return numeric(BIGGER_EQUAL_THAN, ruleValue);
    // Text comparisons are ordinal (UTF-16 code units), as the SDKs' and the server's Equal/Contains are
    // (the server's StartsWith/EndsWith are culture-sensitive; docs/decisions.md "Evaluation core").
    case 'Equal':
      return new CompiledOperator(EQUAL, ruleValue);
    case 'NotEqual':
      return new CompiledOperator(NOT_EQUAL, ruleValue);
    case 'Contains':
      return new CompiledOperator(CONTAINS, ruleValue);
    case 'NotContain':
      return new CompiledOperator(NOT_CONTAIN, ruleValue);
    case 'StartsWith':
      return new CompiledOperator(STARTS_WITH, ruleValue);
    case 'EndsWith':
      return new CompiledOperator(ENDS_WITH, ruleValue);
    // The server calls Regex.IsMatch(userValue, ruleValue): the rule holds the pattern.
    case 'MatchRegex':
      return regex(MATCH_REGEX, ruleValue);
    case 'NotMatchRegex':
      return regex(NOT_MATCH_REGEX, ruleValue);
    case 'IsOneOf': {
      const list = parseStringList(ruleValue);
      return list ? new CompiledOperator(IS_ONE_OF, '', 0, null, list) : never;
    }
    case 'NotOneOf': {
      const list = parseStringList(ruleValue);
      if (list === undefined) return never;
      // The server's `!ruleValues?.Contains(v) ?? true`: a JSON null list excludes no one.
      if (list === null) return always;
      return new CompiledOperator(NOT_ONE_OF, '', 0, null, list);
    }
    case 'IsTrue':
      return new CompiledOperator(IS_TRUE);
    case 'IsFalse':
      return new CompiledOperator(IS_FALSE);
    // An unknown operator never matches (the server's Operator.Get fallback).
    default:
      return never;
  }
}

/** The operator as a function of the user's value: compileOperator(op, ruleValue).holds(v). */
export function compileCondition(op: string, ruleValue: string): Matcher {
  const c = compileOperator(op, ruleValue);
  return (v) => c.holds(v);
}

function numeric(kind: number, ruleValue: string): CompiledOperator {
  const rule = parseDotnetDouble(ruleValue);
  return Number.isNaN(rule) ? never : new CompiledOperator(kind, '', rule);
}

function regex(kind: number, pattern: string): CompiledOperator {
  const re = compileRegex(pattern);
  return re ? new CompiledOperator(kind, '', 0, re) : never;
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

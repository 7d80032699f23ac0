// Pure: the conditions' operators and checks (test/web/operators.test.ts runs it under Node).
import type { Condition } from '../../api/types.ts';

export const IN_SEGMENT = 'User is in segment';
export const NOT_IN_SEGMENT = 'User is not in segment';
export const isSegmentProperty = (property: string) => property === IN_SEGMENT || property === NOT_IN_SEGMENT;

// Every operator the server accepts (src/targeting/targeting-model.ts, FeatBit's OperatorTypes.cs).
export const OPERATORS: { value: string; label: string; group: string; takes: 'text' | 'list' | 'none' }[] = [
  { value: 'Equal', label: 'equals', group: 'Text', takes: 'text' },
  { value: 'NotEqual', label: 'does not equal', group: 'Text', takes: 'text' },
  { value: 'Contains', label: 'contains', group: 'Text', takes: 'text' },
  { value: 'NotContain', label: 'does not contain', group: 'Text', takes: 'text' },
  { value: 'StartsWith', label: 'starts with', group: 'Text', takes: 'text' },
  { value: 'EndsWith', label: 'ends with', group: 'Text', takes: 'text' },
  { value: 'MatchRegex', label: 'matches regex', group: 'Text', takes: 'text' },
  { value: 'NotMatchRegex', label: 'does not match regex', group: 'Text', takes: 'text' },
  { value: 'IsOneOf', label: 'is one of', group: 'List', takes: 'list' },
  { value: 'NotOneOf', label: 'is not one of', group: 'List', takes: 'list' },
  { value: 'LessThan', label: '< (number)', group: 'Number', takes: 'text' },
  { value: 'LessEqualThan', label: '≤ (number)', group: 'Number', takes: 'text' },
  { value: 'BiggerThan', label: '> (number)', group: 'Number', takes: 'text' },
  { value: 'BiggerEqualThan', label: '≥ (number)', group: 'Number', takes: 'text' },
  { value: 'IsTrue', label: 'is true', group: 'Boolean', takes: 'none' },
  { value: 'IsFalse', label: 'is false', group: 'Boolean', takes: 'none' },
];
export const OPERATOR_GROUPS = ['Text', 'List', 'Number', 'Boolean'].map((group) => ({
  group,
  items: OPERATORS.filter((o) => o.group === group).map((o) => ({ value: o.value, label: o.label })),
}));
export const takes = (op: string) => OPERATORS.find((o) => o.value === op)?.takes ?? 'text';

// A JSON array of strings (IsOneOf values, segment ids); [] when the text is not one.
export function listOf(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

// What the server would refuse, said before saving (it checks the same: src/targeting/targeting-model.ts).
export function conditionProblem(c: Condition): string | null {
  if (!c.property.trim()) return 'Choose a property.';
  if (isSegmentProperty(c.property)) return listOf(c.value).length === 0 ? 'Choose at least one segment.' : null;
  if (!OPERATORS.some((o) => o.value === c.op)) return 'Choose an operator.';
  if (c.op === 'MatchRegex' || c.op === 'NotMatchRegex') {
    try {
      new RegExp(c.value);
    } catch {
      return 'Not a valid regular expression.';
    }
  }
  return null;
}

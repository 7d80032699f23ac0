// A user's attribute as FeatBit's EndUser.ValueOf reads it: keyId and name are built in, the rest comes
// from customizedProperties (first of that name), and anything missing reads as "".
import type { EvalUser } from './model.ts';

export function valueOf(user: EvalUser, property: string): string {
  if (property === 'keyId') return user.keyId;
  if (property === 'name') return user.name ?? '';
  if (isBlank(property)) return '';
  const props = user.customizedProperties;
  if (props) {
    for (let i = 0; i < props.length; i++) {
      if (props[i].name === property) return props[i].value ?? '';
    }
  }
  return '';
}

// string.IsNullOrWhiteSpace: char.IsWhiteSpace's set.
const blank = /^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

export function isBlank(s: string | null | undefined): boolean {
  return s == null || blank.test(s);
}

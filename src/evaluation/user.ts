// A user's attribute as FeatBit's EndUser.ValueOf reads it: keyId and name are built in, the rest comes
// from customizedProperties (first of that name), and anything missing — or a blank property name — reads "".
import type { EvalUser } from './model.ts';

export type AttributeReader = (user: EvalUser) => string;

const empty: AttributeReader = () => '';
const keyId: AttributeReader = (user) => user.keyId;
const name: AttributeReader = (user) => user.name ?? '';

/** The reader of one property, chosen once when a condition is compiled. */
export function readerOf(property: string): AttributeReader {
  if (isBlank(property)) return empty;
  if (property === 'keyId') return keyId;
  if (property === 'name') return name;
  return (user) => {
    const props = user.customizedProperties;
    if (props) {
      for (let i = 0; i < props.length; i++) {
        if (props[i].name === property) return props[i].value ?? '';
      }
    }
    return '';
  };
}

// string.IsNullOrWhiteSpace: char.IsWhiteSpace's set.
const blank = /^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

export function isBlank(s: string | null | undefined): boolean {
  return s == null || blank.test(s);
}

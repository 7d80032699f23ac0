// Variations of a flag, checked per variation type. Values are stored as strings (as FeatBit
// does); a value must read back as its type: "true"/"false", a JSON number, any JSON text.

export const VARIATION_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export type VariationType = (typeof VARIATION_TYPES)[number];

export interface Variation {
  id: string;
  name: string;
  value: string;
}

export interface VariationInput {
  id?: string;
  name: string;
  value: string;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

export function validValue(type: VariationType, value: string): boolean {
  switch (type) {
    case 'boolean':
      return value === 'true' || value === 'false';
    case 'number':
      return JSON_NUMBER.test(value) && Number.isFinite(Number(value));
    case 'json':
      try {
        JSON.parse(value);
        return true;
      } catch {
        return false;
      }
    case 'string':
      return true;
  }
}

/** Error codes for a variation list, empty when it is valid for the type. */
export function variationErrors(type: VariationType, variations: readonly Variation[]): string[] {
  const errors = new Set<string>();
  if (variations.length < 2) errors.add('variations_is_invalid');
  if (new Set(variations.map((v) => v.id)).size !== variations.length) errors.add('variations_is_invalid');
  if (variations.some((v) => !validValue(type, v.value))) errors.add('value_is_invalid');
  // A boolean flag serves exactly true or false: one variation for each.
  if (type === 'boolean' && (variations.length !== 2 || new Set(variations.map((v) => v.value)).size !== 2)) errors.add('variations_is_invalid');
  return [...errors];
}

/** Gives each variation sent without an id a fresh one. */
export const withIds = (input: readonly VariationInput[], nextId: () => string): Variation[] => input.map((v) => ({ id: v.id ?? nextId(), name: v.name, value: v.value }));

/** A new boolean flag: on serves true, off serves false. */
export function defaultBooleanVariations(nextId: () => string): Variation[] {
  return [
    { id: nextId(), name: 'true', value: 'true' },
    { id: nextId(), name: 'false', value: 'false' },
  ];
}

/** When not given: a boolean flag serves its true variation when on and its false one when off; others the first and second. */
export function defaultServed(type: VariationType, variations: readonly Variation[]): { enabled: string; disabled: string } {
  if (type === 'boolean') {
    return { enabled: variations.find((v) => v.value === 'true')!.id, disabled: variations.find((v) => v.value === 'false')!.id };
  }
  return { enabled: variations[0].id, disabled: variations[1].id };
}

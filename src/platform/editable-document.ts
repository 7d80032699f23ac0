// A resource's editable fields as one JSON document that JSON Patch (RFC 6902) changes, checked against the
// schema of what may be edited: flags and segments take PATCH this way, each with its own schema.
import type { Static, TObject } from 'typebox';
import { Value } from 'typebox/value';
import { BadRequest } from './errors.ts';
import { applyPatch, type PatchOperation } from './json-patch.ts';

/** The fields of `row` that the schema lists, in its order: the document a patch applies to. */
export const editableOf = <S extends TObject>(schema: S, row: Static<S>): Static<S> =>
  Object.fromEntries(Object.keys(schema.properties).map((k) => [k, (row as Record<string, unknown>)[k]])) as Static<S>;

/**
 * `before` patched, and the fields that moved (in the schema's order). 400 with the patch's error code, or with
 * path_is_invalid for a field the schema does not list and `<field>_is_invalid` for each listed one that no longer fits.
 */
export function patchEditable<S extends TObject>(schema: S, before: Static<S>, operations: readonly PatchOperation[]): { after: Static<S>; moved: (keyof Static<S> & string)[] } {
  const patched = applyPatch(before, operations);
  if (!patched.ok) throw new BadRequest(patched.code);
  const doc = patched.value as Record<string, unknown>;
  const errors = Object.keys(doc)
    .filter((k) => !(k in schema.properties))
    .map(() => 'path_is_invalid');
  for (const [k, field] of Object.entries(schema.properties)) if (!Value.Check(field, doc[k])) errors.push(`${k}_is_invalid`);
  if (errors.length) throw new BadRequest(...new Set(errors));
  const old = before as Record<string, unknown>;
  const moved = Object.keys(schema.properties).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(doc[k]));
  return { after: doc as Static<S>, moved: moved as (keyof Static<S> & string)[] };
}

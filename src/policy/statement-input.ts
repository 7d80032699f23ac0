// Statements as a request hands them in: validated, bounded, and each given an id. Pure: the id source is a parameter.
import { validateStatements, type StatementsValidation } from './actions.ts';

export const MAX_STATEMENTS = 100;
/** Actions, and resources, per statement. */
export const MAX_STATEMENT_ITEMS = 100;

const KEPT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The statements of a body, or the stable error codes of what is wrong with them. A well-formed id is kept (clients
 * refer to statements by it); a missing or odd one is replaced by `newId()`.
 */
export function readStatements(input: unknown, newId: () => string): StatementsValidation {
  if (Array.isArray(input) && input.length > MAX_STATEMENTS) return { ok: false, errors: ['statements_is_too_long'] };
  const v = validateStatements(input);
  if (!v.ok) return v;
  for (const s of v.statements) {
    if (s.actions.length > MAX_STATEMENT_ITEMS) return { ok: false, errors: ['actions_is_too_long'] };
    if (s.resources.length > MAX_STATEMENT_ITEMS) return { ok: false, errors: ['resources_is_too_long'] };
  }
  return { ok: true, statements: v.statements.map((s) => ({ ...s, id: KEPT_ID.test(s.id) ? s.id : newId() })) };
}

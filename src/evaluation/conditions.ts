// A list of conditions compiled into one test; all must hold (an empty list holds for everyone).
import type { Condition, EvalUser } from './model.ts';
import { type CompiledOperator, compileOperator } from './operators.ts';
import { type AttributeReader, readerOf } from './user.ts';

export type CompiledConditions = (user: EvalUser) => boolean;

export function compileConditions(conditions: readonly Condition[]): CompiledConditions {
  const operators: CompiledOperator[] = conditions.map((c) => compileOperator(c.op, c.value));
  const readers: AttributeReader[] = conditions.map((c) => readerOf(c.property));
  return (user) => {
    for (let i = 0; i < operators.length; i++) {
      if (!operators[i].holds(readers[i](user))) return false;
    }
    return true;
  };
}

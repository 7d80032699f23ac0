// A list of conditions compiled into one test; all must hold (an empty list holds for everyone).
import type { Condition, EvalUser } from './model.ts';
import { compileCondition } from './operators.ts';
import { readerOf } from './user.ts';

export type CompiledConditions = (user: EvalUser) => boolean;

export function compileConditions(conditions: readonly Condition[]): CompiledConditions {
  const tests = conditions.map((c) => {
    const matches = compileCondition(c.op, c.value);
    const read = readerOf(c.property);
    return (user: EvalUser) => matches(read(user));
  });
  return (user) => {
    for (let i = 0; i < tests.length; i++) {
      if (!tests[i](user)) return false;
    }
    return true;
  };
}

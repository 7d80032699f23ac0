// A list of conditions compiled into one test; all must hold (an empty list holds for everyone).
import type { Condition, EvalUser } from './model.ts';
import { compileCondition } from './operators.ts';
import { valueOf } from './user.ts';

export type CompiledConditions = (user: EvalUser) => boolean;

export function compileConditions(conditions: readonly Condition[]): CompiledConditions {
  const tests = conditions.map((c) => {
    const matches = compileCondition(c.op, c.value);
    const property = c.property;
    return (user: EvalUser) => matches(valueOf(user, property));
  });
  return (user) => {
    for (let i = 0; i < tests.length; i++) {
      if (!tests[i](user)) return false;
    }
    return true;
  };
}

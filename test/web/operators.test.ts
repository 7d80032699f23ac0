// The targeting editor's operator picker and its checks against the server's own
// (web/src/pages/targeting/operators.ts vs src/targeting/targeting-model.ts).
import { describe, expect, it } from 'vitest';
import { OPERATORS as SERVER_OPERATORS, segmentRuleErrors, targetingErrors } from '../../src/targeting/targeting-model.ts';
import { conditionProblem, OPERATORS } from '../../web/src/pages/targeting/operators.ts';

describe('the operator picker', () => {
  it('offers exactly the operators the server accepts, each once', () => {
    expect(OPERATORS.map((o) => o.value).sort()).toEqual([...SERVER_OPERATORS].sort());
  });

  it('refuses before saving exactly the attribute conditions the server refuses', () => {
    const cases = [
      ...SERVER_OPERATORS.map((op) => ({ property: 'plan', op, value: op === 'IsOneOf' || op === 'NotOneOf' ? '["a"]' : 'a' })),
      { property: 'plan', op: 'Unknown', value: 'a' },
      { property: 'email', op: 'MatchRegex', value: '(' },
      { property: 'email', op: 'NotMatchRegex', value: '^[a-z]+@acme\\.test$' },
      { property: 'plan', op: 'IsOneOf', value: '[]' },
    ];
    for (const c of cases) {
      const server = segmentRuleErrors([{ id: 'r', name: '', conditions: [c] }]);
      expect({ c, refused: conditionProblem(c) !== null }).toEqual({ c, refused: server.length > 0 });
    }
  });

  it('asks for at least one segment where the server asks for known segment ids', () => {
    const known = new Set(['s1']);
    for (const value of ['[]', '["s1"]']) {
      const c = { property: 'User is in segment', op: '', value };
      const server = targetingErrors(
        {
          targetUsers: [],
          rules: [{ id: 'r', name: '', dispatchKey: null, includedInExpt: false, conditions: [c], variations: [{ id: 'v', rollout: [0, 1], exptRollout: 1 }] }],
          fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'v', rollout: [0, 1], exptRollout: 1 }] },
          exptIncludeAllTargets: false,
        },
        new Set(['v']),
        (id) => known.has(id),
      );
      expect(conditionProblem(c) !== null).toBe(server.length > 0);
    }
  });
});

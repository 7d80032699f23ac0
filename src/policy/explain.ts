// Why an action on a resource is allowed or refused ("why was this refused?").
//
// A request is checked against one or more layers of statements and is allowed only when every layer allows it
// (a member: their own statements; a personal token: its own statements and its owner's current ones). Each layer
// is decided by `decisive` (evaluate.ts), the function `allowed` is made of, so the answer here is the decision
// itself with its reasons attached, never a second reading of the rule.
//
// What limited a refusal, in this order: a deny statement in any layer ("deny": deny wins); no layer allowing it
// ("no-allow"); only the token's own statements lacking an allow ("token"); only the owner's lacking one ("owner").

import { decisive } from './evaluate.ts';
import { formatRn, type Rn } from './rn.ts';
import type { Statement } from './statement.ts';

/** Whose statements a layer holds: a member's, a personal token owner's, a token's own, or policies given inline. */
export type LayerRole = 'member' | 'owner' | 'token' | 'policies';

export interface ExplainPolicy {
  /** Null for a token's own statements, or a policy given inline without an id. */
  id: string | null;
  name: string | null;
  statements: readonly Statement[];
}

export interface ExplainLayer {
  role: LayerRole;
  policies: readonly ExplainPolicy[];
  /** Decides like any layer, but its policies and statements are never named (the asker may not read them). */
  hidden?: boolean;
}

export type LimitedBy = 'token' | 'owner' | 'deny' | 'no-allow';

export interface Deciding {
  layer: LayerRole;
  policyId: string | null;
  /** 0-based, within the policy's statements. */
  statementIndex: number;
}

export interface Explanation {
  allowed: boolean;
  reason: string;
  /** The statement that settled it (a deny, or an allow); null when nothing matched, or it is in a hidden layer. */
  deciding: Deciding | null;
  limitedBy: LimitedBy | null;
}

interface Verdict {
  layer: ExplainLayer;
  effect: 'allow' | 'deny' | null;
  policy: ExplainPolicy | null;
  policyIndex: number;
  statementIndex: number;
}

function judge(layer: ExplainLayer, action: string, name: Rn): Verdict {
  const statements: Statement[] = [];
  const origin: [number, number][] = [];
  layer.policies.forEach((policy, p) =>
    policy.statements.forEach((statement, s) => {
      statements.push(statement);
      origin.push([p, s]);
    }),
  );
  const found = decisive(statements, action, name);
  if (found === null) return { layer, effect: null, policy: null, policyIndex: -1, statementIndex: -1 };
  const [p, s] = origin[found.index];
  return { layer, effect: found.effect, policy: layer.policies[p], policyIndex: p, statementIndex: s };
}

const deciding = (v: Verdict): Deciding | null => (v.layer.hidden || v.policy === null ? null : { layer: v.layer.role, policyId: v.policy.id, statementIndex: v.statementIndex });

const WHOSE: Record<LayerRole, string> = {
  member: "the member's policies",
  owner: "the token owner's current policies",
  token: "the token's own statements",
  policies: 'the given policies',
};

function where(v: Verdict): string {
  if (v.layer.hidden) return `a statement in ${WHOSE[v.layer.role]}`;
  const n = `statement ${v.statementIndex + 1}`;
  if (v.layer.role === 'token') return `${n} of the token's own statements`;
  const policy = v.policy!;
  const label = policy.name !== null ? `"${policy.name}"` : policy.id !== null ? policy.id : `${v.policyIndex + 1}`;
  return `${n} of policy ${label}`;
}

export function explain(layers: readonly ExplainLayer[], action: string, name: Rn): Explanation {
  const what = `${action} on ${formatRn(name)}`;
  const verdicts = layers.map((layer) => judge(layer, action, name));

  const denied = verdicts.find((v) => v.effect === 'deny');
  if (denied) {
    return { allowed: false, reason: `Refused: ${where(denied)} denies ${what}, and a deny wins over any allow.`, deciding: deciding(denied), limitedBy: 'deny' };
  }
  const lacking = verdicts.filter((v) => v.effect === null);
  if (verdicts.length === 0 || lacking.length === verdicts.length) {
    return { allowed: false, reason: `Refused: no statement allows ${what}, and nothing is allowed unless a statement allows it.`, deciding: null, limitedBy: 'no-allow' };
  }
  if (lacking.length > 0) {
    const role = lacking[0].layer.role;
    const limitedBy: LimitedBy = role === 'token' ? 'token' : role === 'owner' ? 'owner' : 'no-allow';
    const reason =
      role === 'token'
        ? `Refused: the token's own statements do not allow ${what}, although its owner could do it.`
        : role === 'owner'
          ? `Refused: the token's owner may not do ${what} now, and a personal token never does more than its owner.`
          : `Refused: ${WHOSE[role]} do not allow ${what}.`;
    return { allowed: false, reason, deciding: null, limitedBy };
  }
  // Every layer allows it: name the narrowest visible one (a token's own statements come after its owner's).
  const shown = [...verdicts].reverse().find((v) => !v.layer.hidden) ?? verdicts[verdicts.length - 1];
  const others =
    verdicts.length > 1
      ? `, and ${verdicts
          .filter((v) => v !== shown)
          .map((v) => WHOSE[v.layer.role])
          .join(' and ')} allow it too`
      : '';
  return { allowed: true, reason: `Allowed: ${where(shown)} allows ${what}${others}.`, deciding: deciding(shown), limitedBy: null };
}

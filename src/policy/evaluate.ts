// Deciding whether a set of statements allows an action on a resource.
//
// The rule (02-iam.md): collect the statements that cover the action and have a
// pattern matching the RN; none collected → denied; any deny collected → denied;
// otherwise allowed. `allowed` states the rule directly; `compilePolicy` + `decide`
// give the same answer from a precomputed index and are what requests use; `decisive` names the statement
// behind `allowed`'s answer.
// Patterns that do not parse match nothing. An effect other than `allow` is
// treated as `deny`, so corrupt data fails closed.

import { expandActions } from './actions.ts';
import { matches, parsePattern, type Pattern, type Rn } from './rn.ts';
import type { Statement } from './statement.ts';

/** Which statement settles a decision: its position in the list and its effect. */
export interface Decisive {
  readonly index: number;
  readonly effect: 'allow' | 'deny';
}

/**
 * The statement that decides: the first collected deny (deny wins), else the first collected allow; null when
 * nothing is collected. `allowed` is this with the attribution dropped, so an explanation (explain.ts) is the
 * very decision, not a second reading of the rule.
 */
export function decisive(statements: readonly Statement[], action: string, name: Rn): Decisive | null {
  let allow = -1;
  for (let i = 0; i < statements.length; i++) {
    const statement = statements[i];
    if (!expandActions(statement.resourceType, statement.actions).has(action)) continue;
    const hit = statement.resources.some((text) => {
      const pattern = parsePattern(text);
      return pattern !== null && matches(pattern, name);
    });
    if (!hit) continue;
    if (statement.effect !== 'allow') return { index: i, effect: 'deny' };
    if (allow < 0) allow = i;
  }
  return allow < 0 ? null : { index: allow, effect: 'allow' };
}

export function allowed(statements: readonly Statement[], action: string, name: Rn): boolean {
  return decisive(statements, action, name)?.effect === 'allow';
}

// Patterns of one effect for one action, bucketed by their first segment so a
// decision only looks at patterns that can match the RN's first segment.
export interface PatternIndex {
  /** A `*` pattern is present: every RN matches. */
  readonly all: boolean;
  /** First segment type → exact first key → patterns. */
  readonly byHead: ReadonlyMap<string, ReadonlyMap<string, readonly Pattern[]>>;
  /** First segment type → patterns whose first key is a glob. */
  readonly byHeadType: ReadonlyMap<string, readonly Pattern[]>;
}

export interface ActionRules {
  readonly deny: PatternIndex;
  readonly allow: PatternIndex;
}

export interface CompiledPolicy {
  readonly byAction: ReadonlyMap<string, ActionRules>;
}

const EMPTY: readonly Pattern[] = Object.freeze([]);

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function indexPatterns(patterns: readonly Pattern[]): PatternIndex {
  const byHead = new Map<string, Map<string, Pattern[]>>();
  const byHeadType = new Map<string, Pattern[]>();
  let all = false;
  for (const pattern of patterns) {
    if (pattern.all) {
      all = true;
      continue;
    }
    const head = pattern.segments[0];
    const list =
      head.key.kind === 'exact'
        ? entry(
            entry(byHead, head.type, () => new Map<string, Pattern[]>()),
            head.key.text,
            () => [],
          )
        : entry(byHeadType, head.type, () => []);
    list.push(pattern);
  }
  return { all, byHead, byHeadType };
}

// Statement matching is "any pattern matches", and deny wins over allow, so a
// policy reduces to two pattern sets per action: it is denied if a deny pattern
// matches, else allowed if an allow pattern matches.
export function compilePolicy(statements: readonly Statement[]): CompiledPolicy {
  const collected = new Map<string, { deny: Map<string, Pattern>; allow: Map<string, Pattern> }>();
  for (const statement of statements) {
    const patterns = statement.resources.map(parsePattern).filter((p): p is Pattern => p !== null);
    if (patterns.length === 0) continue;
    const effect = statement.effect === 'allow' ? 'allow' : 'deny';
    for (const action of expandActions(statement.resourceType, statement.actions)) {
      const rules = entry(collected, action, () => ({ deny: new Map<string, Pattern>(), allow: new Map<string, Pattern>() }));
      // Keyed by text: the same pattern granted by several policies is tested once.
      for (const pattern of patterns) rules[effect].set(pattern.text, pattern);
    }
  }
  const byAction = new Map<string, ActionRules>();
  for (const [action, rules] of collected) {
    byAction.set(action, {
      deny: indexPatterns([...rules.deny.values()]),
      allow: indexPatterns([...rules.allow.values()]),
    });
  }
  return { byAction };
}

function anyMatches(list: readonly Pattern[], name: Rn): boolean {
  for (let i = 0; i < list.length; i++) {
    if (matches(list[i], name)) return true;
  }
  return false;
}

function indexMatches(index: PatternIndex, name: Rn): boolean {
  if (index.all) return true;
  const head = name.segments[0];
  if (head === undefined) return false;
  const exact = index.byHead.get(head.type)?.get(head.key) ?? EMPTY;
  return anyMatches(exact, name) || anyMatches(index.byHeadType.get(head.type) ?? EMPTY, name);
}

export function decide(policy: CompiledPolicy, action: string, name: Rn): boolean {
  const rules = policy.byAction.get(action);
  if (rules === undefined) return false;
  if (indexMatches(rules.deny, name)) return false;
  return indexMatches(rules.allow, name);
}

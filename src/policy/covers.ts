// covers(S, T): every (action, RN) that T allows, S allows too. It guards every
// grant (token creation, saving a policy, attaching one), so when unsure it says no.
//
// How, for each allow statement t of T, each concrete action a it grants and each
// of its patterns p (T's deny statements only narrow T, so they are ignored):
// - some allow statement of S that grants a has a pattern q containing p, and
// - no deny statement of S that grants a has a pattern overlapping p.
// Where only a union would contain p (several q's, or several tag globs of one q
// each holding some of p's tags) the answer is "no": conservative, never unsound.
//
// Typed universe: decisions are only made for an action against an RN of that
// action's resource type, shaped as RN_SHAPE says (flag actions against
// `project/k:env/k:flag/k;tags`, project actions against `project/k`, ...; a key
// may be a literal `*` for collection checks; only flags and segments carry tags).
// So before comparing, patterns are read as the set of such RNs they match:
// - `*`, and a prefix like `project/web`, become the full shape with `*` keys
//   (`project/web` for a flag action is `project/web:env/*:flag/*`);
// - a pattern whose types leave the shape, or with tags for an untagged type,
//   matches nothing of that type: in T it grants nothing, in S it contains nothing.
// Two deliberate exceptions read a T pattern untyped (q must contain it as text):
// - `*` in a statement whose resourceType is `*`: it reaches every resource type,
//   present and future, so only an S pattern `*` contains it. This is what makes
//   only an Owner able to grant Owner (02-iam.md), though Administrator reaches
//   the same resources today.
// - a pattern longer than the action's shape but starting with it (`project/web:env/*`
//   for CreateEnv): the spec's collection rule may have a route check such an RN,
//   so the grant is judged on text rather than waved through as matching nothing.
//   For the same reason a deny pattern longer than the shape is cut to the shape.
//
// Typed containment: keys compared glob by glob (globContains, exact); if q has
// tags, p must have tags, each inside one of q's tag globs. Overlap with a deny:
// every key pair overlaps (tags can always be satisfied together on one RN).

import { expandActions, actionType } from './actions.ts';
import { globContains, globsOverlap, type Glob } from './glob.ts';
import { parsePattern, type Pattern } from './rn.ts';
import type { ResourceType, Statement } from './statement.ts';

export const RN_SHAPE: Readonly<Record<ResourceType, readonly string[]>> = Object.freeze({
  organization: Object.freeze(['organization']),
  iam: Object.freeze(['iam']),
  'access-token': Object.freeze(['access-token']),
  project: Object.freeze(['project']),
  env: Object.freeze(['project', 'env']),
  flag: Object.freeze(['project', 'env', 'flag']),
  segment: Object.freeze(['project', 'env', 'segment']),
});

const TAGGED: ReadonlySet<ResourceType> = new Set<ResourceType>(['flag', 'segment']);

// A pattern read in the typed universe of one resource type: one key glob per
// segment of the shape (types are implied), plus tag globs.
interface Typed {
  readonly keys: readonly Glob[];
  readonly tags: readonly Glob[];
}

const ANY_KEY: readonly Glob[] = Object.freeze([]);

function fitsShape(pattern: Pattern, shape: readonly string[], length: number): boolean {
  for (let i = 0; i < length; i++) {
    if (pattern.segments[i].type !== shape[i]) return false;
  }
  return true;
}

// Null when the pattern matches no RN of this type.
function typed(pattern: Pattern, type: ResourceType): Typed | null {
  const shape = RN_SHAPE[type];
  if (pattern.all) return { keys: ANY_KEY, tags: [] };
  if (pattern.segments.length > shape.length) return null;
  if (!fitsShape(pattern, shape, pattern.segments.length)) return null;
  if (pattern.tags.length > 0 && !TAGGED.has(type)) return null;
  return { keys: pattern.segments.map((s) => s.key), tags: pattern.tags };
}

// For denies: a deny longer than the shape but starting with it is cut to the
// shape, tags dropped, so it overlaps at least everything it could really deny.
function typedForDeny(pattern: Pattern, type: ResourceType): Typed | null {
  const shape = RN_SHAPE[type];
  if (pattern.all || pattern.segments.length <= shape.length) return typed(pattern, type);
  if (!fitsShape(pattern, shape, shape.length)) return null;
  return { keys: pattern.segments.slice(0, shape.length).map((s) => s.key), tags: [] };
}

// Keys missing at the end of a typed pattern stand for `*`.
function typedContains(q: Typed, p: Typed): boolean {
  if (q.keys.length > p.keys.length) {
    // p's missing keys are `*`; only a `*` key of q contains them.
    for (let i = p.keys.length; i < q.keys.length; i++) {
      if (q.keys[i].kind !== 'any') return false;
    }
  }
  const shared = Math.min(q.keys.length, p.keys.length);
  for (let i = 0; i < shared; i++) {
    if (!globContains(q.keys[i], p.keys[i])) return false;
  }
  return tagsContain(q.tags, p.tags);
}

function tagsContain(outer: readonly Glob[], inner: readonly Glob[]): boolean {
  if (outer.length === 0) return true;
  if (inner.length === 0) return false;
  return inner.every((tag) => outer.some((wider) => globContains(wider, tag)));
}

// Tags never prevent an overlap: an RN may carry one tag for each side.
function typedOverlap(a: Typed, b: Typed): boolean {
  const shared = Math.min(a.keys.length, b.keys.length);
  for (let i = 0; i < shared; i++) {
    if (!globsOverlap(a.keys[i], b.keys[i])) return false;
  }
  return true;
}

function untypedContains(q: Pattern, p: Pattern): boolean {
  if (q.all) return true;
  if (p.all || q.segments.length > p.segments.length) return false;
  for (let i = 0; i < q.segments.length; i++) {
    if (q.segments[i].type !== p.segments[i].type || !globContains(q.segments[i].key, p.segments[i].key)) return false;
  }
  return tagsContain(q.tags, p.tags);
}

function untypedOverlap(a: Pattern, b: Pattern): boolean {
  if (a.all || b.all) return true;
  const shared = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < shared; i++) {
    if (a.segments[i].type !== b.segments[i].type || !globsOverlap(a.segments[i].key, b.segments[i].key)) return false;
  }
  return true;
}

// What S says about one action, read for that action's resource type. Actions
// granted by exactly the same S statements share one of these (and its verdicts).
interface ActionView {
  readonly id: string;
  readonly type: ResourceType;
  readonly allow: readonly Pattern[];
  readonly deny: readonly Pattern[];
  readonly allowTyped: readonly Typed[];
  readonly denyTyped: readonly Typed[];
}

interface PreparedStatement {
  readonly allow: boolean;
  readonly actions: ReadonlySet<string>;
  readonly patterns: readonly Pattern[];
}

function parsed(texts: readonly string[]): Pattern[] {
  return texts.map(parsePattern).filter((p): p is Pattern => p !== null);
}

function uniqueByText(patterns: Iterable<Pattern>): Pattern[] {
  return [...new Map([...patterns].map((p) => [p.text, p] as const)).values()];
}

function viewOf(S: readonly PreparedStatement[], action: string, type: ResourceType, id: string): ActionView {
  const granting = S.filter((s) => s.actions.has(action));
  const allow = uniqueByText(granting.filter((s) => s.allow).flatMap((s) => s.patterns));
  const deny = uniqueByText(granting.filter((s) => !s.allow).flatMap((s) => s.patterns));
  const allowTyped = allow.map((q) => typed(q, type)).filter((q): q is Typed => q !== null);
  // Broad patterns first: they are the likeliest to contain p.
  allowTyped.sort((a, b) => a.keys.length - b.keys.length);
  const denyTyped = deny.map((r) => typedForDeny(r, type)).filter((r): r is Typed => r !== null);
  return { id, type, allow, deny, allowTyped, denyTyped };
}

// Whether S, seen through one action view, allows everything T's pattern p grants.
function patternCovered(view: ActionView, p: Pattern, untyped: boolean): boolean {
  if (untyped) {
    return !view.deny.some((r) => untypedOverlap(r, p)) && view.allow.some((q) => untypedContains(q, p));
  }
  const tp = typed(p, view.type);
  // Grants nothing for this action.
  if (tp === null) return true;
  return !view.denyTyped.some((r) => typedOverlap(r, tp)) && view.allowTyped.some((q) => typedContains(q, tp));
}

export function covers(S: readonly Statement[], T: readonly Statement[]): boolean {
  const prepared: PreparedStatement[] = S.map((s) => ({
    // Anything but allow counts as deny, as in evaluate.ts.
    allow: s.effect === 'allow',
    actions: expandActions(s.resourceType, s.actions),
    patterns: parsed(s.resources),
  }));
  // Memos live for this call only: T's many actions and repeated patterns are judged once.
  const views = new Map<string, ActionView>();
  const viewByAction = new Map<string, ActionView>();
  const verdicts = new Map<string, boolean>();

  const viewFor = (action: string): ActionView => {
    const known = viewByAction.get(action);
    if (known !== undefined) return known;
    const type = actionType(action)!;
    const granting = prepared.flatMap((s, i) => (s.actions.has(action) ? [i] : []));
    const signature = `${type}:${granting.join(',')}`;
    const view = views.get(signature) ?? viewOf(prepared, action, type, String(views.size));
    views.set(signature, view);
    viewByAction.set(action, view);
    return view;
  };

  for (const t of T) {
    if (t.effect !== 'allow') continue;
    const patterns = uniqueByText(parsed(t.resources));
    for (const action of expandActions(t.resourceType, t.actions)) {
      const view = viewFor(action);
      const shape = RN_SHAPE[view.type];
      for (const p of patterns) {
        const untyped = (p.all && t.resourceType === '*') || (p.segments.length > shape.length && fitsShape(p, shape, shape.length));
        const key = `${view.id}|${untyped ? 'u' : 't'}|${p.text}`;
        let verdict = verdicts.get(key);
        if (verdict === undefined) {
          verdict = patternCovered(view, p, untyped);
          verdicts.set(key, verdict);
        }
        if (!verdict) return false;
      }
    }
  }
  return true;
}

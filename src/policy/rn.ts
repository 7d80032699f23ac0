// Resource names (RN) and the resource patterns of statements.
//
// Syntax: segments `type/key` joined by `:`; the last segment may carry tags
// after `;`, comma-separated (`project/web:env/prod:flag/checkout;beta,pay`).
// Types are `[a-z][a-z0-9-]*`; keys and tags are non-empty and never contain
// `:`, `;`, `,`, `/` or control characters. At most 16 segments, 1024 chars.
// In an RN `*` is an ordinary key character (collection checks use `flag/*`).
//
// Matching (decided; evaluate.ts and covers.ts rely on exactly this):
// - The pattern `*` alone matches every RN, whatever its tags. (`*;tag` is malformed.)
// - Otherwise segment i of the pattern matches segment i of the RN when the
//   types are equal (types are literal, never globs) and the key glob matches
//   the key; `*` in a key or tag glob is any run of characters, possibly empty.
// - Fewer pattern segments than the RN: matches as a prefix. More: never matches.
// - Tags are written on the pattern's last segment but test the RN's tag list
//   whatever the segment counts: a pattern with tags matches only when some of
//   its tag globs matches some RN tag. A pattern without tags ignores tags.
// RNs are matched in parsed form, so a glob can never reach across a separator.

import { compileGlob, globMatches, type Glob } from './glob.ts';

export interface RnSegment {
  type: string;
  key: string;
}

export interface Rn {
  segments: RnSegment[];
  tags: string[];
}

export interface PatternSegment {
  readonly type: string;
  readonly key: Glob;
}

export interface Pattern {
  /** The text the pattern was parsed from. */
  readonly text: string;
  /** True for the pattern `*` alone. */
  readonly all: boolean;
  readonly segments: readonly PatternSegment[];
  readonly tags: readonly Glob[];
}

export const MAX_SEGMENTS = 16;
export const MAX_LENGTH = 1024;

const TYPE = /^[a-z][a-z0-9-]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a resource name may not contain.
const NAME = /^[^:;,/\u0000-\u001f\u007f]+$/;

function segment(type: string, key: string): RnSegment {
  return { type, key };
}

// Builders take keys as stored; matching works on these parts, never on text,
// so an odd key cannot smuggle in extra segments.
export const rn = Object.freeze({
  organization: (orgKey: string): Rn => ({ segments: [segment('organization', orgKey)], tags: [] }),
  iam: (orgKey: string): Rn => ({ segments: [segment('iam', orgKey)], tags: [] }),
  accessToken: (tokenId: string): Rn => ({ segments: [segment('access-token', tokenId)], tags: [] }),
  project: (projectKey: string): Rn => ({ segments: [segment('project', projectKey)], tags: [] }),
  env: (projectKey: string, envKey: string): Rn => ({
    segments: [segment('project', projectKey), segment('env', envKey)],
    tags: [],
  }),
  flag: (projectKey: string, envKey: string, flagKey: string, tags: readonly string[] = []): Rn => ({
    segments: [segment('project', projectKey), segment('env', envKey), segment('flag', flagKey)],
    tags: [...tags],
  }),
  segment: (projectKey: string, envKey: string, segmentKey: string, tags: readonly string[] = []): Rn => ({
    segments: [segment('project', projectKey), segment('env', envKey), segment('segment', segmentKey)],
    tags: [...tags],
  }),
});

export function formatRn(name: Rn): string {
  const body = name.segments.map((s) => `${s.type}/${s.key}`).join(':');
  return name.tags.length > 0 ? `${body};${name.tags.join(',')}` : body;
}

// Shared by RNs and patterns: the syntax is the same, only the reading of `*` differs.
function split(text: unknown): { segments: RnSegment[]; tags: string[] } | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_LENGTH) return null;
  const semicolon = text.indexOf(';');
  const body = semicolon < 0 ? text : text.slice(0, semicolon);
  const tags = semicolon < 0 ? [] : text.slice(semicolon + 1).split(',');
  if (!tags.every((tag) => NAME.test(tag))) return null;
  const parts = body.split(':');
  if (parts.length > MAX_SEGMENTS) return null;
  const segments: RnSegment[] = [];
  for (const part of parts) {
    const slash = part.indexOf('/');
    if (slash < 0) return null;
    const type = part.slice(0, slash);
    const key = part.slice(slash + 1);
    // NAME rejects a second `/` in the key; TYPE rejects an empty type.
    if (!TYPE.test(type) || !NAME.test(key)) return null;
    segments.push({ type, key });
  }
  return { segments, tags };
}

// Null for anything malformed; never throws.
export function parseRn(text: string): Rn | null {
  return split(text);
}

const ALL: Pattern = Object.freeze({ text: '*', all: true, segments: Object.freeze([]), tags: Object.freeze([]) });

// Null for anything malformed; never throws.
export function parsePattern(text: string): Pattern | null {
  if (text === '*') return ALL;
  const parsed = split(text);
  if (parsed === null) return null;
  return {
    text,
    all: false,
    segments: parsed.segments.map((s) => ({ type: s.type, key: compileGlob(s.key) })),
    tags: parsed.tags.map(compileGlob),
  };
}

// Hot path of every decision: plain loops, no allocation.
export function matches(pattern: Pattern, name: Rn): boolean {
  if (pattern.all) return true;
  const ps = pattern.segments;
  const rs = name.segments;
  if (ps.length > rs.length) return false;
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].type !== rs[i].type || !globMatches(ps[i].key, rs[i].key)) return false;
  }
  const wanted = pattern.tags;
  if (wanted.length === 0) return true;
  const tags = name.tags;
  for (let i = 0; i < wanted.length; i++) {
    for (let j = 0; j < tags.length; j++) {
      if (globMatches(wanted[i], tags[j])) return true;
    }
  }
  return false;
}

// The keys resources can have (02-iam.md): organization keys are lower-case slugs, token ids are ids, project,
// environment, flag and segment keys and tags follow the key grammar. A pattern outside them can match nothing.
const PATTERN_KEY: Readonly<Record<string, RegExp>> = Object.freeze({
  organization: /^[a-z0-9*-]+$/,
  iam: /^[a-z0-9*-]+$/,
  'access-token': /^[A-Za-z0-9*-]+$/,
  project: /^[A-Za-z0-9._*-]+$/,
  env: /^[A-Za-z0-9._*-]+$/,
  flag: /^[A-Za-z0-9._*-]+$/,
  segment: /^[A-Za-z0-9._*-]+$/,
});
const PATTERN_TAG = /^[A-Za-z0-9._*-]+$/;
// The RN shapes, as type sequences a pattern may be a prefix of.
const SHAPES: readonly (readonly string[])[] = [['organization'], ['iam'], ['access-token'], ['project', 'env', 'flag'], ['project', 'env', 'segment']];

/**
 * Whether some resource could ever match this pattern: its segments follow an RN shape from the start, and every
 * key and tag uses only characters such resources' keys can have. A statement naming anything else (a typo, a space,
 * upper case in an organization key) is refused when saved, so that a mistyped deny is never silently ineffective.
 */
export function patternCanMatch(text: string): boolean {
  const pattern = parsePattern(text);
  if (pattern === null) return false;
  if (pattern.all) return true;
  const parsed = split(text)!;
  const types = parsed.segments.map((s) => s.type);
  if (!SHAPES.some((shape) => types.length <= shape.length && types.every((t, i) => shape[i] === t))) return false;
  return parsed.segments.every((s) => PATTERN_KEY[s.type].test(s.key)) && parsed.tags.every((tag) => PATTERN_TAG.test(tag));
}

// Globs inside one key or tag of a resource pattern: `*` is the only wildcard
// and stands for any run of characters (possibly empty).
//
// A glob is compiled once into its literal pieces, so matching is a handful of
// string comparisons: no RegExp, no allocation per call. All globs share one
// object shape (every field present) so the matcher's call sites stay monomorphic.

export type GlobKind = 'exact' | 'any' | 'prefix' | 'suffix' | 'general';

export interface Glob {
  /** Source text with runs of `*` collapsed to one. */
  readonly text: string;
  readonly kind: GlobKind;
  /** Literal before the first `*` (the whole text when exact). */
  readonly prefix: string;
  /** Literal after the last `*`. */
  readonly suffix: string;
  /** Literals between stars, in order, each non-empty. */
  readonly middle: readonly string[];
  /** Shortest string the glob can match. */
  readonly minLength: number;
}

export function compileGlob(source: string): Glob {
  const text = source.replace(/\*{2,}/g, '*');
  const parts = text.split('*');
  if (parts.length === 1) {
    return { text, kind: 'exact', prefix: text, suffix: '', middle: [], minLength: text.length };
  }
  const prefix = parts[0];
  const suffix = parts[parts.length - 1];
  const middle = parts.slice(1, -1);
  const minLength = prefix.length + suffix.length + middle.reduce((n, m) => n + m.length, 0);
  const kind: GlobKind = text === '*' ? 'any' : parts.length === 2 && suffix === '' ? 'prefix' : parts.length === 2 && prefix === '' ? 'suffix' : 'general';
  return { text, kind, prefix, suffix, middle, minLength };
}

export function globMatches(glob: Glob, s: string): boolean {
  switch (glob.kind) {
    case 'exact':
      return s === glob.prefix;
    case 'any':
      return true;
    case 'prefix':
      return s.startsWith(glob.prefix);
    case 'suffix':
      return s.endsWith(glob.suffix);
    case 'general': {
      if (s.length < glob.minLength || !s.startsWith(glob.prefix) || !s.endsWith(glob.suffix)) return false;
      // Leftmost placement of each middle literal is optimal: it leaves the most room for the rest.
      let at = glob.prefix.length;
      const end = s.length - glob.suffix.length;
      for (const literal of glob.middle) {
        const found = s.indexOf(literal, at);
        if (found < 0 || found + literal.length > end) return false;
        at = found + literal.length;
      }
      return true;
    }
  }
}

// Every string `inner` matches, `outer` matches too. Exact for `*`-only globs:
// `outer` must match `inner`'s text where each `*` of `inner` can only be
// consumed by a `*` of `outer`. Plain matching does exactly that, because a
// literal of `outer` never contains `*` and so never consumes one.
export function globContains(outer: Glob, inner: Glob): boolean {
  return globMatches(outer, inner.text);
}

// Some string matches both. Two globs with stars share a string iff their
// literal prefixes agree and their literal suffixes agree: the stars absorb
// every middle literal of the other glob.
export function globsOverlap(a: Glob, b: Glob): boolean {
  if (a.kind === 'exact') return globMatches(b, a.text);
  if (b.kind === 'exact') return globMatches(a, b.text);
  const prefixesAgree = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixesAgree = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return prefixesAgree && suffixesAgree;
}

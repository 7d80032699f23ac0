// IPv4 and IPv6 addresses and CIDR ranges, parsed strictly and matched with integer arithmetic, no I/O.
// A network-bound token keeps a compiled CidrSet in its cache entry, so a request costs one address parse and
// a few comparisons. An IPv4-mapped IPv6 address (::ffff:10.0.0.1, what a dual-stack socket reports) is
// matched as the IPv4 address it carries.

/** One range: an IPv4 range uses word 3 only; `bits` is the prefix length. */
export interface Cidr {
  v6: boolean;
  /** The network, as four 32-bit words (IPv4: [0, 0, 0, addr]). */
  words: readonly [number, number, number, number];
  bits: number;
  /** The canonical text: `10.0.0.0/8`, `2001:db8::/32`. */
  text: string;
}

type Words = [number, number, number, number];

const dec = (c: number) => c >= 48 && c <= 57;

/** `a.b.c.d` → a 32-bit unsigned integer; null unless four decimal parts 0–255 without leading zeros. */
function parseV4(s: string, from = 0, to = s.length): number | null {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || parts === 4) return null;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (dec(c)) {
      // No leading zeros: "010" is octal to some parsers and decimal to others.
      if (digits > 0 && part === 0) return null;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else return null;
  }
  return parts === 4 ? value : null;
}

function hexValue(c: number): number {
  if (dec(c)) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** RFC 4291 text (hex groups, one `::`, an optional trailing IPv4) → four words; null when malformed. One pass, one buffer. */
function parseV6(s: string): Words | null {
  if (s.length < 2 || s.length > 45) return null;
  const g = new Uint16Array(8);
  let n = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
  }
  while (i < s.length) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 58) break;
      // A dotted IPv4 fills the last two groups.
      if (c === 46) {
        digits = -1;
        break;
      }
      const h = hexValue(c);
      if (h < 0 || ++digits > 4) return null;
      value = value * 16 + h;
    }
    if (digits === -1) {
      const v4 = parseV4(s, i, s.length);
      if (v4 === null || n > 6) return null;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      break;
    }
    if (digits === 0 || n === 8) return null;
    g[n++] = value;
    if (j === s.length) break;
    // One colon separates groups; two mark the gap (only once), and may end the address.
    if (s.charCodeAt(j + 1) === 58) {
      if (gap !== -1) return null;
      gap = n;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === s.length) return null;
    }
  }
  if (gap === -1 ? n !== 8 : n > 7) return null;
  if (gap !== -1) {
    // Move the groups after the gap to the end, and zero the gap.
    const tail = n - gap;
    for (let k = 1; k <= tail; k++) g[8 - k] = g[n - k];
    for (let k = gap; k < 8 - tail; k++) g[k] = 0;
  }
  return [(g[0] * 65536 + g[1]) >>> 0, (g[2] * 65536 + g[3]) >>> 0, (g[4] * 65536 + g[5]) >>> 0, (g[6] * 65536 + g[7]) >>> 0];
}

const isMapped = (w: Words) => w[0] === 0 && w[1] === 0 && w[2] === 0xffff;

/**
 * An address as matched: IPv4 → [false, n], IPv6 → [true, words], an IPv4-mapped IPv6 address → its IPv4.
 * A zone id (`fe80::1%eth0`) is dropped. Null for anything else, which no range matches.
 */
export function parseAddress(text: string | undefined): { v6: boolean; words: Words } | null {
  if (!text) return null;
  if (text.indexOf(':') === -1) {
    const v4 = parseV4(text);
    return v4 === null ? null : { v6: false, words: [0, 0, 0, v4] };
  }
  const zone = text.indexOf('%');
  const w = parseV6(zone === -1 ? text : text.slice(0, zone));
  if (!w) return null;
  return isMapped(w) ? { v6: false, words: [0, 0, 0, w[3]] } : { v6: true, words: w };
}

/** The mask of word `i` (0–3) for a prefix of `bits` over a 128-bit (or, with offset 96, 32-bit) address. */
function maskWord(i: number, bits: number): number {
  const left = bits - i * 32;
  if (left >= 32) return 0xffffffff;
  if (left <= 0) return 0;
  return (0xffffffff << (32 - left)) >>> 0;
}

function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as `::` (the first, on a tie). */
function v6Text(w: readonly number[]): string {
  const g = [w[0] >>> 16, w[0] & 0xffff, w[1] >>> 16, w[1] & 0xffff, w[2] >>> 16, w[2] & 0xffff, w[3] >>> 16, w[3] & 0xffff];
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt === -1) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/**
 * `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). `strict` (the default, for what a person
 * types) refuses a range with host bits set (`10.0.0.1/8`): it almost always means a typo. Lenient parsing masks
 * them instead, as proxy trust lists (`127.0.0.1/8`) expect. An IPv4-mapped IPv6 range of /96 or more becomes the
 * IPv4 range it means. Null when malformed.
 */
export function parseCidr(text: string, strict = true): Cidr | null {
  if (typeof text !== 'string' || text.length > 64 || text.indexOf('%') !== -1) return null;
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const v6 = addressText.indexOf(':') !== -1;
  let words: Words | null;
  if (v6) words = parseV6(addressText);
  else {
    const n = parseV4(addressText);
    words = n === null ? null : [0, 0, 0, n];
  }
  if (!words) return null;
  const max = v6 ? 128 : 32;
  let bits = max;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(b)) return null;
    bits = Number(b);
    if (bits > max) return null;
  }
  let isV6 = v6;
  if (v6 && isMapped(words) && bits >= 96) {
    isV6 = false;
    words = [0, 0, 0, words[3]];
    bits -= 96;
  }
  const offset = isV6 ? 0 : 96;
  const net: Words = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    net[i] = (words[i] & maskWord(i, bits + offset)) >>> 0;
    if (strict && net[i] !== words[i]) return null;
  }
  const width = isV6 ? 128 : 32;
  const base = isV6 ? v6Text(net) : v4Text(net[3]);
  return { v6: isV6, words: net, bits, text: bits === width && slash === -1 ? base : `${base}/${bits}` };
}

function inside(v6: boolean, words: readonly number[], c: Cidr): boolean {
  if (v6 !== c.v6) return false;
  const offset = v6 ? 0 : 96;
  for (let i = v6 ? 0 : 3; i < 4; i++) {
    if ((words[i] & maskWord(i, c.bits + offset)) >>> 0 !== c.words[i]) return false;
  }
  return true;
}

/** Whether range `inner` lies entirely inside range `outer`. */
export const cidrWithin = (inner: Cidr, outer: Cidr): boolean => inner.v6 === outer.v6 && inner.bits >= outer.bits && inside(inner.v6, inner.words, outer);

/** A compiled list of ranges: `has(address)` is the whole per-request cost. */
export class CidrSet {
  private readonly v4: { net: number; mask: number }[] = [];
  private readonly v6: Cidr[] = [];
  constructor(readonly ranges: readonly Cidr[]) {
    for (const c of ranges) {
      if (c.v6) this.v6.push(c);
      else this.v4.push({ net: c.words[3], mask: maskWord(3, c.bits + 96) });
    }
  }

  /** Null when the ranges are missing or any is malformed (stored data is validated when written: never expected). */
  static from(texts: readonly string[], strict = true): CidrSet | null {
    const ranges: Cidr[] = [];
    for (const t of texts) {
      const c = parseCidr(t, strict);
      if (!c) return null;
      ranges.push(c);
    }
    return new CidrSet(ranges);
  }

  has(address: string | undefined): boolean {
    if (!address) return false;
    // The common case, a plain IPv4 address, allocates nothing.
    if (address.indexOf(':') === -1) {
      const n = parseV4(address);
      return n !== null && this.hasV4(n);
    }
    const a = parseAddress(address);
    if (!a) return false;
    if (!a.v6) return this.hasV4(a.words[3]);
    for (const c of this.v6) if (inside(true, a.words, c)) return true;
    return false;
  }

  private hasV4(n: number): boolean {
    for (const r of this.v4) if ((n & r.mask) >>> 0 === r.net) return true;
    return false;
  }
}

/**
 * What a person typed as allowed ranges → their canonical texts, deduplicated, or the first entry that is not a
 * range (with host bits set counting as a typo). For validation at creation; stored texts are canonical.
 */
export function canonicalCidrs(texts: readonly string[]): { ok: string[] } | { invalid: string } {
  const out: string[] = [];
  for (const t of texts) {
    const c = parseCidr(t.trim());
    if (!c) return { invalid: t };
    if (!out.includes(c.text)) out.push(c.text);
  }
  return { ok: out };
}

/** Whether every range of `inner` lies inside some range of `outer` (null = anywhere). */
export function cidrsWithin(inner: readonly string[] | null, outer: readonly string[] | null): boolean {
  if (outer === null) return true;
  if (inner === null) return false;
  const o = outer.map((t) => parseCidr(t, false)).filter((c): c is Cidr => c !== null);
  return inner.every((t) => {
    const c = parseCidr(t, false);
    return c !== null && o.some((x) => cidrWithin(c, x));
  });
}

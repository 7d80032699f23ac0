// FeatBit's streaming connection token (the SDKs' data-sync/utils.js, the evaluation server's Domain/Shared/Token.cs):
//   digits(split, 3) digits(len(ts), 2) secret[0:split] digits(ts) secret[split:]
// where digits() writes each decimal digit as a letter, so the timestamp hides inside a base62-looking string.
// It is not a credential of its own: the secret inside still has to resolve. Pure; no I/O.

const ENCODE = ['Q', 'B', 'W', 'S', 'P', 'H', 'D', 'X', 'Z', 'U'] as const;
const DECODE: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(ENCODE.map((c, d) => [c, d])));

/** A timestamp further than this from `now` is refused (FeatBit's window). */
export const STREAMING_TOKEN_WINDOW_MS = 30_000;
// The longest token worth parsing: a header, a millisecond timestamp and a generous secret.
const MAX_TOKEN_LENGTH = 512;

function encodeDigits(n: number, length: number): string {
  const digits = String(n).padStart(length, '0').slice(-length);
  let out = '';
  for (const d of digits) out += ENCODE[Number(d)];
  return out;
}

/** The number the letters spell, or null if any is not one of the ten. */
function decodeDigits(text: string): number | null {
  if (text.length === 0) return null;
  let n = 0;
  for (const c of text) {
    const d = DECODE[c];
    if (d === undefined) return null;
    n = n * 10 + d;
  }
  return n;
}

/** For tests and tools: the token an SDK would build from `secret` at `timestamp`, split at `split` (≥ 2, as the SDKs do). */
export function encodeStreamingToken(secret: string, timestamp: number, split = Math.max(2, Math.floor(secret.length / 2))): string {
  const text = secret.replace(/=*$/, '');
  const ts = encodeDigits(timestamp, String(timestamp).length);
  return `${encodeDigits(split, 3)}${encodeDigits(ts.length, 2)}${text.slice(0, split)}${ts}${text.slice(split)}`;
}

/** The secret inside a streaming token whose timestamp is within ±30 s of `now`, or null. Never throws. */
export function decodeStreamingToken(token: unknown, now: number): { secret: string; timestamp: number } | null {
  if (typeof token !== 'string' || token.length < 5 || token.length > MAX_TOKEN_LENGTH) return null;
  const split = decodeDigits(token.slice(0, 3));
  const length = decodeDigits(token.slice(3, 5));
  if (split === null || length === null || length === 0) return null;
  const payload = token.slice(5);
  if (payload.length < split + length) return null;
  const timestamp = decodeDigits(payload.slice(split, split + length));
  if (timestamp === null || Math.abs(timestamp - now) > STREAMING_TOKEN_WINDOW_MS) return null;
  const secret = payload.slice(0, split) + payload.slice(split + length);
  return secret.length > 0 ? { secret, timestamp } : null;
}

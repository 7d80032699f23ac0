// Credential format: prefix + 32 base62 chars from a CSPRNG (≈190 bits) + 6 base62 chars of CRC32.
// The checksum lets us reject typos and forgeries before touching the database,
// and lets secret scanners find leaked credentials without false positives.
import * as nodeCrypto from 'node:crypto';
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export const PREFIXES = { Personal: 'ens_pat_', Service: 'ens_svc_', Session: 'ens_ses_' } as const;
export type CredentialKind = keyof typeof PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 32;
const CHECK_LENGTH = 6;
const TOTAL_LENGTH = 8 + BODY_LENGTH + CHECK_LENGTH;
const BASE62 = /^[0-9A-Za-z]+$/;

export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Reject bytes ≥ 248 so every character is equally likely (248 = 4 × 62).
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

// CRC-32 (the zlib one) over the latin1 code units, table-driven: checking a 46-character credential
// this way costs less than copying it into a Buffer for zlib, and every rejected request pays it.
const CRC_TABLE = Int32Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(text: string): number {
  let c = -1;
  for (let i = 0; i < text.length; i++) c = CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** CRC32 of `text` as 6 base62 characters. */
export function checksum(text: string): string {
  let n = crc32(text);
  let out = '';
  for (let i = 0; i < CHECK_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function generateCredential(kind: CredentialKind): string {
  const head = PREFIXES[kind] + randomBase62(BODY_LENGTH);
  return head + checksum(head);
}

/** The kind of a well-formed credential with a valid checksum, or null. Never throws. */
export function parseCredential(text: string): CredentialKind | null {
  if (typeof text !== 'string' || text.length !== TOTAL_LENGTH) return null;
  const prefix = text.slice(0, 8);
  const kind = prefix === PREFIXES.Personal ? 'Personal' : prefix === PREFIXES.Service ? 'Service' : prefix === PREFIXES.Session ? 'Session' : null;
  if (!kind) return null;
  const rest = text.slice(8);
  if (!BASE62.test(rest)) return null;
  const head = text.slice(0, TOTAL_LENGTH - CHECK_LENGTH);
  return checksum(head) === text.slice(TOTAL_LENGTH - CHECK_LENGTH) ? kind : null;
}

/** The credential in an Authorization header: the value itself, or what follows "Bearer ". */
export const credentialFromHeader = (header: string): string => (header.startsWith('Bearer ') || header.startsWith('bearer ') ? header.slice(7).trim() : header.trim());

/** What views show instead of the secret: the prefix and the last four characters. */
export const credentialHint = (secret: string): string => `${secret.slice(0, 8)}…${secret.slice(-4)}`;

export interface Digester {
  /** What the database stores and is searched by. */
  digest(secret: string): string;
  /** What this process's cache is keyed by: never stored, and about a quarter of the HMAC's cost. */
  lookupKey(secret: string): string;
  equal(a: string, b: string): boolean;
}

// One-shot hashing (Node ≥ 20.12) skips building a Hash object per call.
const sha256 = nodeCrypto.hash ? (text: string) => nodeCrypto.hash('sha256', text, 'base64url') : (text: string) => nodeCrypto.createHash('sha256').update(text).digest('base64url');

/** A keyed digest (HMAC-SHA256) with a pepper derived from ENSIGN_SECRET; the pepper never reaches the database. */
export function createDigester(serverSecret: string): Digester {
  const pepper = Buffer.from(hkdfSync('sha256', serverSecret, 'ensign', 'credential-pepper-v1', 32));
  // A separate key for cache lookups (a fixed-length secret prefix, so SHA-256 of prefix ‖ credential is a keyed hash).
  const cachePrefix = Buffer.from(hkdfSync('sha256', serverSecret, 'ensign', 'credential-cache-key-v1', 32)).toString('hex');
  return {
    digest: (secret) => createHmac('sha256', pepper).update(secret).digest('base64url'),
    lookupKey: (secret) => sha256(cachePrefix + secret),
    equal(a, b) {
      const x = Buffer.from(a);
      const y = Buffer.from(b);
      return x.length === y.length && timingSafeEqual(x, y);
    },
  };
}

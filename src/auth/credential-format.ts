// Credential format: prefix + 32 base62 chars from a CSPRNG (≈190 bits) + 6 base62 chars of CRC32.
// The checksum lets us reject typos and forgeries before touching the database,
// and lets secret scanners find leaked credentials without false positives.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const PREFIXES = { Personal: 'ens_pat_', Service: 'ens_svc_', Session: 'ens_ses_' } as const;
export type CredentialKind = keyof typeof PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 32;
const CHECK_LENGTH = 6;
const TOTAL_LENGTH = 8 + BODY_LENGTH + CHECK_LENGTH;
const BASE62 = /^[0-9A-Za-z]+$/;

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Reject bytes ≥ 248 so every character is equally likely (248 = 4 × 62).
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function checksum(text: string): string {
  let n = crc32(Buffer.from(text, 'latin1'));
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

/** What views show instead of the secret: the prefix and the last four characters. */
export const credentialHint = (secret: string): string => `${secret.slice(0, 8)}…${secret.slice(-4)}`;

export interface Digester {
  digest(secret: string): string;
  equal(a: string, b: string): boolean;
}

/** A keyed digest (HMAC-SHA256) with a pepper derived from ENSIGN_SECRET; the pepper never reaches the database. */
export function createDigester(serverSecret: string): Digester {
  const pepper = Buffer.from(hkdfSync('sha256', serverSecret, 'ensign', 'credential-pepper-v1', 32));
  return {
    digest: (secret) => createHmac('sha256', pepper).update(secret).digest('base64url'),
    equal(a, b) {
      const x = Buffer.from(a);
      const y = Buffer.from(b);
      return x.length === y.length && timingSafeEqual(x, y);
    },
  };
}

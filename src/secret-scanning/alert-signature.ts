// Is this alert from GitHub? ECDSA P-256 / SHA-256 over the raw body, the key named by its identifier. Pure.
import { verify } from 'node:crypto';
import type { SecretScanningKey } from '../config.ts';

/**
 * True when `signature` (base64 DER, the `Github-Public-Key-Signature` header) signs `body` with the key named by
 * `keyId` (`Github-Public-Key-Identifier`). An unknown key, a missing header and a bad signature are all just false.
 */
export function isSignedByGitHub(keys: readonly SecretScanningKey[], keyId: unknown, signature: unknown, body: Buffer): boolean {
  if (typeof keyId !== 'string' || typeof signature !== 'string' || signature.length > 512) return false;
  const key = keys.find((k) => k.id === keyId);
  if (!key) return false;
  try {
    return verify('sha256', body, { key: key.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    // A signature that is not DER at all.
    return false;
  }
}

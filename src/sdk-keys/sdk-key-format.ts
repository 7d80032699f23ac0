// SDK key format: `ens_srv_` / `ens_cli_` + 32 base62 characters from a CSPRNG (≈190 bits) + 6 base62 characters
// of CRC32, like access tokens (auth/credential-format.ts). Base62 only: the SDKs put the key unencoded in a query
// string and strip trailing `=`. The checksum rejects typos and forgeries before the database is asked.
import { checksum, randomBase62 } from '../auth/credential-format.ts';

export type SdkSecretType = 'server' | 'client';

export const SDK_KEY_PREFIXES: Readonly<Record<SdkSecretType, string>> = Object.freeze({ server: 'ens_srv_', client: 'ens_cli_' });

const PREFIX_LENGTH = 8;
const BODY_LENGTH = 32;
const CHECK_LENGTH = 6;
export const SDK_KEY_LENGTH = PREFIX_LENGTH + BODY_LENGTH + CHECK_LENGTH;
const BASE62 = /^[0-9A-Za-z]+$/;

export function generateSdkSecret(type: SdkSecretType): string {
  const head = SDK_KEY_PREFIXES[type] + randomBase62(BODY_LENGTH);
  return head + checksum(head);
}

/** The type of a well-formed SDK key with a valid checksum, or null. Never throws. */
export function parseSdkSecret(text: unknown): SdkSecretType | null {
  if (typeof text !== 'string' || text.length !== SDK_KEY_LENGTH) return null;
  const prefix = text.slice(0, PREFIX_LENGTH);
  const type = prefix === SDK_KEY_PREFIXES.server ? 'server' : prefix === SDK_KEY_PREFIXES.client ? 'client' : null;
  if (!type || !BASE62.test(text.slice(PREFIX_LENGTH))) return null;
  const head = text.slice(0, SDK_KEY_LENGTH - CHECK_LENGTH);
  return checksum(head) === text.slice(SDK_KEY_LENGTH - CHECK_LENGTH) ? type : null;
}

/** What views show of a server key after the response that created it: the prefix and the last four characters. */
export const sdkSecretHint = (secret: string): string => `${secret.slice(0, PREFIX_LENGTH)}…${secret.slice(-4)}`;

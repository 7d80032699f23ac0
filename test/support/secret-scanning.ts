// Plays GitHub's part in secret scanning: a P-256 signing key, its published key document, and signed alert bodies.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { secretScanningKeysFrom } from '../../src/config.ts';

export interface GitHubSigner {
  keyId: string;
  /** GitHub's key document, as SECRET_SCANNING_KEYS takes it. */
  document: string;
  /** Alert headers for these exact bytes. */
  headers(body: string, keyId?: string): Record<string, string>;
}

export function gitHubSigner(keyId = 'f9525bf080f75b3506ca1ead061add62b8633a346606dc5fe544e29231c6ee0d'): GitHubSigner & { privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const document = JSON.stringify({ public_keys: [{ key_identifier: keyId, key: publicKey.export({ type: 'spki', format: 'pem' }), is_current: true }] });
  return {
    keyId,
    privateKey,
    document,
    headers: (body, id = keyId) => ({
      'content-type': 'application/json',
      'github-public-key-identifier': id,
      'github-public-key-signature': sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
    }),
  };
}

/** The parsed keys, as the config holds them. */
export const keysOf = (signer: GitHubSigner) => secretScanningKeysFrom(signer.document)!;

/** GitHub's alert body for these strings, found at one URL. */
export const alertBody = (tokens: string[], url = 'https://github.com/octocat/hello/blob/abc/config.yml', source = 'content') =>
  JSON.stringify(tokens.map((token) => ({ token, type: 'ensign_access_token', url, source })));

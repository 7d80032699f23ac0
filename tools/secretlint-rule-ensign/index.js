// secretlint rule: Ensign access tokens. `ens_pat_` / `ens_svc_`, 32 base62 characters, then 6 base62 characters of
// CRC32 over the first 40. Only strings whose checksum holds are reported, so look-alikes are not.
// Standalone on purpose (a scanner rule cannot import the server); the server's version is src/auth/credential-format.ts.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const PATTERN = /\bens_(?:pat|svc)_[0-9A-Za-z]{38}\b/g;

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (zlib's) of an ASCII string, as 6 base62 characters, most significant first. */
function checksum(text) {
  let c = -1;
  for (let i = 0; i < text.length; i++) c = CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] ^ (c >>> 8);
  let n = (c ^ -1) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** True for an Ensign access token with a valid checksum. */
export const isEnsignToken = (text) => text.length === 46 && checksum(text.slice(0, 40)) === text.slice(40);

const messages = {
  EnsignAccessToken: {
    en: (props) => `found an Ensign access token: ${props.token}. Deactivate or reset it (ensign tokens revoke-leaked, or the Access tokens page).`,
  },
};

export const creator = {
  messages,
  meta: {
    id: 'secretlint-rule-ensign',
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source) {
        for (const match of source.content.matchAll(PATTERN)) {
          const token = match[0];
          if (!isEnsignToken(token)) continue;
          context.report({ message: t('EnsignAccessToken', { token }), range: [match.index, match.index + token.length] });
        }
      },
    };
  },
};

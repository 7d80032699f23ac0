import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSdkSecret } from './sdk-key-format.ts';
import { decodeStreamingToken, encodeStreamingToken } from './streaming-token.ts';

// The SDK's own encoder, as the SDK ships it (it reads Date.now() and Math.random()).
const require = createRequire(import.meta.url);
const sdkUtils = require('@featbit/node-server-sdk/dist/cjs/data-sync/utils.js') as { generateConnectionToken(text: string): string };

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('FeatBit streaming token', () => {
  it('round-trips a secret and its timestamp at every split point', () => {
    const secret = generateSdkSecret('server');
    for (let split = 2; split < secret.length; split++) {
      expect(decodeStreamingToken(encodeStreamingToken(secret, NOW, split), NOW)).toEqual({ secret, timestamp: NOW });
    }
  });

  it('round-trips any base62 secret and timestamp within the window (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Za-z_]{3,60}$/), fc.integer({ min: -30_000, max: 30_000 }), fc.nat(), (secret, skew, r) => {
        const split = 2 + (r % (secret.length - 2));
        expect(decodeStreamingToken(encodeStreamingToken(secret, NOW + skew, split), NOW)).toEqual({ secret, timestamp: NOW + skew });
      }),
    );
  });

  it('decodes what the real SDK encoder produces', () => {
    for (const secret of [generateSdkSecret('server'), generateSdkSecret('client')]) {
      for (let i = 0; i < 50; i++) {
        const token = sdkUtils.generateConnectionToken(secret);
        expect(token).not.toContain(secret); // the timestamp sits inside it
        expect(decodeStreamingToken(token, Date.now())?.secret).toBe(secret);
      }
    }
  });

  it('refuses a timestamp more than 30 s away, either way', () => {
    const secret = generateSdkSecret('client');
    expect(decodeStreamingToken(encodeStreamingToken(secret, NOW - 30_000), NOW)).not.toBeNull();
    expect(decodeStreamingToken(encodeStreamingToken(secret, NOW - 30_001), NOW)).toBeNull();
    expect(decodeStreamingToken(encodeStreamingToken(secret, NOW + 30_001), NOW)).toBeNull();
  });

  it('refuses malformed tokens without throwing', () => {
    const good = encodeStreamingToken(generateSdkSecret('server'), NOW);
    for (const bad of ['', 'QQ', 'QQWBS', 'AAAAAabc', good.slice(0, 10), `QQWBSab${'x'.repeat(20)}`, 'x'.repeat(5000), null, 17, { a: 1 }]) {
      expect(decodeStreamingToken(bad, NOW)).toBeNull();
    }
    // A header whose split points past the end.
    expect(decodeStreamingToken(`UUU${good.slice(3)}`, NOW)).toBeNull();
  });
});

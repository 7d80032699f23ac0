import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf } from './index.ts';

// node:crypto's MD5 over Buffer.from(key, 'utf8') (lone surrogates → U+FFFD, as .NET's Encoding.UTF8).
const reference = (key: string) => Math.abs(createHash('md5').update(Buffer.from(key, 'utf8')).digest().readInt32LE(0) / -(2 ** 31));

describe('bucketOf (pure MD5) equals node:crypto on any string', () => {
  it('agrees on random strings of every UTF-16 shape and length (multi-block, non-ASCII, lone surrogates)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
          fc.string({ minLength: 50, maxLength: 300 }),
        ),
        (key) => bucketOf(key) === reference(key),
      ),
      { numRuns: 5000 },
    );
  });

  it('agrees at every length around the 55/56/64-byte padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      for (const ch of ['a', 'é', '€', '\u{1F600}']) {
        const key = ch.repeat(n);
        expect(bucketOf(key), `${n} × ${ch}`).toBe(reference(key));
      }
    }
  });
});

import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDigester, credentialHint, generateCredential, parseCredential } from './credential-format.ts';

describe('credential format', () => {
  it('generates prefixed base62 credentials whose checksum verifies', () => {
    for (const kind of ['Personal', 'Service', 'Session'] as const) {
      const c = generateCredential(kind);
      expect(c).toMatch(/^ens_(pat|svc|ses)_[0-9A-Za-z]{38}$/);
      expect(parseCredential(c)).toBe(kind);
    }
  });

  it('rejects a forged credential with a valid prefix but a wrong checksum', () => {
    const c = generateCredential('Service');
    const flipped = c.slice(0, 12) + (c[12] === 'a' ? 'b' : 'a') + c.slice(13);
    expect(parseCredential(flipped)).toBeNull();
    expect(parseCredential(c.slice(0, -1) + (c.endsWith('0') ? '1' : '0'))).toBeNull();
  });

  it("credentials checksummed with zlib's CRC-32 (as issued before the table-driven one) still verify", () => {
    const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < 500; i++) {
      const head = `ens_svc_${Array.from(randomBytes(32), (b) => ALPHABET[b % 62]).join('')}`;
      let n = crc32(Buffer.from(head, 'latin1'));
      let check = '';
      for (let k = 0; k < 6; k++) {
        check = ALPHABET[n % 62] + check;
        n = Math.floor(n / 62);
      }
      expect(parseCredential(head + check)).toBe('Service');
    }
  });

  it('rejects malformed input without throwing', () => {
    for (const bad of ['', 'ens_pat_', 'Bearer x', `ens_xxx_${'a'.repeat(38)}`, `ens_pat_${'!'.repeat(38)}`, 'é'.repeat(46)]) {
      expect(parseCredential(bad)).toBeNull();
    }
    expect(parseCredential(undefined as unknown as string)).toBeNull();
  });

  it('never repeats and spreads over the alphabet', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => generateCredential('Personal')));
    expect(seen.size).toBe(2000);
  });

  it('hints show only the prefix and the last four characters', () => {
    const c = generateCredential('Personal');
    expect(credentialHint(c)).toBe(`ens_pat_…${c.slice(-4)}`);
  });

  it('digests depend on the server secret', () => {
    const c = generateCredential('Personal');
    const a = createDigester('first-secret-1234567');
    const b = createDigester('other-secret-1234567');
    expect(a.digest(c)).not.toBe(b.digest(c));
    expect(a.digest(c)).toBe(a.digest(c));
    expect(a.digest(c)).not.toContain(c.slice(8));
  });
});

import { describe, expect, it } from 'vitest';
import { createPollEtags } from './poll-etag.ts';

describe('sealed poll ETags', () => {
  const etags = createPollEtags('poll-etag-test-secret');
  const key = 'ens_srv_0123456789abcdefghijABCDEFGHIJ0123456789';

  it('opens what it sealed, and each seal differs (random IV)', () => {
    const a = etags.seal(key, '"body-digest"');
    expect(etags.open(a)).toEqual({ secret: key, bodyTag: '"body-digest"' });
    expect(etags.seal(key, '"body-digest"')).not.toBe(a);
    expect(etags.open(`W/${a}`)).toEqual({ secret: key, bodyTag: '"body-digest"' });
  });

  it('opens nothing sealed under another server secret, altered, truncated or foreign', () => {
    const a = etags.seal(key, '"d"');
    expect(createPollEtags('another-server-secret').open(a)).toBeNull();
    for (let i = 4; i < a.length - 1; i += 7) {
      const altered = a.slice(0, i) + (a[i] === 'A' ? 'B' : 'A') + a.slice(i + 1);
      expect(etags.open(altered)).toBeNull();
    }
    for (const s of [`${a.slice(0, -5)}"`, '"abc"', '', '"p1."', `"p1.${'A'.repeat(5000)}"`, a.slice(1)]) expect(etags.open(s)).toBeNull();
  });
});

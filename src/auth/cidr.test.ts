// Address ranges: strict parsing of what people type, canonical texts, and matching checked against Node's own
// BlockList on random addresses and ranges.
import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrSet, canonicalCidrs, cidrsWithin, parseAddress, parseCidr } from './cidr.ts';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['192.168.1.7', '192.168.1.7'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::/0', '::/0'],
    ['::1', '::1'],
    ['fe80::/10', 'fe80::/10'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
  ])('%s is %s', (text, canonical) => {
    expect(parseCidr(text)?.text).toBe(canonical);
  });

  it.each([
    '',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0/8',
    '10.0.0.0.0',
    '256.0.0.0',
    '010.0.0.0',
    '1.2.3.4/08',
    ' 10.0.0.0/8',
    '10.0.0.0/8 ',
    '10.0.0.1/8', // host bits set: a typo more often than not
    '::/129',
    '1::2::3',
    ':1',
    '1:',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    'g::',
    '12345::',
    'fe80::1%eth0',
    '1.2.3.4::',
    'localhost',
    '*',
  ])('%j is refused', (text) => {
    expect(parseCidr(text)).toBeNull();
  });

  it('masks host bits when lenient (proxy trust lists write 127.0.0.1/8)', () => {
    expect(parseCidr('127.0.0.1/8', false)?.text).toBe('127.0.0.0/8');
  });

  it('canonicalCidrs deduplicates and names the first bad entry', () => {
    expect(canonicalCidrs(['10.0.0.0/8', '10.000.0.0/8'])).toEqual({ invalid: '10.000.0.0/8' });
    expect(canonicalCidrs(['2001:DB8::/32', '2001:db8:0::/32', ' 10.0.0.0/8'])).toEqual({ ok: ['2001:db8::/32', '10.0.0.0/8'] });
  });
});

describe('CidrSet.has', () => {
  const set = CidrSet.from(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'])!;
  it.each([
    ['10.1.2.3', true],
    ['11.0.0.0', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['::ffff:10.9.9.9', true], // what a dual-stack socket reports for an IPv4 client
    ['::ffff:11.9.9.9', false],
    ['2001:db8:ffff::1', true],
    ['2001:db9::1', false],
    ['fe80::1%eth0', false],
    ['', false],
    [undefined, false],
    ['10.1.2.3 ', false],
    ['not an address', false],
  ])('%j → %s', (address, expected) => {
    expect(set.has(address)).toBe(expected);
  });

  it('an empty set admits nobody', () => {
    expect(new CidrSet([]).has('10.0.0.1')).toBe(false);
  });

  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
  const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
  /** Addresses near a range's network, so that matches are common. */
  const nearV4 = (base: string) =>
    fc.tuple(fc.nat(255), fc.nat(255)).map(([c, d]) =>
      base
        .split('.')
        .slice(0, 2)
        .concat([String(c), String(d)])
        .join('.'),
    );

  it('agrees with node:net BlockList on random IPv4 ranges and addresses', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (base, bits, picks) => {
        const c = parseCidr(`${base}/${bits}`, false)!;
        const list = new BlockList();
        list.addSubnet(c.text.split('/')[0], bits, 'ipv4');
        const set = new CidrSet([c]);
        const addresses = fc.sample(fc.oneof(v4, nearV4(base)), { numRuns: picks.length, seed: bits });
        for (const a of addresses) expect(set.has(a)).toBe(list.check(a, 'ipv4'));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with node:net BlockList on random IPv6 ranges and addresses', () => {
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 128 }), fc.array(v6, { minLength: 20, maxLength: 20 }), (base, bits, others) => {
        const c = parseCidr(`${base}/${bits}`, false)!;
        const list = new BlockList();
        list.addSubnet(c.text.split('/')[0], bits, 'ipv6');
        const set = new CidrSet([c]);
        // Half the addresses share the base's first groups.
        const near = others.map((o, i) => (i % 2 ? o : base.split(':').slice(0, 4).concat(o.split(':').slice(4)).join(':')));
        for (const a of near) expect(set.has(a)).toBe(list.check(a, 'ipv6'));
        expect(set.has(base)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('every IPv6 text form of an address parses to the same words', () => {
    fc.assert(
      fc.property(v6, (a) => {
        const canonical = parseCidr(a)!.text;
        expect(parseAddress(canonical)).toEqual(parseAddress(a));
        expect(parseCidr(canonical)!.text).toBe(canonical);
      }),
    );
  });
});

describe('cidrsWithin', () => {
  it.each([
    [['10.1.0.0/16'], ['10.0.0.0/8'], true],
    [['10.0.0.0/8'], ['10.1.0.0/16'], false],
    [['10.1.0.0/16', '192.168.0.1'], ['10.0.0.0/8', '192.168.0.0/24'], true],
    [['10.1.0.0/16', '192.168.1.1'], ['10.0.0.0/8', '192.168.0.0/24'], false],
    [['2001:db8:1::/48'], ['2001:db8::/32'], true],
    [['2001:db8:1::/48'], ['10.0.0.0/8'], false],
    [null, ['10.0.0.0/8'], false], // anywhere is not inside a range
    [['10.0.0.0/8'], null, true],
    [null, null, true],
  ] as const)('%j inside %j: %s', (inner, outer, expected) => {
    expect(cidrsWithin(inner as string[] | null, outer as string[] | null)).toBe(expected);
  });
});

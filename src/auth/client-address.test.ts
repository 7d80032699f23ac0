// createClientAddress must name the same client as Fastify's request.ip (what sign-in throttling uses) for every
// TRUST_PROXY setting: checked on random proxy chains, forged entries and odd spacing included.
import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createClientAddress } from './client-address.ts';

/** What app.ts passes Fastify for a hop count (Fastify's own numeric trustProxy ignores the header). */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

const SETTINGS: (boolean | number | string)[] = [false, true, 1, 2, 'loopback', '10.0.0.0/8,192.168.0.1', 'uniquelocal,::1', '2001:db8::/32'];

const address = fc.oneof(
  fc.constantFrom('127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '192.168.0.1', '192.168.0.2', '8.8.8.8', '2001:db8::7', '2001:db9::1', 'fe80::1', '172.16.5.5'),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
  fc.constantFrom('unknown', '', 'not-an-ip', '300.1.1.1'),
);
const pad = fc.constantFrom('', ' ', '\t', '  ');
const header = fc.array(fc.tuple(pad, address, pad), { maxLength: 5 }).map((xs) => xs.map(([a, b, c]) => a + b + c).join(','));

describe('createClientAddress', () => {
  it.each(SETTINGS)('agrees with request.ip when TRUST_PROXY is %j', async (setting) => {
    const app = Fastify({ trustProxy: typeof setting === 'number' ? trustHops(setting) : setting });
    const ours = createClientAddress(setting);
    app.get('/', async (request) => ({ fastify: request.ip ?? null, ours: ours(request.raw) ?? null }));
    await app.ready();
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('127.0.0.1', '10.1.2.3', '192.168.0.1', '8.8.8.8', '::1', '2001:db8::1'), fc.option(header, { nil: undefined }), async (peer, xff) => {
          const res = await app.inject({ method: 'GET', url: '/', remoteAddress: peer, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
          const { fastify, ours: mine } = res.json() as { fastify: string | null; ours: string | null };
          expect(mine).toBe(fastify);
        }),
        { numRuns: 300 },
      );
    } finally {
      await app.close();
    }
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    const ours = createClientAddress('192.168.0.1');
    const req = (peer: string, xff: string) => ({ socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': xff } }) as never;
    expect(ours(req('8.8.8.8', '10.1.2.3'))).toBe('8.8.8.8');
    expect(ours(req('192.168.0.1', '10.1.2.3'))).toBe('10.1.2.3');
    // The trusted proxy appended the address it saw; anything further left is the client's own claim.
    expect(ours(req('192.168.0.1', '10.1.2.3, 8.8.8.8'))).toBe('8.8.8.8');
    expect(createClientAddress(false)(req('8.8.8.8', '10.1.2.3'))).toBe('8.8.8.8');
  });
});

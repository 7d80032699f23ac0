// clientAddressOf names the client by TRUST_PROXY, and must name the same client as Fastify's request.ip (what sign-in
// throttling and network-bound tokens on the routed path use) for every setting: checked on random proxy chains,
// forged entries and odd spacing included.
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, trustFunction, type TrustProxy } from './client-address.ts';

const req = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddressOf (TRUST_PROXY)', () => {
  it('without a trusted proxy, the TCP peer, whatever X-Forwarded-For says', () => {
    expect(clientAddressOf(false)(req('198.51.100.1', '203.0.113.7'))).toBe('198.51.100.1');
    expect(clientAddressOf('10.0.0.0/8')(req('198.51.100.1', '203.0.113.7'))).toBe('198.51.100.1');
  });

  it('from a trusted proxy, the nearest hop that is not trusted; entries a client wrote before it are never reached', () => {
    const of = clientAddressOf('10.0.0.0/8,loopback');
    expect(of(req('10.1.2.3', '203.0.113.7'))).toBe('203.0.113.7');
    expect(of(req('127.0.0.1', 'forged, 203.0.113.7'))).toBe('203.0.113.7');
    expect(of(req('10.1.2.3', 'forged, 203.0.113.7, 10.4.5.6'))).toBe('203.0.113.7');
    expect(of(req('10.1.2.3'))).toBe('10.1.2.3');
  });

  it('a hop count believes that many proxies nearest the server, no more', () => {
    expect(clientAddressOf(1)(req('10.1.2.3', 'forged, 203.0.113.7'))).toBe('203.0.113.7');
    expect(clientAddressOf(2)(req('10.1.2.3', 'forged, 203.0.113.7'))).toBe('forged');
  });

  it('true believes every hop: the leftmost entry, which the client chose (only behind a proxy every request passes)', () => {
    expect(clientAddressOf(true)(req('10.1.2.3', '1.2.3.4, 203.0.113.7'))).toBe('1.2.3.4');
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy; the proxy's own entry is the client", () => {
    const of = clientAddressOf('192.168.0.1');
    expect(of(req('8.8.8.8', '10.1.2.3'))).toBe('8.8.8.8');
    expect(of(req('192.168.0.1', '10.1.2.3'))).toBe('10.1.2.3');
    // The trusted proxy appended the address it saw; anything further left is the client's own claim.
    expect(of(req('192.168.0.1', '10.1.2.3, 8.8.8.8'))).toBe('8.8.8.8');
    expect(clientAddressOf(false)(req('8.8.8.8', '10.1.2.3'))).toBe('8.8.8.8');
  });
});

const SETTINGS: TrustProxy[] = [false, true, 1, 2, 'loopback', '10.0.0.0/8,192.168.0.1', 'uniquelocal,::1', '2001:db8::/32'];

const address = fc.oneof(
  fc.constantFrom('127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '192.168.0.1', '192.168.0.2', '8.8.8.8', '2001:db8::7', '2001:db9::1', 'fe80::1', '172.16.5.5'),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
  fc.constantFrom('unknown', '', 'not-an-ip', '300.1.1.1'),
);
const pad = fc.constantFrom('', ' ', '\t', '  ');
const header = fc.array(fc.tuple(pad, address, pad), { maxLength: 5 }).map((xs) => xs.map(([a, b, c]) => a + b + c).join(','));

describe('clientAddressOf agrees with request.ip', () => {
  it.each(SETTINGS)('when TRUST_PROXY is %j', async (setting) => {
    // Fastify configured as app.ts configures it.
    const app = Fastify({ trustProxy: setting === false ? false : trustFunction(setting) });
    const ours = clientAddressOf(setting);
    app.get('/', async (request) => ({ fastify: request.ip ?? null, ours: ours(request.raw) }));
    await app.ready();
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('127.0.0.1', '10.1.2.3', '192.168.0.1', '8.8.8.8', '::1', '2001:db8::1'), fc.option(header, { nil: undefined }), async (peer, xff) => {
          const res = await app.inject({ method: 'GET', url: '/', remoteAddress: peer, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
          const { fastify, ours: mine } = res.json() as { fastify: string | null; ours: string };
          expect(mine).toBe(fastify);
        }),
        { numRuns: 300 },
      );
    } finally {
      await app.close();
    }
  });
});

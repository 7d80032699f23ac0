import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from './client-address.ts';

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
});

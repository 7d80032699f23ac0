// Who the client is, by address: the TCP peer, or, behind a reverse proxy that TRUST_PROXY names, the address that
// proxy put in X-Forwarded-For. One rule for Fastify's request.ip (sign-in throttling, poll and insight limits) and for
// requests Fastify never sees (the streaming upgrade), so a client cannot pick its address on one path and not the other.
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { Config } from '../config.ts';

export type TrustProxy = Config['trustProxy'];
export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Which hops to believe: none (false), all (true: anyone can name their address), the `n` nearest the server, or those
 * whose address matches the list (addresses, CIDR ranges, loopback / linklocal / uniquelocal).
 */
export function trustFunction(trust: TrustProxy): TrustFunction {
  if (trust === false) return () => false;
  if (trust === true) return () => true;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust.split(',').map((e) => e.trim()));
}

/**
 * The client's address for a raw request: X-Forwarded-For is read from the right, one hop at a time, only while the hop
 * that sent it is trusted; the first untrusted hop is the client. An entry an untrusted client wrote itself is never
 * reached.
 */
export function clientAddressOf(trust: TrustProxy): (req: IncomingMessage) => string {
  if (trust === false) return (req) => req.socket.remoteAddress ?? '';
  const fn = trustFunction(trust);
  return (req) => proxyAddr(req, fn) ?? '';
}

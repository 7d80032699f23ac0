// The client's address, as TRUST_PROXY says to believe it: the same answer as Fastify's `request.ip` (which
// sign-in throttling uses), computed from the raw request so that the flag read answered before routing and the
// authentication hook decide a network-bound token alike. The walk is @fastify/proxy-addr's: start at the socket's
// peer and step left through X-Forwarded-For while the hop just passed is a trusted proxy; the first untrusted hop
// (or the leftmost entry) is the client. A forged X-Forwarded-For from an untrusted peer is never read past.
// test/access-tokens/network-bound.test.ts checks this against `request.ip` on random chains.
import type { IncomingMessage } from 'node:http';
import { CidrSet } from './cidr.ts';

export type ClientAddress = (req: IncomingMessage) => string | undefined;

/** proxy-addr's names for address ranges (TRUST_PROXY may use them). */
const NAMED: Record<string, string[]> = {
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.1/8', '::1/128'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Whether the hop `hop` steps from the server (0: the socket's peer), at `address`, is a proxy to believe. */
type Trust = (address: string | undefined, hop: number) => boolean;

function trustOf(trustProxy: boolean | number | string): Trust | null {
  if (trustProxy === false) return null;
  if (trustProxy === true) return () => true;
  if (typeof trustProxy === 'number') return (_a, hop) => hop < trustProxy;
  const texts = trustProxy.split(',').flatMap((e) => NAMED[e.trim()] ?? [e.trim()]);
  const set = CidrSet.from(texts, false);
  if (!set) throw new Error(`TRUST_PROXY: not an address or range in ${trustProxy}`);
  return (address) => set.has(address);
}

const blank = (c: number) => c === 32 || c === 9;

/** The entry of X-Forwarded-For that ends before `end`, trimmed of spaces and tabs (as @fastify/forwarded). */
function hopBefore(header: string, end: number): { text: string; start: number } {
  const start = header.lastIndexOf(',', end - 1) + 1;
  let from = start;
  let to = end;
  while (from < to && blank(header.charCodeAt(from))) from++;
  while (to > from && blank(header.charCodeAt(to - 1))) to--;
  return { text: header.slice(from, to), start };
}

export function createClientAddress(trustProxy: boolean | number | string): ClientAddress {
  const trust = trustOf(trustProxy);
  return (req) => {
    const peer = req.socket?.remoteAddress;
    const header = req.headers['x-forwarded-for'];
    if (!trust || typeof header !== 'string' || header === '') return peer;
    // Right to left: each entry is the address the hop after it saw; empty entries are skipped.
    let address = peer;
    let hop = 0;
    for (let end = header.length; end > 0; ) {
      const { text, start } = hopBefore(header, end);
      end = start - 1;
      if (text === '') continue;
      if (!trust(address, hop++)) return address;
      address = text;
    }
    return address;
  };
}

// Answers written straight to Node's response, for the requests answered before Fastify sees them
// (auth/credential-gate.ts, flags/flag-fast-read.ts): the same API headers, content type and request id
// as every other API response, and the one line Fastify's request log would have written.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JSON_TYPE } from './envelope.ts';

export interface InfoLogger {
  /** pino's; Fastify's stand-in logger (logger: false) has none, and writes nothing. */
  isLevelEnabled?(level: string): boolean;
  info(obj: object, msg: string): void;
}

/** A request URL without its query string. */
export function pathOf(url: string | undefined): string {
  const u = url ?? '';
  const query = u.indexOf('?');
  return query === -1 ? u : u.slice(0, query);
}

/** Answers a request before Fastify and returns true, or returns false and leaves it to Fastify. */
export type PreRouter = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Sends `body` (`length` bytes) with `status`, the API headers and `extra` ([name, value, …]); `what` is logged at info. */
export type RawSend = (req: IncomingMessage, res: ServerResponse, status: number, body: string, length: number, extra: readonly string[], what: string) => void;

export function rawSender(apiHeaders: Readonly<Record<string, string>>, log: InfoLogger): RawSend {
  // One flat [name, value, …] list, built once.
  const base = Object.entries({ ...apiHeaders, 'content-type': JSON_TYPE }).flat();
  return (req, res, status, body, length, extra, what) => {
    const id = randomUUID();
    res.writeHead(status, [...base, ...extra, 'content-length', String(length), 'x-request-id', id]);
    res.end(body);
    // The path only: Fastify logs the whole URL, but nothing here needs the query to be traced.
    if (log.isLevelEnabled?.('info')) log.info({ reqId: id, req: { method: req.method, url: pathOf(req.url) }, res: { statusCode: status } }, what);
  };
}

// The yardstick: a bare Fastify "hello world" on the same machine, in its own process.
// MODE=ensign-401: instead, the exact response Ensign gives a bad credential (status, headers, body), to show
// what that response costs in Node and the load generator by itself, with no routing or checking behind it.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
if (process.env.MODE === 'ensign-401') {
  const body = JSON.stringify({ success: false, errors: ['Unauthorized'], data: null });
  const headers = {
    'www-authenticate': 'Bearer realm="ensign"',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'cache-control': 'no-store',
  };
  app.get('/', (_request, reply) => {
    reply.code(401).header('x-request-id', randomUUID()).headers(headers).type('application/json; charset=utf-8').send(body);
  });
} else {
  app.get('/', async () => ({ hello: 'world' }));
}
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
console.log('ready');

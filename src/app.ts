// buildApp(deps): platform plugins + each feature's routes. Tests call it; main.ts only listens.
import { flagReferences } from './flags/flag-references.ts';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createServer, type ServerOptions } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { createAuditLog } from './audit/audit-log.ts';
import { SWEEP_EVERY_MS, sweepExpiredSessions } from './identity/session-sweep.ts';
import { createLoginThrottle } from './identity/login-throttle.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { sendTokenExpiry } from './auth/token-expiry.ts';
import { reportRefusals } from './explain/refusal-report.ts';
import { createCredentialGate } from './auth/credential-gate.ts';
import { CredentialCache } from './auth/credential-cache.ts';
import { createDigester } from './auth/credential-format.ts';
import { RateLimiter } from './auth/rate-limit.ts';
import { FLUSH_EVERY_MS, UsageTracker } from './auth/usage.ts';
import type { Config } from './config.ts';
import { systemClock, uuidIds, type Clock, type Ids } from './platform/clock.ts';
import { clientAddressOf, trustFunction } from './platform/client-address.ts';
import type { AppContext } from './platform/context.ts';
import { ping, type Db } from './platform/db.ts';
import { fail, frameworkErrorOptions, installErrorEnvelope, installValidation, sendAppError } from './platform/envelope.ts';
import { AppError } from './platform/errors.ts';
import { createInvalidationBus, externalWriteProbe, type Invalidation, type InvalidationBus } from './platform/invalidation-bus.ts';
import { lazyRequestLogger, loggerOptions } from './platform/logging.ts';
import { migrateToLatest } from './platform/migrations.ts';
import { openApiOptions } from './platform/openapi.ts';
import { clampPageSize } from './platform/schemas.ts';
import { rawSender, type PreRouter } from './platform/raw-response.ts';
import { API_HEADERS, PAGE_HEADERS, PAGE_HEADERS_WITH_CSP } from './platform/security-headers.ts';
import { registerFeatures, registerPartnerFeatures, registerPublicFeatures, registerSdkFeatures } from './features.ts';
import { FLUSH_EVERY_MS as INSIGHTS_FLUSH_EVERY_MS, InsightRecorder } from './insights/insight-recorder.ts';
import { createSdkSecretResolver } from './sdk-keys/sdk-secret-resolver.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  clock?: Clock;
  ids?: Ids;
  /** Tests pass false to keep output quiet; the server logs JSON. */
  logger?: boolean | object;
  /** Background timers (usage flush, expired-session sweep); tests may turn them off. */
  background?: boolean;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance & { ctx: AppContext }> {
  const { config, db } = deps;
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? uuidIds;
  await migrateToLatest(db.kysely, db.pgSchema);

  // Requests that can be decided cheaply are answered before Fastify builds a request or routes it: a credential
  // that cannot be one (auth/credential-gate.ts), a flag read served from memory (flags/flag-fast-read.ts).
  // Only the HTTP server runs them: inject() goes straight to Fastify, so tests reach them through a real socket.
  const preRouters: PreRouter[] = [];
  const app = Fastify({
    serverFactory: (handler, fastifyOptions) => {
      const options = fastifyOptions as unknown as { http?: ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket: number };
      const server = createServer(options.http ?? {}, (req, res) => {
        for (const answer of preRouters) if (answer(req, res)) return;
        handler(req, res);
      });
      // What Fastify does to the server it creates itself.
      server.keepAliveTimeout = options.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout;
      server.setTimeout(options.connectionTimeout);
      if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
      return server;
    },
    logger: deps.logger === undefined ? loggerOptions(config.logLevel) : deps.logger,
    ...(deps.logger === false ? {} : { childLoggerFactory: lazyRequestLogger as never }),
    bodyLimit: 1024 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Behind a reverse proxy, TRUST_PROXY names it, so request.ip (login throttling) is the client's address; the
    // streaming upgrade, which Fastify never sees, uses the same function (platform/client-address.ts).
    trustProxy: config.trustProxy === false ? false : trustFunction(config.trustProxy),
    routerOptions: { maxParamLength: 200 },
    ajv: undefined,
    // Bad URLs, over-long params and socket garbage answer with the envelope too (see envelope.ts).
    ...frameworkErrorOptions,
  }) as unknown as FastifyInstance & { ctx: AppContext };

  const cache = new CredentialCache(config.cacheRevalidateSeconds * 1000);
  const listeners: ((e: Invalidation) => void)[] = [(e) => cache.invalidate(e)];
  const applyLocally = (e: Invalidation) => {
    for (const listener of listeners) listener(e);
  };
  const bus: InvalidationBus = await createInvalidationBus(db, applyLocally, app.log);
  const usage = new UsageTracker(db.kysely);
  const digester = createDigester(config.secret);
  const auth = createAuthenticator({
    db: db.kysely,
    digester,
    cache,
    clock,
    usage,
    limiter: config.rateLimitPerMinute > 0 ? new RateLimiter(config.rateLimitPerMinute) : null,
    noticeExternalWrites: externalWriteProbe(db, applyLocally),
    clientAddress: clientAddressOf(config.trustProxy),
  });
  const sdkSecrets = createSdkSecretResolver({
    kysely: db.kysely,
    digester,
    clock,
    maxAgeMs: config.cacheRevalidateSeconds * 1000,
    onInvalidate: (listener) => void listeners.push(listener),
    onListenerError: (err) => app.log.error({ err }, 'an SDK key revocation listener failed'),
  });
  const insights = new InsightRecorder(db.kysely);
  // Pre-routers start answering once every route is registered (the server listens after buildApp returns).
  const pending: PreRouter[] = [];
  const ctx: AppContext = {
    config,
    db,
    kysely: db.kysely,
    clock,
    ids,
    digester,
    cache,
    usage,
    auth,
    preRoute: (handler) => void pending.push(handler),
    sendRaw: rawSender(API_HEADERS, app.log),
    audit: createAuditLog(clock, ids),
    sdkSecrets,
    insights,
    flagReferences,
    async invalidate(event: Invalidation) {
      applyLocally(event);
      await bus.publish(event);
    },
    onInvalidate(listener) {
      listeners.push(listener);
    },
  };
  app.decorate('ctx', ctx);

  installValidation(app);
  installErrorEnvelope(app);
  app.addHook('preHandler', clampPageSize);
  // No parsing hook: only authenticate reads the session cookie, and only when there is no Authorization header.
  await app.register(fastifyCookie, { hook: false });
  await app.register(fastifySwagger, openApiOptions);
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });

  // Security headers on every response, set in one synchronous step (an async hook per response cost a
  // promise and a microtask hop each); a route that set its own CSP (the API docs) keeps it.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // No API route sets its own CSP, so only other paths need the check.
    if (request.url.startsWith('/api/')) reply.headers(API_HEADERS);
    else reply.headers(reply.hasHeader('content-security-policy') ? PAGE_HEADERS : PAGE_HEADERS_WITH_CSP);
    done(null, payload);
  });

  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    const up = await ping(db);
    return reply.code(up ? 200 : 503).send(up ? { success: true, errors: [], data: { status: 'ok' } } : fail(['DatabaseUnavailable']));
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const openPaths = new Set<string>();
  await app.register(
    async (api) => {
      await api.register(async (open) => {
        open.addHook('onRoute', (route) => void openPaths.add(route.url));
        await registerPublicFeatures(open, ctx);
      });
      // Everything registered inside this context requires a credential: the hook runs before body parsing.
      await api.register(async (secured) => {
        secured.decorateRequest('principal', null);
        secured.addHook('onRequest', async (request, reply) => {
          const outcome = await auth.authenticate(request, reply);
          // A rejected credential is answered here, with the same body and headers the error handler gives.
          if (outcome instanceof AppError) return sendAppError(reply, outcome);
          request.principal = outcome;
        });
        reportRefusals(secured);
        sendTokenExpiry(secured, clock);
        await registerFeatures(secured, ctx);
      });
    },
    { prefix: '/api/v1' },
  );
  await app.register(async (sdk) => registerSdkFeatures(sdk, ctx));
  await registerPartnerFeatures(app, ctx);

  // The gate first: it is the cheapest, and what it refuses no feature could answer.
  preRouters.push(createCredentialGate({ prefix: '/api/v1/', openPaths, send: ctx.sendRaw }), ...pending);
  // While closing, every request goes to Fastify, which answers 503 with `Connection: close`: a client polling
  // over a kept-alive connection must not keep the server from shutting down.
  app.addHook('preClose', (done) => {
    preRouters.length = 0;
    done();
  });

  const hasWeb = existsSync(`${config.webDir}/index.html`);
  if (hasWeb) await app.register(fastifyStatic, { root: config.webDir, wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    if (request.method === 'GET' && !path.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html')) {
      if (hasWeb) return reply.type('text/html').sendFile('index.html');
      return reply.type('text/html').send(PLACEHOLDER);
    }
    return reply.code(404).send(fail(['ResourceNotFound']));
  });

  let timers: NodeJS.Timeout[] = [];
  if (deps.background !== false) {
    const throttle = createLoginThrottle(db.kysely);
    const sweep = () => {
      const now = clock.now();
      void sweepExpiredSessions(db.kysely, now).catch((err) => app.log.error({ err }, 'session sweep failed'));
      void throttle.sweep(now).catch((err) => app.log.error({ err }, 'sign-in attempt sweep failed'));
      void insights.sweep(now).catch((err) => app.log.error({ err }, 'flag insights sweep failed'));
    };
    timers = [setInterval(() => void usage.flush(clock.now()).catch((err) => app.log.error({ err }, 'usage flush failed')), FLUSH_EVERY_MS), setInterval(sweep, SWEEP_EVERY_MS)];
    timers.push(setInterval(() => void insights.flush().catch((err) => app.log.error({ err }, 'flag insights flush failed')), INSIGHTS_FLUSH_EVERY_MS));
    for (const t of timers) t.unref();
  }
  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
    sdkSecrets.close();
    await usage.flush(clock.now() + 120_000).catch(() => undefined);
    await insights.flush().catch((err) => app.log.error({ err }, 'flag insights flush failed'));
    await bus.close();
  });
  return app;
}

const PLACEHOLDER = `<!doctype html><html><head><meta charset="utf-8"><title>Ensign</title></head><body><h1>Ensign</h1><p>The web UI has not been built. Run <code>npm run build:web</code>, or use the API under <a href="/docs">/docs</a>.</p></body></html>`;

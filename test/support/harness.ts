// Each test builds its own app on a fresh database: SQLite in a temp dir, or a fresh PostgreSQL schema when PG_URL is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { openDatabase, type Db } from '../../src/platform/db.ts';

export type Backend = 'sqlite' | 'postgres';
export const PG_URL = process.env.PG_URL ?? '';

/** The backends this run covers: SQLite always, PostgreSQL when PG_URL is set. */
export const backends: Backend[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestApp {
  app: FastifyInstance & { ctx: AppContext };
  db: Db;
  backend: Backend;
  dataDir: string;
  close(): Promise<void>;
  /** inject with a credential; returns {status, body, headers}. */
  call(method: string, url: string, opts?: { auth?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, any> }>;
}

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    databaseUrl: null,
    secret: `test-secret-${randomBytes(12).toString('hex')}`,
    logLevel: 'silent',
    sessionTtlSeconds: 3600,
    rateLimitPerMinute: 0,
    cacheRevalidateSeconds: 5,
    webDir: join(dataDir, 'no-web'),
    secureCookies: false,
    trustProxy: false,
    // Off unless a test turns it on: tests move fake clocks by minutes while SDK sockets are open.
    sdkIdleTimeoutSeconds: 0,
    ...overrides,
  };
}

export async function openTestDb(backend: Backend, dataDir: string, schema?: string): Promise<Db> {
  if (backend === 'sqlite') return openDatabase({ databaseUrl: null, dataDir });
  return openDatabase({ databaseUrl: PG_URL, dataDir, pgSchema: schema ?? `t_${randomBytes(6).toString('hex')}` });
}

export async function makeApp(backend: Backend, overrides: Partial<Config> & { clock?: { now(): number }; logger?: any; pgSchema?: string } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ensign-test-'));
  const { clock, logger, pgSchema, ...configOverrides } = overrides;
  const db = await openTestDb(backend, dataDir, pgSchema);
  const config = testConfig(dataDir, { databaseUrl: backend === 'postgres' ? PG_URL : null, ...configOverrides });
  const app = await buildApp({ config, db, clock, logger: logger ?? false, background: false });
  await app.ready();
  const call: TestApp['call'] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.auth) headers.authorization = opts.auth;
    const res = await app.inject({ method: method as any, url, headers, ...(opts.body !== undefined ? { payload: opts.body as any } : {}) });
    let body: any = null;
    try {
      body = res.json();
    } catch {
      body = res.body;
    }
    return { status: res.statusCode, body, headers: res.headers };
  };
  return {
    app,
    db,
    backend,
    dataDir,
    call,
    async close() {
      await app.close();
      if (backend === 'postgres' && db.pgSchema) {
        const { sql } = await import('kysely');
        await sql
          .raw(`drop schema if exists ${db.pgSchema} cascade`)
          .execute(db.kysely)
          .catch(() => undefined);
      }
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

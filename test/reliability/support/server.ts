// A real `ensign serve` in a child process: the exact command users run, so kill -9, RSS and file descriptors are real.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../support/free-port.ts';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface ServerOptions {
  dataDir: string;
  secret?: string;
  databaseUrl?: string;
  logLevel?: string;
  env?: Record<string, string>;
}

export interface Spawned {
  url: string;
  port: number;
  pid: number;
  secret: string;
  /** Everything the process wrote to stdout and stderr, as bytes. */
  output(): Buffer;
  exited(): boolean;
  /** SIGKILL: no shutdown hook, no flush, no checkpoint. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (graceful close). */
  stop(): Promise<void>;
  /** Resident set size in KiB (VmRSS) and open file descriptors, from /proc. */
  sample(): { rssKiB: number; fds: number };
}

export async function spawnServer(opts: ServerOptions): Promise<Spawned> {
  const port = await freePort();
  const secret = opts.secret ?? randomBytes(32).toString('base64url');
  const chunks: Buffer[] = [];
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin/ensign.mjs'), 'serve'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: opts.dataDir,
      ENSIGN_SECRET: secret,
      LOG_LEVEL: opts.logLevel ?? 'warn',
      WEB_DIR: join(opts.dataDir, 'no-web'),
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => chunks.push(d));
  child.stderr!.on('data', (d: Buffer) => chunks.push(d));
  let exited = false;
  const gone = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  const server: Spawned = {
    url,
    port,
    pid,
    secret,
    output: () => Buffer.concat(chunks),
    exited: () => exited,
    async kill9() {
      if (!exited) process.kill(pid, 'SIGKILL');
      await gone;
    },
    async stop() {
      if (!exited) process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => !exited && process.kill(pid, 'SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
    sample() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return { rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN), fds: readdirSync(`/proc/${pid}/fd`).length };
    },
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited during start:\n${server.output().toString()}`);
    try {
      if ((await request(url, 'GET', '/healthz')).status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.kill9();
  throw new Error(`server did not answer /healthz within 60 s:\n${server.output().toString()}`);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
}

/** One HTTP request; pass an agent to keep a connection of one's own. */
export function request(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown; agent?: http.Agent; timeoutMs?: number } = {}): Promise<Reply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolveReply, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent: opts.agent,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...opts.headers },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = null;
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
          resolveReply({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function ok(res: Reply, what: string): any {
  if (res.status !== 200 || !res.body?.success) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body.data;
}

/** A throw-away PostgreSQL database (the server takes no schema option, so each run gets a database of its own). */
export async function freshPgDatabase(pgUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

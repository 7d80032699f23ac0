// Ensign instances in their own processes (`ensign serve`) on one PostgreSQL schema, as behind a load balancer.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_URL } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Instance {
  base: string;
  child: ChildProcess;
  dataDir: string;
}

let nextPort = 19_000 + Math.floor(Math.random() * 2000);

/** `ensign serve` in its own process, on the shared schema (the URL's search_path) and the shared secret. */
export async function startInstance(schema: string, secret: string, env: Record<string, string> = {}): Promise<Instance> {
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const port = nextPort++;
  const dataDir = mkdtempSync(join(tmpdir(), 'ensign-multi-'));
  const child = spawn(process.execPath, ['bin/ensign.mjs', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      ENSIGN_SECRET: secret,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '10000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`instance exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) break;
    } catch {}
    if (i > 300) throw new Error('instance never answered');
    await sleep(100);
  }
  return { base, child, dataDir };
}

export async function stopInstance(i: Instance | undefined): Promise<void> {
  if (!i) return;
  if (i.child.exitCode === null) {
    const exited = new Promise((r) => i.child.once('exit', r));
    i.child.kill('SIGTERM');
    await exited;
  }
  rmSync(i.dataDir, { recursive: true, force: true });
}

/** A JSON call; fails the test on anything but a 200 envelope. */
export async function call(base: string, method: string, path: string, auth: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as { success: boolean; data: any; errors: string[] };
  if (res.status !== 200 || !json.success) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

export async function status(url: string, auth: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: auth } });
  await res.arrayBuffer();
  return res.status;
}

export interface TwoInstances {
  schema: string;
  secret: string;
  /** A client of PG_URL itself (outside the schema), for what a test does to the database behind the instances. */
  admin: pg.Client;
  a: Instance;
  b: Instance;
  owner: string;
  orgId: string;
  /** The flag `checkout` of project web, environment prod, on instance B. */
  onB: string;
  /** A call as the Owner through A, in the organization. */
  asOwner(method: string, path: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

/**
 * A fresh schema of PG_URL with instances A and B on it (`env` for both), an Owner set up through A, and a flag whose
 * read on B the multi-instance tests watch.
 */
export async function twoInstancesWithAFlag(prefix: string, env: Record<string, string> = {}): Promise<TwoInstances> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  // Instances of one deployment share ENSIGN_SECRET (the token pepper).
  const secret = `multi-instance-${randomBytes(12).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const a = await startInstance(schema, secret, env);
  const b = await startInstance(schema, secret, env);
  const setup = await call(a.base, 'POST', '/setup', null, { organizationName: 'Acme', name: 'Olivia Owner', email: 'owner@example.com', password: 'owner-password' });
  const owner = `Bearer ${setup.session}`;
  const orgId: string = setup.organizationId;
  const asOwner = (method: string, path: string, body?: unknown) => call(a.base, method, path, owner, body, { organization: orgId });
  const project = await asOwner('POST', '/projects', { name: 'Web', key: 'web' });
  const envId = project.environments.find((e: { key: string }) => e.key === 'prod').id;
  await asOwner('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout' });
  return {
    schema,
    secret,
    admin,
    a,
    b,
    owner,
    orgId,
    onB: `${b.base}/api/v1/envs/${envId}/feature-flags/checkout`,
    asOwner,
    async stop() {
      await stopInstance(b);
      await stopInstance(a);
      await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await admin.end();
    },
  };
}

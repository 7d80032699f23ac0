// Ensign instances in their own processes (`ensign serve`) on one PostgreSQL schema, as behind a load balancer.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

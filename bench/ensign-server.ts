// Helpers shared by the benchmark and the profiler: start Ensign in its own process, seed it, load it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export const CONNECTIONS = 50;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`server at ${url} never answered`);
}

export function startProcess(cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** User and system CPU milliseconds a process has used so far (Linux /proc; USER_HZ = 100). */
export function cpuMs(pid: number): { user: number; sys: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) * 10, sys: Number(fields[12]) * 10 };
}

export const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
}

export async function load(url: string, opts: { headers?: Record<string, string>; expectStatus?: number; duration: number; warmup: number }): Promise<LoadResult> {
  const { headers = {}, expectStatus = 200, duration, warmup } = opts;
  // One request first, so a wrong setup fails loudly instead of producing a table of errors.
  const probe = await fetch(url, { headers });
  if (probe.status !== expectStatus) throw new Error(`${url}: probe got ${probe.status} ${await probe.text()}`);
  if (warmup > 0) await autocannon({ url, connections: CONNECTIONS, duration: warmup, headers });
  const r = await autocannon({ url, connections: CONNECTIONS, duration, headers });
  const stats = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats;
  const wrong = stats
    ? Object.entries(stats)
        .filter(([code]) => Number(code) !== expectStatus)
        .reduce((n, [, v]) => n + v.count, 0)
    : r.non2xx;
  if (r.errors > 0 || wrong > 0) throw new Error(`${url}: ${r.errors} errors, ${wrong} responses not ${expectStatus}`);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
}

export interface Seeded {
  envId: string;
  flagUrl: string;
  personal: string;
  service: string;
}

let nextPort = 18_000 + Math.floor(Math.random() * 1000);
export const freePort = () => nextPort++;

/** `node [nodeArgs] bin/ensign.mjs serve` on 127.0.0.1:port, once /healthz answers. */
export async function startEnsign(env: Record<string, string>, dataDir: string, port = freePort(), nodeArgs: string[] = []): Promise<{ child: ChildProcess; base: string }> {
  // ENSIGN_ENTRY: another entry point, e.g. a tsc build of src (real line numbers in a profile).
  const child = startProcess(process.execPath, [...nodeArgs, process.env.ENSIGN_ENTRY ?? 'bin/ensign.mjs', 'serve'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '10000000',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`);
  return { child, base };
}

/** An owner, a project with a `prod` environment, one flag, a personal token and a service token that can read it. */
export async function seed(base: string): Promise<Seeded> {
  const call = async (method: string, path: string, auth: string | null, body?: unknown) => {
    const r = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await r.json()) as { success: boolean; data: any; errors: string[] };
    if (!json.success) throw new Error(`${method} ${path}: ${json.errors}`);
    return json.data;
  };
  const s = await call('POST', '/setup', null, { organizationName: 'Bench', name: 'Bench Owner', email: 'bench@example.com', password: 'bench-password' });
  const owner = `Bearer ${s.session}`;
  const project = await call('POST', '/projects', owner, { name: 'Web', key: 'web' });
  const env = project.environments.find((e: { key: string }) => e.key === 'prod');
  await call('POST', `/envs/${env.id}/feature-flags`, owner, { key: 'checkout', name: 'Checkout', tags: ['beta'] });
  const personal = (await call('POST', '/access-tokens', owner, { name: 'bench-pat', type: 'Personal', permissions: [] })).secret;
  const service = (
    await call('POST', '/access-tokens', owner, {
      name: 'bench-svc',
      type: 'Service',
      permissions: [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }],
    })
  ).secret;
  return { envId: env.id, flagUrl: `${base}/api/v1/envs/${env.id}/feature-flags/checkout`, personal, service };
}

/** The same credential with its last character changed: the checksum fails. */
export const forge = (secret: string) => secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');

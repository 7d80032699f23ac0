// npm run bench: Ensign on SQLite (and PostgreSQL when PG_URL is set) against bare Fastify, one table.
// Each server runs in its own process; autocannon (50 connections, 10 s after a 3 s warm-up) runs here.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { runDecisionBench } from './decision.bench.ts';
import { runTokenVerifyBench } from './token-verify.bench.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = 50;
const BIG = Number(process.env.BENCH_TOKENS ?? 1_000_000);

interface Row {
  case: string;
  rps: number;
  p50: number;
  p99: number;
  ratio?: number;
  target: string;
  met?: boolean;
  note?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`server at ${url} never answered`);
}

function startProcess(cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

async function load(url: string, headers: Record<string, string> = {}, expectStatus = 200) {
  // One request first, so a wrong setup fails loudly instead of producing a table of errors.
  const probe = await fetch(url, { headers });
  if (probe.status !== expectStatus) throw new Error(`${url}: probe got ${probe.status} ${await probe.text()}`);
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, headers });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers, expectBody: undefined });
  const wrong = r.statusCodeStats ? Object.entries(r.statusCodeStats).filter(([code]) => Number(code) !== expectStatus).reduce((n, [, v]) => n + (v as { count: number }).count, 0) : r.non2xx;
  if (r.errors > 0 || wrong > 0) throw new Error(`${url}: ${r.errors} errors, ${wrong} responses not ${expectStatus}`);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
}

interface Ensign {
  child: ChildProcess;
  base: string;
  flagUrl: string;
  personal: string;
  service: string;
  dataDir: string;
}

let port = 18_000 + Math.floor(Math.random() * 1000);

async function startEnsign(env: Record<string, string>, dataDir: string, p = port++): Promise<{ child: ChildProcess; base: string }> {
  const child = startProcess(process.execPath, ['bin/ensign.mjs', 'serve'], {
    PORT: String(p),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '10000000',
    ...env,
  });
  const base = `http://127.0.0.1:${p}`;
  await waitFor(`${base}/healthz`);
  return { child, base };
}

async function seed(base: string): Promise<Omit<Ensign, 'child' | 'base' | 'dataDir'>> {
  const call = async (method: string, path: string, auth: string | null, body?: unknown) => {
    const r = await fetch(`${base}/api/v1${path}`, { method, headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
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
  const service = (await call('POST', '/access-tokens', owner, { name: 'bench-svc', type: 'Service', permissions: [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }] })).secret;
  return { flagUrl: `${base}/api/v1/envs/${env.id}/feature-flags/checkout`, personal, service };
}

/** Adds filler tokens straight into the database (random digests; none of them can authenticate). */
function fillSqliteTokens(dataDir: string, count: number): void {
  const db = new SQLite(join(dataDir, 'ensign.db'));
  const { org_id, creator_member_id, creator_user_id } = db.prepare('select org_id, creator_member_id, creator_user_id from access_tokens limit 1').get() as Record<string, string>;
  const insert = db.prepare(
    `insert into access_tokens (id, org_id, name, name_lower, type, status, inactive_reason, hint, digest, prev_digest, prev_digest_until, permissions, creator_member_id, creator_user_id, creator_token_id, creator_name, created_at, updated_at, last_used_at, expires_at)
     values (?, ?, ?, ?, 'Service', 'Active', null, 'ens_svc_…fill', ?, null, null, '[]', ?, ?, null, 'filler', ?, ?, null, null)`,
  );
  const now = Date.now();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(`fill-${i}`, org_id, `filler-${i}`, `filler-${i}`, randomBytes(32).toString('base64url'), creator_member_id, creator_user_id, now - i, now - i);
  });
  for (let i = 0; i < count; i += 50_000) batch(i, Math.min(count, i + 50_000));
  db.close();
}

async function main() {
  const rows: Row[] = [];
  const secret = randomBytes(24).toString('hex');

  // Yardstick.
  const barePort = port++;
  const bare = startProcess(process.execPath, ['bench/bare-fastify.mjs'], { PORT: String(barePort) });
  await waitFor(`http://127.0.0.1:${barePort}/`);
  const b = await load(`http://127.0.0.1:${barePort}/`);
  await stop(bare);
  rows.push({ case: 'bare Fastify hello world', ...b, ratio: 1, target: '—' });
  const ratio = (rps: number) => Math.round((rps / b.rps) * 100) / 100;

  // SQLite.
  const dataDir = mkdtempSync(join(tmpdir(), 'ensign-bench-'));
  let e = await startEnsign({ ENSIGN_SECRET: secret }, dataDir);
  const seeded = await seed(e.base);
  const pat = await load(seeded.flagUrl, { authorization: seeded.personal });
  rows.push({ case: 'GET flag, personal token, SQLite', ...pat, ratio: ratio(pat.rps), target: '≥ 0.5× bare; p99 ≤ 5 ms', met: ratio(pat.rps) >= 0.5 && pat.p99 <= 5 });
  const svc = await load(seeded.flagUrl, { authorization: seeded.service });
  rows.push({ case: 'GET flag, service token, SQLite', ...svc, ratio: ratio(svc.rps), target: '≥ 0.5× bare; p99 ≤ 5 ms', met: ratio(svc.rps) >= 0.5 && svc.p99 <= 5 });
  const forged = seeded.service.slice(0, -1) + (seeded.service.endsWith('A') ? 'B' : 'A');
  const bad = await load(seeded.flagUrl, { authorization: forged }, 401);
  rows.push({ case: 'rejected: bad checksum (401)', ...bad, ratio: ratio(bad.rps), target: '≥ 0.8× bare', met: ratio(bad.rps) >= 0.8 });
  const rss = rssMb(e.child.pid!);
  rows.push({ case: 'resident memory after the SQLite load', rps: NaN, p50: NaN, p99: NaN, target: '≤ 250 MB', met: rss <= 250, note: `${rss} MB` });
  await stop(e.child);

  // One million tokens.
  const t0 = Date.now();
  fillSqliteTokens(dataDir, BIG - 2);
  const fillSeconds = Math.round((Date.now() - t0) / 1000);
  // Same port as before, so the seeded URLs still point at it.
  e = await startEnsign({ ENSIGN_SECRET: secret }, dataDir, Number(new URL(e.base).port));
  const big = await load(seeded.flagUrl, { authorization: seeded.service });
  const within = Math.abs(big.rps - svc.rps) / svc.rps;
  rows.push({ case: `GET flag, service token, ${BIG.toLocaleString('en')} tokens in SQLite`, ...big, ratio: ratio(big.rps), target: 'within 10 % of the 1,000-token figure', met: within <= 0.1, note: `${Math.round(within * 100)} % from the small case; filled in ${fillSeconds} s` });
  const rssBig = rssMb(e.child.pid!);
  rows.push({ case: 'resident memory after the 1M-token load', rps: NaN, p50: NaN, p99: NaN, target: '≤ 250 MB', met: rssBig <= 250, note: `${rssBig} MB` });
  await stop(e.child);
  rmSync(dataDir, { recursive: true, force: true });

  // PostgreSQL.
  if (process.env.PG_URL) {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = new URL(process.env.PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const pgDir = mkdtempSync(join(tmpdir(), 'ensign-bench-pg-'));
    const p = await startEnsign({ ENSIGN_SECRET: secret, DATABASE_URL: url.toString() }, pgDir);
    const s = await seed(p.base);
    const r = await load(s.flagUrl, { authorization: s.personal });
    rows.push({ case: 'GET flag, personal token, PostgreSQL', ...r, ratio: ratio(r.rps), target: '≥ 0.35× bare', met: ratio(r.rps) >= 0.35 });
    await stop(p.child);
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
    rmSync(pgDir, { recursive: true, force: true });
  } else {
    rows.push({ case: 'GET flag, personal token, PostgreSQL', rps: NaN, p50: NaN, p99: NaN, target: '≥ 0.35× bare', note: 'skipped: PG_URL not set' });
  }

  // Micro-benchmarks.
  const d = runDecisionBench();
  rows.push({ case: 'policy decision, 50 policies × 20 statements (µs)', rps: Math.round(d.opsPerSec), p50: d.p50Us, p99: d.p99Us, target: 'p99 ≤ 20 µs', met: d.p99Us <= 20 });
  const verify = await runTokenVerifyBench();

  const fmt = (n: number) => (Number.isFinite(n) ? String(n) : '—');
  const lines = [
    '| case | requests/s | p50 (ms) | p99 (ms) | × bare | target | met |',
    '|---|---:|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.case} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.ratio === undefined ? '—' : r.ratio} | ${r.target} | ${r.met === undefined ? (r.note ?? '—') : `${r.met ? 'yes' : 'NO'}${r.note ? ` (${r.note})` : ''}`} |`),
  ];
  const verifyLines = ['| token verification | p50 (µs) | p99 (µs) | mean (µs) |', '|---|---:|---:|---:|', ...verify.map((v) => `| ${v.case} | ${v.p50Us} | ${v.p99Us} | ${v.meanUs} |`)];
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const doc = [
    '# Performance',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${machine}. autocannon, ${CONNECTIONS} connections, ${DURATION} s after a ${WARMUP} s warm-up, in the same process as nothing else; each server in its own process on the same 2 cores, so the load generator competes with the server (as it does with bare Fastify).`,
    '',
    ...lines,
    '',
    '## Token verification (micro-benchmark, in process)',
    '',
    ...verifyLines,
    '',
  ].join('\n');
  console.log(doc);
  if (!process.env.BENCH_NO_WRITE) writeFileSync('docs/performance.md', doc + (process.env.BENCH_APPEND ?? ''));
}

await main();

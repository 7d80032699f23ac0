// The SDK section of `npm run bench` (alone: `npm run bench:sdk`). Ensign on SQLite, 50 flags and 10 segments in one
// environment; the load generator (bench/sdk-load.ts) in its own process. Both are started through bash with the
// open-files limit raised to its hard limit (never above it, and only for those two processes). Everything runs on
// 127.0.0.1 and stops by itself.
//
// Settings (environment): SDK_HELD (connections held at once; default 20,000, capped below the open-files hard
// limit), SDK_RATE (new connections per second; default 2,000), SDK_RATE_SECONDS (default 10), SDK_ROUNDS (flag
// changes; default 3), SDK_POLL_SECONDS (autocannon per polling case; default 10). BENCH_SDK_QUICK=1: 2,000 held,
// 2,000/s for 3 s, 3 s polls, a tenth of the evaluation batches: about a minute on a quiet machine.
// For before/after comparisons: SDK_SERVER_DIR (run the server from another checkout of Ensign, e.g. an extracted
// `git archive`, with this bench and load generator), SDK_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=DIR` to
// profile the server), SDK_STREAMING=0 (polling only) and SDK_EVALUATION=0 (skip the in-process evaluation cases).
// With PG_URL set, a last phase holds up to 10,000 SDKs on a second instance of one PostgreSQL database and toggles
// through the first (SDK_TWO_INSTANCES=0 skips it).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { CONNECTIONS, freePort, rssMb, startProcess, stop, waitFor } from './ensign-server.ts';
import { runEvaluationBench } from './evaluation.ts';
import { cpuUsOf, latencies, type SdkLoadResult, type SdkLoadSettings } from './sdk-load.ts';

const QUICK = process.env.BENCH_SDK_QUICK === '1';
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const FLAGS = 50;
const SEGMENTS = 10;
const DOC = 'docs/performance.md';
const BEGIN = '<!-- sdk-bench -->';
const END = '<!-- /sdk-bench -->';
const ANALYSIS = '<!-- analysis -->';

/** `cmd args…` through bash with the soft open-files limit raised to the hard one; the child's pid is the command's. */
function withOpenFiles(cmd: string, args: string[], env: Record<string, string>, stdout: 'ignore' | 'pipe' = 'ignore', cwd?: string): ChildProcess {
  return spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'bash', cmd, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'inherit'] });
}

const hardOpenFiles = (): number => {
  const text = execFileSync('bash', ['-c', 'ulimit -Hn']).toString().trim();
  return text === 'unlimited' ? Infinity : Number(text);
};

async function call(base: string, method: string, path: string, auth: string | null, body?: unknown) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await r.json()) as { success: boolean; data: any; errors: string[] };
  if (!json.success) throw new Error(`${method} ${path}: ${json.errors}`);
  return json.data;
}

/** An owner, one environment with FLAGS flags (some with rules on segments) and SEGMENTS segments. */
async function seedSdk(base: string) {
  const s = await call(base, 'POST', '/setup', null, { organizationName: 'Bench', name: 'Bench Owner', email: 'bench@example.com', password: 'bench-password' });
  const owner = `Bearer ${s.session}`;
  const project = await call(base, 'POST', '/projects', owner, { name: 'Web', key: 'web' });
  const env = project.environments.find((e: { key: string }) => e.key === 'prod');
  const serverKey: string = env.secrets.find((k: { type: string }) => k.type === 'server').value;
  for (let i = 0; i < SEGMENTS; i++) {
    await call(base, 'POST', `/envs/${env.id}/segments`, owner, { key: `segment-${i}`, name: `Segment ${i}`, included: Array.from({ length: 20 }, (_, j) => `user-${i}-${j}`), excluded: [] });
  }
  for (let i = 0; i < FLAGS; i++) await call(base, 'POST', `/envs/${env.id}/feature-flags`, owner, { key: `flag-${i}`, name: `Flag ${i}`, tags: ['bench'] });
  return { owner, envId: env.id as string, serverKey };
}

/**
 * Requests over CONNECTIONS kept-alive sockets with Node's own HTTP client, for `seconds` after a 1 s warm-up.
 * Not autocannon: Ensign's 304 carries `content-length: 4` (Fastify's, for the `null` it was sent with), and autocannon's
 * parser then waits for a body a 304 never has. Bare Fastify is measured with this same client, so the ratio is fair.
 */
async function keepAliveLoad(url: string, headers: Record<string, string>, expectStatus: number, seconds: number): Promise<{ rps: number; p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const req = http.get(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === expectStatus ? resolve(res.statusCode) : reject(new Error(`${url}: ${res.statusCode}, expected ${expectStatus}`))));
      });
      req.on('error', reject);
    });
  const run = async (ms: number, times: number[] | null) => {
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await one();
          times?.push(performance.now() - t);
        }
      }),
    );
  };
  await run(1000, null);
  const times: number[] = [];
  await run(seconds * 1000, times);
  agent.destroy();
  const l = latencies(times);
  return { rps: Math.round(times.length / seconds), p50: l.p50, p99: l.p99 };
}

export interface SdkRow {
  case: string;
  value: string;
  target: string;
  met: boolean | null;
  note: string;
}

/** An Ensign server for the SDK phases, with the open-files limit raised; `env` adds to (or overrides) its settings. */
function startSdkServer(env: Record<string, string>): { server: ChildProcess; port: number; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'ensign-bench-sdk-'));
  const port = freePort();
  const server = withOpenFiles(
    process.execPath,
    [...(process.env.SDK_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'bin/ensign.mjs', 'serve'],
    // The load generator pings each held socket once, when all are open, not every 18 s as an SDK does: an idle
    // timeout longer than the whole run keeps its sockets open (the sweep itself still runs).
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ENSIGN_SECRET: randomBytes(24).toString('hex'),
      RATE_LIMIT_PER_MINUTE: '10000000',
      SDK_IDLE_TIMEOUT_SECONDS: '3600',
      ...env,
    },
    'ignore',
    process.env.SDK_SERVER_DIR,
  );
  return { server, port, dataDir };
}

/** Runs bench/sdk-load.ts with these settings; its last line of output is the result. */
async function runLoadGenerator(settings: SdkLoadSettings): Promise<SdkLoadResult> {
  const gen = withOpenFiles(process.execPath, ['--import', 'tsx', 'bench/sdk-load.ts'], { SDK_LOAD: JSON.stringify(settings) }, 'pipe');
  let out = '';
  gen.stdout!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => gen.once('exit', r));
  if (code !== 0) throw new Error(`the load generator exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').pop()!) as SdkLoadResult;
}

type Rounds = SdkLoadResult['broadcast']['rounds'];
const worstOf = (all: Rounds) => all.reduce((a, b) => (b.fromResponse.p99 > a.fromResponse.p99 ? b : a), all[0]);
const roundsNote = (all: Rounds) =>
  all
    .map(
      (x) =>
        `${x.received} received, p50 ${x.fromResponse.p50} / p99 ${x.fromResponse.p99} / max ${x.fromResponse.max} ms, server CPU ${x.serverCpuUs} µs per patch (${x.serverSysUs} µs of it in the kernel), load generator ${x.loadCpuUs} µs per patch`,
    )
    .join('; ');

/**
 * Two instances on one PostgreSQL database (a fresh schema of PG_URL): SDKs held on B, the flag toggled through A's
 * REST API, so every patch crosses the database's notification bus. Only the held and broadcast phases run.
 */
async function twoInstanceRow(held: number, rounds: number): Promise<SdkRow> {
  const schema = `bench_sdk_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(process.env.PG_URL!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const secret = randomBytes(24).toString('hex');
  const a = startSdkServer({ DATABASE_URL: url.toString(), ENSIGN_SECRET: secret });
  let b: ReturnType<typeof startSdkServer> | null = null;
  try {
    await waitFor(`http://127.0.0.1:${a.port}/healthz`);
    const seeded = await seedSdk(`http://127.0.0.1:${a.port}`);
    b = startSdkServer({ DATABASE_URL: url.toString(), ENSIGN_SECRET: secret });
    await waitFor(`http://127.0.0.1:${b.port}/healthz`);
    const r = await runLoadGenerator({
      host: '127.0.0.1',
      port: b.port,
      togglePort: a.port,
      serverKey: seeded.serverKey,
      owner: seeded.owner,
      envId: seeded.envId,
      flagKey: 'flag-0',
      expectFlags: FLAGS,
      serverPid: b.server.pid!,
      rate: 0,
      rateSeconds: 0,
      held,
      rounds,
    });
    const all = r.broadcast.rounds;
    const worst = worstOf(all);
    return {
      case: `a flag change through instance A reaching every SDK held by instance B, PostgreSQL (${r.broadcast.connections.toLocaleString('en')} sockets, ${all.length} toggles)`,
      value: `p99 ${worst.fromResponse.p99} ms from A's REST response (worst toggle); p99 from the request ${worst.fromRequest.p99} ms`,
      target: '10,000 SDKs at p99 ≤ 150 ms',
      met: r.broadcast.connections >= 10_000 ? worst.fromResponse.p99 <= 150 && all.every((x) => x.received === r.broadcast.connections) : null,
      note: `${r.held.opened} held on B (server RSS ${r.held.serverRssMb} MB); CPU figures are B's; ${roundsNote(all)}`,
    };
  } finally {
    if (b) await stop(b.server);
    await stop(a.server);
    for (const d of [a.dataDir, b?.dataDir]) if (d) rmSync(d, { recursive: true, force: true });
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

export async function runSdkBench(): Promise<{ rows: SdkRow[]; settings: string }> {
  const hard = hardOpenFiles();
  // Each held socket is one descriptor in the server and one in the load generator; leave room for the rest.
  const wantHeld = num('SDK_HELD', QUICK ? 2_000 : 20_000);
  const held = Math.min(wantHeld, hard - 300);
  const rate = num('SDK_RATE', 2_000);
  const rateSeconds = num('SDK_RATE_SECONDS', QUICK ? 3 : 10);
  const rounds = num('SDK_ROUNDS', 3);
  const pollSeconds = num('SDK_POLL_SECONDS', QUICK ? 3 : 10);
  const rows: SdkRow[] = [];

  const { server, port, dataDir } = startSdkServer({});
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${base}/healthz`);
    const seeded = await seedSdk(base);

    // Polling first, while the server is fresh: a server SDK's poll whose ETag has not changed (304), against bare Fastify.
    const pollUrl = `${base}/api/public/sdk/server/latest-all?timestamp=0`;
    const first = await fetch(pollUrl, { headers: { authorization: seeded.serverKey } });
    const etag = first.headers.get('etag');
    if (first.status !== 200 || !etag) throw new Error(`polling: ${first.status}, etag ${etag}`);
    // Alternating rounds (BENCH_ROUNDS, default 2) of bare Fastify and the poll; the best of each counts, as in bench/run.ts.
    const barePort = freePort();
    const bare = startProcess(process.execPath, ['bench/bare-fastify.mjs'], { PORT: String(barePort) });
    await waitFor(`http://127.0.0.1:${barePort}/`);
    let bareRun = { rps: 0, p50: NaN, p99: NaN };
    let poll = { rps: 0, p50: NaN, p99: NaN };
    let pollCpuUs = Infinity;
    for (let round = 0; round < Math.max(1, num('BENCH_ROUNDS', 2)); round++) {
      const b = await keepAliveLoad(`http://127.0.0.1:${barePort}/`, {}, 200, pollSeconds);
      if (b.rps > bareRun.rps) bareRun = b;
      const cpuBefore = cpuUsOf(server.pid!);
      const p = await keepAliveLoad(pollUrl, { authorization: seeded.serverKey, 'if-none-match': etag }, 304, pollSeconds);
      // The server's CPU per answered poll (the 1 s warm-up's requests are not counted, so this slightly overstates it).
      pollCpuUs = Math.min(pollCpuUs, Math.round((cpuUsOf(server.pid!) - cpuBefore) / (p.rps * pollSeconds)));
      if (p.rps > poll.rps) poll = p;
    }
    await stop(bare);
    const ratio = Math.round((poll.rps / bareRun.rps) * 100) / 100;
    rows.push({
      case: 'server-SDK poll, unchanged ETag (304)',
      value: `${poll.rps} req/s, p50 ${poll.p50} ms, p99 ${poll.p99} ms`,
      target: '≥ 0.5× bare Fastify',
      met: ratio >= 0.5,
      note: `${ratio}× bare (${bareRun.rps} req/s, p99 ${bareRun.p99} ms, best rounds of each, alternating); both with Node's HTTP client, ${CONNECTIONS} kept-alive connections; server CPU ${pollCpuUs} µs per poll (lowest round)`,
    });

    // The streaming phases, in the load generator's process (SDK_STREAMING=0 skips them).
    if (process.env.SDK_STREAMING === '0') return { rows, settings: `${pollSeconds} s polls` };
    const settings: SdkLoadSettings = {
      host: '127.0.0.1',
      port,
      serverKey: seeded.serverKey,
      owner: seeded.owner,
      envId: seeded.envId,
      flagKey: 'flag-0',
      expectFlags: FLAGS,
      serverPid: server.pid!,
      rate,
      rateSeconds,
      held,
      rounds,
    };
    const r = await runLoadGenerator(settings);

    rows.push({
      case: `new connections, each a full data-sync (${FLAGS} flags, ${SEGMENTS} segments), offered ${rate}/s for ${rateSeconds} s`,
      value: `${r.rate.perSecond}/s completed; p50 ${r.rate.latency.p50} ms, p99 ${r.rate.latency.p99} ms`,
      target: '≥ 2,000/s at p99 ≤ 100 ms (FeatBit, 1 vCPU: 1,000/s at p99 97 ms, errors at 1,200/s)',
      met: r.rate.perSecond >= 2000 && r.rate.latency.p99 <= 100 && r.rate.failed === 0,
      note: `${r.rate.completed} synced, ${r.rate.failed} failed, connect → full data-sync; max ${r.rate.latency.max} ms; server CPU ${r.rate.serverCpuUs} µs per connection`,
    });
    const heldNote = held < wantHeld ? `; ${wantHeld.toLocaleString('en')} asked, capped at ${held.toLocaleString('en')} by the open-files hard limit (${hard})` : '';
    rows.push({
      case: `connections held at once (each synced, then pinged)`,
      value: `${r.held.opened.toLocaleString('en')} held, server RSS ${r.held.serverRssMb} MB`,
      target: '20,000 held, RSS ≤ 800 MB (FeatBit: 22,000 held)',
      met: r.held.opened >= 20_000 && r.held.serverRssMb <= 800 ? true : r.held.opened < 20_000 ? null : false,
      note: `${r.held.pongs} pongs, ${r.held.failed} failed, opened in ${r.held.seconds} s (500 connecting at once); server open files ${r.held.serverFds}; load generator RSS ${r.held.loadRssMb} MB${heldNote}`,
    });
    const all = r.broadcast.rounds;
    const worst = worstOf(all);
    rows.push({
      case: `a flag change reaching every connected SDK (${r.broadcast.connections.toLocaleString('en')} sockets, ${all.length} toggles)`,
      value: `p99 ${worst.fromResponse.p99} ms from the REST response (worst toggle); p99 from the request ${worst.fromRequest.p99} ms`,
      target: '10,000 SDKs at p99 ≤ 100 ms (FeatBit: 207–329 ms)',
      met: r.broadcast.connections >= 10_000 ? worst.fromResponse.p99 <= 100 && all.every((x) => x.received === r.broadcast.connections) : null,
      note: roundsNote(all),
    });
    rows.push({ case: 'server RSS after the streaming phases', value: `${rssMb(server.pid!)} MB`, target: '—', met: null, note: '' });
  } finally {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }

  // PostgreSQL, two instances (PG_URL set; SDK_TWO_INSTANCES=0 skips it): at most 10,000 held, the target's count.
  if (process.env.PG_URL && process.env.SDK_TWO_INSTANCES !== '0' && process.env.SDK_STREAMING !== '0') rows.push(await twoInstanceRow(Math.min(held, 10_000), rounds));

  for (const matchingLast of process.env.SDK_EVALUATION === '0' ? [] : [true, false]) {
    const e = runEvaluationBench(matchingLast, QUICK ? 2_000 : undefined);
    rows.push({
      case: `evaluation, 20 rules × 5 conditions, ${e.case.split(' (')[0]} (bench/evaluation.ts)`,
      value: `${e.evaluationsPerSec.toLocaleString('en')}/s, p50 ${e.p50Us} µs, p99 ${e.p99Us} µs`,
      target: 'p99 ≤ 5 µs',
      met: e.p99Us <= 5,
      note: `CPU ${e.cpuUsPerEvaluation} µs/evaluation; single call p99 ${e.singleCallP99Us} µs (timer included)`,
    });
  }
  return { rows, settings: `${held.toLocaleString('en')} held, ${rate}/s for ${rateSeconds} s, ${rounds} toggles, ${pollSeconds} s polls${QUICK ? ' (BENCH_SDK_QUICK)' : ''}` };
}

/** The SDK section as markdown, between its markers. */
export function sdkSection(result: { rows: SdkRow[]; settings: string }, loadBefore: number, loadAfter: number): string {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  return [
    BEGIN,
    '## SDKs: streaming, polling, evaluation',
    '',
    `Measured by \`npm run bench:sdk\` (also part of \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}, ${machine}; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; ${result.settings}. Ensign on SQLite with ${FLAGS} flags and ${SEGMENTS} segments; the load generator (bench/sdk-load.ts, \`ws\`) in its own process on the same cores, so it competes with the server. The machine is shared with other work, which only ever slows a run down.`,
    '',
    '| case | measured | target | met |',
    '|---|---|---|---|',
    ...result.rows.map((r) => `| ${r.case} | ${r.value} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : 'NO'}${r.note ? ` (${r.note})` : ''} |`),
    END,
    '',
  ].join('\n');
}

/** Puts the section into docs/performance.md: in place of the previous one, or just above the hand-written analysis. */
export function writeSdkSection(section: string): void {
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  let next: string;
  if (doc.includes(BEGIN) && doc.includes(END)) next = doc.slice(0, doc.indexOf(BEGIN)) + section.trimEnd() + doc.slice(doc.indexOf(END) + END.length);
  else if (doc.includes(ANALYSIS)) next = `${doc.slice(0, doc.indexOf(ANALYSIS)) + section}\n${doc.slice(doc.indexOf(ANALYSIS))}`;
  else next = `${doc}\n${section}`;
  writeFileSync(DOC, next);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const before = loadavg()[0];
  const result = await runSdkBench();
  const section = sdkSection(result, before, loadavg()[0]);
  console.log(section);
  if (!process.env.BENCH_NO_WRITE) writeSdkSection(section);
}

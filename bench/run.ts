// npm run bench: Ensign on SQLite (and PostgreSQL when PG_URL is set) against bare Fastify, one table.
// Each server runs in its own process; autocannon (50 connections, 10 s after a 3 s warm-up) runs here.
// Other work on the machine moves the numbers (it only ever slows a run down), so each Ensign case runs
// BENCH_ROUNDS times (default 2), each round right after a round of bare Fastify; the best round of each
// counts, and a case's ratio is to the bare Fastify rounds run alongside it.
// docs/performance.md is rewritten down to its "<!-- analysis -->" marker; what follows is kept.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { runDecisionBench } from './decision.bench.ts';
import { CONNECTIONS, cpuMs, forge, freePort, load, rssMb, seed, startEnsign, startProcess, stop, waitFor, type LoadResult } from './ensign-server.ts';
import { runSdkBench, sdkSection } from './sdk.ts';
import { runTokenVerifyBench } from './token-verify.bench.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const BIG = Number(process.env.BENCH_TOKENS ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const DOC = 'docs/performance.md';
const MARKER = '<!-- analysis -->';

interface Row {
  case: string;
  rps: number;
  p50: number;
  p99: number;
  ratio?: number;
  cpuUs?: number;
  target: string;
  met?: boolean;
  note?: string;
}

type Measured = LoadResult & { cpuUs: number };

/** One load of `url`, with the server's CPU per request (warm-up included in both counts). */
async function measureOnce(pid: number, url: string, opts: { headers?: Record<string, string>; expectStatus?: number } = {}): Promise<Measured> {
  const total = () => {
    const c = cpuMs(pid);
    return c.user + c.sys;
  };
  const before = total();
  const r = await load(url, { ...opts, duration: DURATION, warmup: WARMUP });
  return { ...r, cpuUs: Math.round(((total() - before) * 1000) / (r.rps * (DURATION + WARMUP))) };
}

const better = (a: Measured | null, b: Measured) => (!a || b.rps > a.rps ? b : a);

/** The yardstick: a bare Fastify "hello world" in its own process, idle until measured. */
async function startBare(mode = ''): Promise<{ measure: () => Promise<Measured>; stop: () => Promise<void> }> {
  const port = freePort();
  const child = startProcess(process.execPath, ['bench/bare-fastify.mjs'], { PORT: String(port), MODE: mode });
  await waitFor(`http://127.0.0.1:${port}/`);
  const expectStatus = mode === 'ensign-401' ? 401 : 200;
  return { measure: () => measureOnce(child.pid!, `http://127.0.0.1:${port}/`, { expectStatus }), stop: () => stop(child) };
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
  const loadBefore = loadavg()[0];
  const bare = await startBare();
  const bareRounds: Measured[] = [];

  /** ROUNDS × (bare Fastify, then this case); the best of each. */
  async function versusBare(pid: number, url: string, opts: { headers?: Record<string, string>; expectStatus?: number } = {}) {
    let best: Measured | null = null;
    let bestBare: Measured | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      const b = await bare.measure();
      bareRounds.push(b);
      bestBare = better(bestBare, b);
      best = better(best, await measureOnce(pid, url, opts));
    }
    return { ...best!, bare: bestBare!.rps, bareP99: bestBare!.p99 };
  }
  const ratioRow = (r: Measured & { bare: number; bareP99: number }, name: string, target: string, meets: (ratio: number, r: LoadResult) => boolean) => {
    const ratio = Math.round((r.rps / r.bare) * 100) / 100;
    const row: Row = { case: name, rps: r.rps, p50: r.p50, p99: r.p99, cpuUs: r.cpuUs, ratio, target, met: meets(ratio, r), note: `bare alongside: ${r.bare} req/s, p99 ${r.bareP99} ms` };
    rows.push(row);
    return row;
  };

  // SQLite.
  const dataDir = mkdtempSync(join(tmpdir(), 'ensign-bench-'));
  let e = await startEnsign({ ENSIGN_SECRET: secret }, dataDir);
  const seeded = await seed(e.base);
  const pat = await versusBare(e.child.pid!, seeded.flagUrl, { headers: { authorization: seeded.personal } });
  ratioRow(pat, 'GET flag, personal token, SQLite', '≥ 0.5× bare; p99 ≤ 5 ms', (x, r) => x >= 0.5 && r.p99 <= 5);
  // The same read through the whole Fastify route: a percent-encoded key is never answered from memory
  // (docs/decisions.md, "Answers given before routing"), so this is what a read costs when that path misses.
  const routed = await versusBare(e.child.pid!, seeded.flagUrl.replace(/t$/, '%74'), { headers: { authorization: seeded.personal } });
  rows.push({
    case: 'reference: the same GET through the full route (key percent-encoded, so not answered from memory)',
    ...routed,
    ratio: Math.round((routed.rps / routed.bare) * 100) / 100,
    target: '—',
    note: `bare alongside: ${routed.bare} req/s, p99 ${routed.bareP99} ms`,
  });
  const svc = await versusBare(e.child.pid!, seeded.flagUrl, { headers: { authorization: seeded.service } });
  ratioRow(svc, 'GET flag, service token, SQLite', '≥ 0.5× bare; p99 ≤ 5 ms', (x, r) => x >= 0.5 && r.p99 <= 5);
  const bad = await versusBare(e.child.pid!, seeded.flagUrl, { headers: { authorization: forge(seeded.service) }, expectStatus: 401 });
  ratioRow(bad, 'rejected: bad checksum (401)', '≥ 0.8× bare', (x) => x >= 0.8);
  // Reference: bare Fastify sending that very 401 (status, headers, body) with nothing behind it.
  const same401 = await startBare('ensign-401');
  let ref: Measured | null = null;
  let refBare: Measured | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const b = await bare.measure();
    bareRounds.push(b);
    refBare = better(refBare, b);
    ref = better(ref, await same401.measure());
  }
  await same401.stop();
  rows.push({
    case: 'reference: bare Fastify sending the same 401 (headers and body), no routing or checks',
    ...ref!,
    ratio: Math.round((ref!.rps / refBare!.rps) * 100) / 100,
    target: '—',
    note: `the response alone; bare alongside: ${refBare!.rps} req/s, p99 ${refBare!.p99} ms`,
  });
  const rss = rssMb(e.child.pid!);
  rows.push({ case: 'resident memory after the SQLite load', rps: NaN, p50: NaN, p99: NaN, target: '≤ 250 MB', met: rss <= 250, note: `${rss} MB` });
  await stop(e.child);

  // One million tokens: a copy of the same database, filled; then the small and the big one alternate
  // (a fresh server each time), so that both are measured in the same stretch of time.
  const bigDir = mkdtempSync(join(tmpdir(), 'ensign-bench-big-'));
  cpSync(dataDir, bigDir, { recursive: true });
  const t0 = Date.now();
  fillSqliteTokens(bigDir, BIG - 2);
  const fillSeconds = Math.round((Date.now() - t0) / 1000);
  const port = Number(new URL(e.base).port); // the same port, so the seeded URLs still point at it
  let small: Measured | null = null;
  let big: Measured | null = null;
  let rssBig = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const dir of [dataDir, bigDir]) {
      e = await startEnsign({ ENSIGN_SECRET: secret }, dir, port);
      const r = await measureOnce(e.child.pid!, seeded.flagUrl, { headers: { authorization: seeded.service } });
      if (dir === bigDir) {
        big = better(big, r);
        rssBig = Math.max(rssBig, rssMb(e.child.pid!));
      } else small = better(small, r);
      await stop(e.child);
    }
  }
  const within = Math.abs(big!.rps - small!.rps) / small!.rps;
  rows.push({
    case: `GET flag, service token, ${BIG.toLocaleString('en')} tokens in SQLite`,
    ...big!,
    target: 'within 10 % of the 1,000-token figure',
    met: within <= 0.1,
    note: `${Math.round(within * 100)} % from ${small!.rps} req/s on the same database before the fill, the two alternating; filled in ${fillSeconds} s`,
  });
  rows.push({ case: 'resident memory after the 1M-token load', rps: NaN, p50: NaN, p99: NaN, target: '≤ 250 MB', met: rssBig <= 250, note: `${rssBig} MB` });
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(bigDir, { recursive: true, force: true });

  // PostgreSQL: the schema is named in the URL's search_path (pg passes `options` to the server).
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
    const r = await versusBare(p.child.pid!, s.flagUrl, { headers: { authorization: s.personal } });
    ratioRow(r, 'GET flag, personal token, PostgreSQL', '≥ 0.35× bare', (x) => x >= 0.35);
    await stop(p.child);
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
    rmSync(pgDir, { recursive: true, force: true });
  } else {
    rows.push({ case: 'GET flag, personal token, PostgreSQL', rps: NaN, p50: NaN, p99: NaN, target: '≥ 0.35× bare', note: 'skipped: PG_URL not set' });
  }
  await bare.stop();

  const bestBare = bareRounds.reduce<Measured | null>(better, null)!;
  const sortedBare = bareRounds.map((b) => b.rps).sort((x, y) => x - y);
  rows.unshift({
    case: 'bare Fastify hello world',
    ...bestBare,
    ratio: 1,
    target: '—',
    note: `best of ${bareRounds.length} rounds run alongside the cases (lowest ${sortedBare[0]} req/s); each ratio uses its own`,
  });

  // Micro-benchmarks.
  const d = runDecisionBench();
  rows.push({ case: 'policy decision, 50 policies × 20 statements (µs)', rps: Math.round(d.opsPerSec), p50: d.p50Us, p99: d.p99Us, target: 'p99 ≤ 20 µs', met: d.p99Us <= 20 });
  const verify = await runTokenVerifyBench();
  // The SDK section (bench/sdk.ts; BENCH_SKIP_SDK=1 leaves it out, and the previous one is then dropped with the rest).
  const sdkLoadBefore = loadavg()[0];
  const sdk = process.env.BENCH_SKIP_SDK ? '' : sdkSection(await runSdkBench(), sdkLoadBefore, loadavg()[0]);
  const loadAfter = loadavg()[0];

  const fmt = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? String(n) : '—');
  const verdict = (r: Row) => {
    if (r.met === undefined) return r.note ?? '—';
    return `${r.met ? 'yes' : 'NO'}${r.note ? ` (${r.note})` : ''}`;
  };
  const lines = [
    '| case | requests/s | p50 (ms) | p99 (ms) | × bare | server CPU (µs/request) | target | met |',
    '|---|---:|---:|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.case} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.ratio === undefined ? '—' : r.ratio} | ${fmt(r.cpuUs)} | ${r.target} | ${verdict(r)} |`),
  ];
  const verifyLines = ['| token verification | p50 (µs) | p99 (µs) | mean (µs) |', '|---|---:|---:|---:|', ...verify.map((v) => `| ${v.case} | ${v.p50Us} | ${v.p99Us} | ${v.meanUs} |`)];
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const doc = [
    '# Performance',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${machine}; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after. autocannon, ${CONNECTIONS} connections, ${DURATION} s after a ${WARMUP} s warm-up, running in the benchmark's own process; each case is the best of ${ROUNDS} rounds, each round right after a round of bare Fastify, and its ratio is to the best of those bare rounds; each server in its own process on the same cores, so the load generator competes with the server (as it does with bare Fastify). "Server CPU" is the server process's user + system time divided by the requests it answered.`,
    '',
    ...lines,
    '',
    '## Token verification (micro-benchmark, in process)',
    '',
    ...verifyLines,
    '',
    ...(sdk ? [sdk] : []),
  ].join('\n');
  console.log(doc);
  if (process.env.BENCH_NO_WRITE) return;
  // Keep the hand-written analysis below the marker (BENCH_APPEND still adds text after the table for one-off notes).
  const previous = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const kept = previous.includes(MARKER) ? previous.slice(previous.indexOf(MARKER)) : '';
  writeFileSync(DOC, doc + (process.env.BENCH_APPEND ?? '') + (kept ? `\n${kept}` : ''));
}

await main();

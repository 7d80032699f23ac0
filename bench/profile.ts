// Where a request's time goes: runs Ensign under `node --cpu-prof`, loads one case with autocannon,
// then prints the functions with the most self time and the most inclusive time.
// Run: npx tsx bench/profile.ts [personal|service|bad|bare] [seconds]   (PROFILE_PG_URL=… for PostgreSQL; NO_PROFILE=1: CPU per request only)
//      npx tsx bench/profile.ts --summarize FILE.cpuprofile [top]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ChildProcess } from 'node:child_process';
import { cpuMs, forge, freePort, load, seed, startEnsign, startProcess, stop, waitFor } from './ensign-server.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

/** CPU milliseconds used so far by every running PostgreSQL process (the backends serving the pool persist). */
function postgresCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')) continue;
      const { user, sys } = cpuMs(Number(pid));
      total += user + sys;
    } catch {}
  }
  return total;
}

/** Self and inclusive sample shares per function (recursion counted once per stack). */
export function summarize(profile: { nodes: ProfileNode[] }, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const file = n.callFrame.url
      .replace(/^file:\/\//, '')
      .replace(`${process.cwd()}/`, '')
      .replace(/.*node_modules\//, '');
    return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    if (!n.hitCount) continue;
    total += n.hitCount;
    self.set(label(n), (self.get(label(n)) ?? 0) + n.hitCount);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const l = label(byId.get(id)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + n.hitCount);
    }
  }
  const pct = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, v]) => `${pct(v)}  ${l}`)
      .join('\n');
  return `samples: ${total}\n\nself time:\n${list(self)}\n\ninclusive time:\n${list(inclusive)}\n`;
}

async function main() {
  const which = process.argv[2] ?? 'personal';
  const seconds = Number(process.argv[3] ?? 8);
  const profDir = mkdtempSync(join(tmpdir(), 'ensign-prof-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'ensign-prof-data-'));
  const env: Record<string, string> = { ENSIGN_SECRET: randomBytes(24).toString('hex') };
  let admin: pg.Client | null = null;
  let schema = '';
  if (process.env.PROFILE_PG_URL) {
    schema = `prof_${randomBytes(4).toString('hex')}`;
    admin = new pg.Client({ connectionString: process.env.PROFILE_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = new URL(process.env.PROFILE_PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env.DATABASE_URL = url.toString();
  }
  const profiling = !process.env.NO_PROFILE;
  const nodeArgs = profiling ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  let server: { child: ChildProcess; base: string };
  let url: string;
  let auth = '';
  if (which === 'bare') {
    // The yardstick under the same measurement (a SIGTERM handler so the profile gets written).
    const port = freePort();
    const child = startProcess(process.execPath, [...nodeArgs, '--input-type=module', '-e', "process.on('SIGTERM', () => process.exit(0)); await import('./bench/bare-fastify.mjs');"], {
      PORT: String(port),
    });
    server = { child, base: `http://127.0.0.1:${port}` };
    await waitFor(server.base);
    url = `${server.base}/`;
  } else {
    server = await startEnsign(env, dataDir, undefined, nodeArgs);
    const s = await seed(server.base);
    auth = which === 'service' ? s.service : which === 'bad' ? forge(s.service) : s.personal;
    url = s.flagUrl;
  }
  const before = cpuMs(server.child.pid!);
  const pgBefore = admin ? postgresCpuMs() : 0;
  const r = await load(url, { headers: auth ? { authorization: auth } : {}, expectStatus: which === 'bad' ? 401 : 200, duration: seconds, warmup: 1 });
  const after = cpuMs(server.child.pid!);
  const pgUsed = admin ? postgresCpuMs() - pgBefore : 0;
  const used = { user: after.user - before.user, sys: after.sys - before.sys };
  await stop(server.child);
  // The main thread's profile (tsx's loader thread writes a second one).
  const file = readdirSync(profDir).find((f) => f.endsWith('.0.001.cpuprofile')) ?? '';
  if (profiling && !file) throw new Error('no profile written');
  // The load ran warm-up + measured seconds; CPU per request includes the kernel's share (sys time).
  const perRequestUs = Math.round(((used.user + used.sys) * 1000) / (r.rps * (seconds + 1)));
  console.log(`${which}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms; server CPU ≈ ${perRequestUs} µs/request (user ${used.user} ms, sys ${used.sys} ms); profile ${join(profDir, file)}\n`);
  if (admin) console.log(`PostgreSQL backends: ≈ ${Math.round((pgUsed * 1000) / (r.rps * (seconds + 1)))} µs/request\n`);
  if (profiling) console.log(summarize(JSON.parse(readFileSync(join(profDir, file), 'utf8'))));
  if (admin) {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
  rmSync(dataDir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `--summarize FILE [TOP]` re-reads a saved profile.
  if (process.argv[2] === '--summarize') console.log(summarize(JSON.parse(readFileSync(process.argv[3], 'utf8')), Number(process.argv[4] ?? 25)));
  else await main();
}

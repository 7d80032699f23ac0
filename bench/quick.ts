// A quick comparison while working: bare Fastify, bare Fastify sending Ensign's 401, and Ensign's cases, each
// loaded in turn (autocannon, 50 connections) with the server's CPU per request. Not the benchmark of record
// (that is `npm run bench`); for before/after checks of one change.
// Run: [ROUNDS=3] [SECS=5] npx tsx bench/quick.ts bare,ref,bad,personal,service
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, forge, freePort, load, seed, startEnsign, startProcess, stop, waitFor } from './ensign-server.ts';

const SECS = Number(process.env.SECS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const cases = (process.argv[2] ?? 'bare,ref,bad,personal,service').split(',');

async function measure(pid: number, url: string, headers: Record<string, string>, expectStatus: number): Promise<string> {
  const before = cpuMs(pid);
  const r = await load(url, { headers, expectStatus, duration: SECS, warmup: 1 });
  const after = cpuMs(pid);
  const cpuUs = Math.round(((after.user + after.sys - before.user - before.sys) * 1000) / (r.rps * (SECS + 1)));
  return `${r.rps} req/s, p99 ${r.p99} ms, server CPU ${cpuUs} µs/request`;
}

async function bareServer(mode: string) {
  const port = freePort();
  const child = startProcess(process.execPath, ['bench/bare-fastify.mjs'], { PORT: String(port), MODE: mode });
  await waitFor(`http://127.0.0.1:${port}/`);
  return { child, url: `http://127.0.0.1:${port}/` };
}

const bare = await bareServer('');
const ref = await bareServer('ensign-401');
const dataDir = mkdtempSync(join(tmpdir(), 'ensign-quick-'));
const ensign = await startEnsign({ ENSIGN_SECRET: randomBytes(24).toString('hex') }, dataDir);
const s = await seed(ensign.base);
const run: Record<string, () => Promise<string>> = {
  bare: () => measure(bare.child.pid!, bare.url, {}, 200),
  ref: () => measure(ref.child.pid!, ref.url, {}, 401),
  bad: () => measure(ensign.child.pid!, s.flagUrl, { authorization: forge(s.service) }, 401),
  personal: () => measure(ensign.child.pid!, s.flagUrl, { authorization: s.personal }, 200),
  service: () => measure(ensign.child.pid!, s.flagUrl, { authorization: s.service }, 200),
};
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) console.log(c.padEnd(9), run[c] ? await run[c]() : 'unknown case');
}
await Promise.all([stop(ensign.child), stop(bare.child), stop(ref.child)]);
rmSync(dataDir, { recursive: true, force: true });

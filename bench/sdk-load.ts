// The SDK load generator: speaks FeatBit's streaming protocol with `ws` against an Ensign on 127.0.0.1, as many
// server SDKs would (token from src/sdk-keys/streaming-token.ts, a data-sync at timestamp 0, pings). Run by
// bench/sdk.ts in its own process (with the open-files limit raised to the hard limit); reads its settings from
// SDK_LOAD (JSON), prints one JSON result line, and stops by itself: every phase is bounded in count and time.
//
// Phases:
//   rate:      new connections at RATE per second for RATE_SECONDS, each until its full data-sync arrives, then closed;
//   held:      HELD connections opened (at most 500 connecting at once), each synced, then all kept open; every one pings
//              and must get its pong; the server's resident memory is read while they are all open;
//   broadcast: a flag toggled through REST ROUNDS times; the time each held connection receives the patch, from the
//              REST response (and from the request).
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeStreamingToken } from '../src/sdk-keys/streaming-token.ts';

export interface SdkLoadSettings {
  host: string;
  port: number;
  serverKey: string;
  owner: string;
  envId: string;
  flagKey: string;
  expectFlags: number;
  serverPid: number;
  rate: number;
  rateSeconds: number;
  held: number;
  rounds: number;
  /** Where the toggles go, when not to the server the SDKs hold (another instance on the same PostgreSQL database). */
  togglePort?: number;
}

export interface Latencies {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface SdkLoadResult {
  /** serverCpuUs: the server's user + system CPU time per synced connection over the phase. */
  rate: { offered: number; seconds: number; completed: number; failed: number; perSecond: number; latency: Latencies; serverCpuUs: number };
  held: { opened: number; failed: number; seconds: number; pongs: number; serverRssMb: number; loadRssMb: number; serverFds: number };
  /** serverCpuUs: the server's CPU time per delivered patch, from the toggle request until every patch arrived. */
  broadcast: { connections: number; rounds: { received: number; fromResponse: Latencies; fromRequest: Latencies; serverCpuUs: number; serverSysUs: number; loadCpuUs: number }[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PHASE_TIMEOUT_MS = 60_000;

export function latencies(values: number[]): Latencies {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10 : NaN);
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? Math.round(s[s.length - 1] * 10) / 10 : NaN };
}

/** A process's CPU time so far in µs (10 ms ticks): user and system (the kernel, e.g. loopback TCP sends) apart. */
export const cpuSplitOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) * 10_000, sys: Number(fields[12]) * 10_000 };
};
export const cpuUsOf = (pid: number) => {
  const c = cpuSplitOf(pid);
  return c.user + c.sys;
};

const rssOf = (pid: number) => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

const FULL = Buffer.from('"eventType":"full"');
const PATCH = Buffer.from('"eventType":"patch"');
const PONG = Buffer.from('"pong"');

/** One server SDK: connects, asks for everything, resolves once the full data-sync has arrived (or fails). */
function connect(s: SdkLoadSettings, onMessage?: (data: Buffer) => void): Promise<{ ws: WebSocket; ms: number } | null> {
  return new Promise((resolve) => {
    const started = performance.now();
    const token = encodeStreamingToken(s.serverKey, Date.now());
    // No UTF-8 validation and no decoding: this process reads as many messages as the server writes, and should cost
    // as little as it can so that the figures are the server's.
    const ws = new WebSocket(`ws://${s.host}:${s.port}/streaming?type=server&token=${token}`, { perMessageDeflate: false, handshakeTimeout: 30_000, skipUTF8Validation: true });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      if (!ok) ws.terminate();
      resolve(ok ? { ws, ms: performance.now() - started } : null);
    };
    ws.on('open', () => ws.send(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0 } })));
    ws.on('message', (data: Buffer) => {
      // Bytes, not text: decoding and parsing every 50-flag payload would load this process more than the server.
      if (!done && data.includes(FULL)) {
        finish(true);
        return;
      }
      onMessage?.(data);
    });
    ws.on('error', () => finish(false));
    ws.on('close', () => finish(false));
  });
}

async function checkPayload(s: SdkLoadSettings): Promise<void> {
  // Once, in full: the data-sync holds every flag.
  const ws = new WebSocket(`ws://${s.host}:${s.port}/streaming?type=server&token=${encodeStreamingToken(s.serverKey, Date.now())}`);
  const flags = await new Promise<number>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0 } })));
    ws.on('message', (d) => resolve((JSON.parse(d.toString()) as { data: { featureFlags: unknown[] } }).data.featureFlags.length));
    ws.on('close', (code) => reject(new Error(`closed with ${code} before the data-sync`)));
    ws.on('error', reject);
  });
  ws.close();
  if (flags !== s.expectFlags) throw new Error(`the full data-sync held ${flags} flags, expected ${s.expectFlags}`);
}

async function ratePhase(s: SdkLoadSettings): Promise<SdkLoadResult['rate']> {
  const times: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const total = Math.round(s.rate * s.rateSeconds);
  const tickMs = 10;
  const started = performance.now();
  const cpuBefore = cpuUsOf(s.serverPid);
  let opened = 0;
  let lastDone = started;
  // Open on schedule: by time t, rate × t connections have been started.
  while (opened < total && performance.now() - started < s.rateSeconds * 1000 + PHASE_TIMEOUT_MS) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * s.rate));
    for (; opened < due; opened++) {
      pending.push(
        connect(s).then((c) => {
          if (!c) return void failed++;
          times.push(c.ms);
          lastDone = performance.now();
          c.ws.terminate();
        }),
      );
    }
    await sleep(tickMs);
  }
  await Promise.race([Promise.all(pending), sleep(PHASE_TIMEOUT_MS)]);
  const serverCpuUs = Math.round((cpuUsOf(s.serverPid) - cpuBefore) / Math.max(1, times.length));
  const seconds = (lastDone - started) / 1000;
  return {
    offered: s.rate,
    seconds: Math.round(seconds * 100) / 100,
    completed: times.length,
    failed,
    perSecond: Math.round(times.length / Math.max(seconds, s.rateSeconds)),
    latency: latencies(times),
    serverCpuUs,
  };
}

async function main() {
  const s = JSON.parse(process.env.SDK_LOAD ?? '{}') as SdkLoadSettings;
  await checkPayload(s);
  const rate = await ratePhase(s);
  // Let the closed sockets of the rate phase go before holding many.
  await sleep(1000);

  // Held: every socket gets the patch handler now, so the broadcast phase needs no re-wiring.
  const patchAt: number[] = [];
  let patches = 0;
  let pongs = 0;
  const onMessage = (i: number) => (data: Buffer) => {
    if (data.length < 64 && data.includes(PONG)) pongs++;
    else if (data.includes(PATCH)) {
      patchAt[i] = performance.now();
      patches++;
    }
  };
  const sockets: WebSocket[] = [];
  let failed = 0;
  const heldStart = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < s.held && performance.now() - heldStart < PHASE_TIMEOUT_MS * 3) {
      const i = next++;
      const c = await connect(s, onMessage(i));
      if (c) sockets[i] = c.ws;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: 500 }, worker));
  const heldSeconds = (performance.now() - heldStart) / 1000;
  const open = sockets.filter(Boolean);
  for (const ws of open) ws.send('{"messageType":"ping"}');
  for (let waited = 0; pongs < open.length && waited < 30_000; waited += 50) await sleep(50);
  const held = {
    opened: open.length,
    failed,
    seconds: Math.round(heldSeconds * 10) / 10,
    pongs,
    serverRssMb: rssOf(s.serverPid),
    loadRssMb: rssOf(process.pid),
    serverFds: readdirSync(`/proc/${s.serverPid}/fd`).length,
  };

  const rounds: SdkLoadResult['broadcast']['rounds'] = [];
  for (let round = 0; round < s.rounds; round++) {
    patchAt.length = 0;
    patches = 0;
    const sent = performance.now();
    const cpuBefore = cpuSplitOf(s.serverPid);
    const loadBefore = cpuUsOf(process.pid);
    const res = await fetch(`http://${s.host}:${s.togglePort ?? s.port}/api/v1/envs/${s.envId}/feature-flags/${s.flagKey}/toggle/${round % 2 === 0}`, {
      method: 'PUT',
      headers: { authorization: s.owner, 'content-type': 'application/json' },
      body: '{}',
    });
    const answered = performance.now();
    if (res.status !== 200) throw new Error(`toggle: ${res.status} ${await res.text()}`);
    for (let waited = 0; patches < open.length && waited < 30_000; waited += 5) await sleep(5);
    const cpuAfter = cpuSplitOf(s.serverPid);
    const serverCpuUs = Math.round((cpuAfter.user + cpuAfter.sys - cpuBefore.user - cpuBefore.sys) / Math.max(1, patches));
    const serverSysUs = Math.round((cpuAfter.sys - cpuBefore.sys) / Math.max(1, patches));
    // The load generator receives every patch on the same two cores: its CPU per patch is part of what is measured.
    const loadCpuUs = Math.round((cpuUsOf(process.pid) - loadBefore) / Math.max(1, patches));
    const got = patchAt.filter((t) => t !== undefined);
    // A patch can arrive before the REST response does (it is pushed before the response is written): that counts as 0.
    rounds.push({ received: got.length, fromResponse: latencies(got.map((t) => Math.max(0, t - answered))), fromRequest: latencies(got.map((t) => t - sent)), serverCpuUs, serverSysUs, loadCpuUs });
    await sleep(500);
  }
  for (const ws of open) ws.terminate();
  const result: SdkLoadResult = { rate, held, broadcast: { connections: open.length, rounds } };
  console.log(JSON.stringify(result));
  process.exit(0);
}

if (process.env.SDK_LOAD) {
  // The whole run is bounded: a hung phase ends the process rather than the benchmark.
  setTimeout(() => {
    console.error('sdk-load: gave up after 10 minutes');
    process.exit(2);
  }, 600_000).unref();
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

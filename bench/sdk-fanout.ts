// How long a flag change takes to reach N streaming server SDKs: an Ensign app (SQLite, or PostgreSQL with PG_URL) in
// this process, N raw WebSocket clients in a child process (so they do not share the server's event loop). Each round
// toggles a flag through the REST handler and measures, per socket, the time from the REST request to the patch.
// Run: npx tsx bench/sdk-fanout.ts [N=10000] [rounds=5]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { encodeStreamingToken } from '../src/sdk-keys/streaming-token.ts';

const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 5);

if (process.env.FANOUT_CHILD) {
  // The clients: open N sockets, full-sync each, then report the arrival time of every patch.
  const { PORT, KEY } = process.env as Record<string, string>;
  const sockets: WebSocket[] = [];
  let synced = 0;
  let arrivals: number[] = [];
  const openOne = () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${PORT}/streaming?type=server&token=${encodeStreamingToken(KEY, Date.now())}`, { perMessageDeflate: false });
      ws.on('open', () => {
        ws.send(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0 } }));
        resolve();
      });
      ws.on('message', (data) => {
        const text = String(data);
        if (text.includes('"full"')) synced++;
        else if (text.includes('"patch"')) arrivals.push(Date.now());
      });
      ws.on('error', reject);
      sockets.push(ws);
    });
  (async () => {
    for (let i = 0; i < N; i += 200) await Promise.all(Array.from({ length: Math.min(200, N - i) }, openOne));
    while (synced < N) await new Promise((r) => setTimeout(r, 20));
    process.send!({ ready: true });
    process.on('message', async (m: { collect?: boolean; stop?: boolean }) => {
      if (m.collect) {
        const deadline = Date.now() + 10_000;
        while (arrivals.length < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        process.send!({ arrivals });
        arrivals = [];
      }
      if (m.stop) {
        for (const ws of sockets) ws.terminate();
        process.exit(0);
      }
    });
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  const { makeApp } = await import('../test/support/harness.ts');
  const { as, expectOk, setupOrg } = await import('../test/support/resource-fixtures.ts');
  const backend = process.env.PG_URL ? 'postgres' : 'sqlite';
  const t = await makeApp(backend);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.server.address() as { port: number }).port;
  const owner = as(t, (await setupOrg(t)).owner);
  const p = expectOk(await owner('POST', '/projects', { key: 'web', name: 'Web' }));
  const env = p.environments.find((e: any) => e.key === 'prod');
  const key = env.secrets.find((s: any) => s.type === 'server').value;
  for (let i = 0; i < 5; i++) await owner('POST', `/envs/${env.id}/feature-flags`, { key: `flag-${i}`, name: `flag ${i}` });
  const child = fork(fileURLToPath(import.meta.url), [String(N)], { env: { ...process.env, FANOUT_CHILD: '1', PORT: String(port), KEY: key }, execArgv: ['--import', 'tsx'] });
  const next = () => new Promise<any>((resolve) => child.once('message', resolve));
  const opened = Date.now();
  await next();
  console.log(`${backend}: ${N} sockets open and fully synced in ${Date.now() - opened} ms`);
  const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
  for (let round = 0; round < ROUNDS; round++) {
    // Measured from the moment the REST request is made (an upper bound on "from the response"): in one process the
    // response's promise may settle after the pushes went out.
    const t0 = Date.now();
    expectOk(await owner('PUT', `/envs/${env.id}/feature-flags/flag-0/toggle/${round % 2 === 0}`));
    const answered = Date.now() - t0;
    child.send({ collect: true });
    const { arrivals } = await next();
    const lat = (arrivals as number[]).map((a) => a - t0).sort((x, y) => x - y);
    console.log(
      `round ${round + 1}: ${lat.length}/${N} patches; REST answered after ${answered} ms; from the request p50 ${pct(lat, 0.5)} ms, p99 ${pct(lat, 0.99)} ms, max ${lat[lat.length - 1]} ms`,
    );
  }
  child.send({ stop: true });
  await t.close();
  process.exit(0);
}

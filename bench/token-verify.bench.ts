// Token verification cost on the hot path: credential → principal, measured per call.
// Cases: checksum rejection (no database), cache hit, cache miss (database load), personal and service.
// Run: npx tsx bench/token-verify.bench.ts → one JSON line per case.
import { pathToFileURL } from 'node:url';
import { createAuthenticator } from '../src/auth/authenticate.ts';
import { AppError } from '../src/platform/errors.ts';
import { inProcessEnsign } from './in-process.ts';

export interface VerifyCase {
  case: string;
  iterations: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function runTokenVerifyBench(): Promise<VerifyCase[]> {
  const { app, db, close } = await inProcessEnsign('verify');
  const call = async (method: string, url: string, auth: string | null, body?: unknown) =>
    (await app.inject({ method: method as 'GET', url, headers: auth ? { authorization: auth } : {}, ...(body ? { payload: body as object } : {}) })).json();
  const setup = await call('POST', '/api/v1/setup', null, { organizationName: 'Bench', name: 'B', email: 'b@example.com', password: 'bench-password' });
  const owner = `Bearer ${setup.data.session}`;
  const personal = (await call('POST', '/api/v1/access-tokens', owner, { name: 'pat', type: 'Personal', permissions: [] })).data.secret as string;
  const service = (await call('POST', '/api/v1/access-tokens', owner, { name: 'svc', type: 'Service', permissions: [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }] })).data
    .secret as string;
  const ctx = app.ctx;
  const { authenticate } = createAuthenticator({ db: db.kysely, digester: ctx.digester, cache: ctx.cache, clock: ctx.clock, usage: ctx.usage, limiter: null });
  const reply = { header: () => reply } as never;
  const request = (credential: string) => ({ headers: { authorization: credential }, method: 'GET' }) as never;
  const forged = personal.slice(0, -1) + (personal.endsWith('A') ? 'B' : 'A');

  async function measure(name: string, iterations: number, before: () => void, credential: string, expectFailure = false): Promise<VerifyCase> {
    const times: number[] = [];
    for (let i = 0; i < iterations + 2000; i++) {
      before();
      const t0 = process.hrtime.bigint();
      const outcome = await authenticate(request(credential), reply);
      // A rejection is returned (an AppError value), not thrown.
      if (outcome instanceof AppError !== expectFailure) throw new Error(`${name}: unexpected outcome ${outcome instanceof AppError ? outcome.codes : 'principal'}`);
      const dt = Number(process.hrtime.bigint() - t0) / 1000;
      if (i >= 2000) times.push(dt);
    }
    times.sort((a, b) => a - b);
    const r = (x: number) => Math.round(x * 100) / 100;
    return { case: name, iterations, p50Us: r(percentile(times, 0.5)), p99Us: r(percentile(times, 0.99)), meanUs: r(times.reduce((a, b) => a + b, 0) / times.length) };
  }

  const none = () => undefined;
  const cold = () => ctx.cache.invalidate({ kind: 'all' });
  const results = [
    await measure('bad checksum (rejected before any lookup)', 100_000, none, forged, true),
    await measure('personal token, cache hit', 100_000, none, personal),
    await measure('service token, cache hit', 100_000, none, service),
    await measure('personal token, cache miss (token + owner loaded from SQLite)', 10_000, cold, personal),
    await measure('service token, cache miss (loaded from SQLite)', 10_000, cold, service),
  ];
  await close();
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await runTokenVerifyBench()) console.log(JSON.stringify(r));
}

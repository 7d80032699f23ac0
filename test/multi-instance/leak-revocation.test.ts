// Two instances in separate processes on one PostgreSQL database: a leak alert posted to A makes B refuse the token,
// though B would otherwise trust its cache for an hour (only the instances' bus can tell it). How fast is measured
// by `npm run bench:leak` (bench/leak-revocation.ts), not asserted here. Needs PG_URL; skipped without it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL } from '../support/harness.ts';
import { alertBody, gitHubSigner } from '../support/secret-scanning.ts';
import { spawnServer, type Spawned } from '../reliability/support/server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pgDescribe = PG_URL ? describe : describe.skip;

pgDescribe(PG_URL ? 'leak alerts across instances on one PostgreSQL database' : 'leak alerts across instances (skipped: set PG_URL)', () => {
  const schema = `t_leak_${randomBytes(5).toString('hex')}`;
  const secret = `leak-multi-${randomBytes(12).toString('hex')}`;
  const signer = gitHubSigner();
  const dirs: string[] = [];
  let admin: pg.Client;
  let a: Spawned;
  let b: Spawned;
  let owner: string;

  async function call(base: string, method: string, path: string, auth?: string, body?: unknown): Promise<any> {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as any;
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json.data;
  }
  const status = async (base: string, auth: string) => (await fetch(`${base}/api/v1/access-tokens?pageSize=1`, { headers: { authorization: auth } })).status;

  async function start(env: Record<string, string>) {
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const dataDir = mkdtempSync(join(tmpdir(), 'ensign-leak-multi-'));
    dirs.push(dataDir);
    return spawnServer({ dataDir, secret, databaseUrl: url.toString(), env: { SECRET_SCANNING_KEYS: signer.document, RATE_LIMIT_PER_MINUTE: '0', ...env } });
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    a = await start({});
    b = await start({ CACHE_REVALIDATE_SECONDS: '3600' });
    const setup = await call(a.url, 'POST', '/setup', undefined, { organizationName: 'Acme', name: 'Olivia', email: 'owner@example.com', password: 'owner-password' });
    owner = `Bearer ${setup.session}`;
  }, 120_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await admin?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await admin?.end();
  });

  it('an alert posted to A: B refuses the token (and keeps refusing it), though its cache would trust it for an hour', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const tok = await call(a.url, 'POST', '/access-tokens', owner, {
        name: `ci-${trial}`,
        type: 'Service',
        permissions: [{ resourceType: 'access-token', effect: 'allow', actions: ['ListAccessTokens'], resources: ['access-token/*'] }],
      });
      for (let i = 0; i < 3; i++) expect(await status(b.url, tok.secret)).toBe(200); // cached on B
      const body = alertBody([tok.secret]);
      const res = await fetch(`${a.url}/api/public/secret-scanning/alerts`, { method: 'POST', headers: signer.headers(body), body });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ token_raw: tok.secret, token_type: 'ensign_access_token', label: 'true_positive' }]);
      // Bounded wait (a liveness bound, not a timing claim): the bus delivers asynchronously.
      let refused = false;
      for (let i = 0; i < 500 && !refused; i++) {
        refused = (await status(b.url, tok.secret)) === 403;
        if (!refused) await sleep(10);
      }
      expect(refused).toBe(true);
      for (let i = 0; i < 5; i++) expect(await status(b.url, tok.secret)).toBe(403);
    }
  }, 120_000);

  it('a bad signature posted to A changes nothing on B', async () => {
    const tok = await call(a.url, 'POST', '/access-tokens', owner, {
      name: 'untouched',
      type: 'Service',
      permissions: [{ resourceType: 'access-token', effect: 'allow', actions: ['ListAccessTokens'], resources: ['access-token/*'] }],
    });
    expect(await status(b.url, tok.secret)).toBe(200);
    const body = alertBody([tok.secret]);
    const res = await fetch(`${a.url}/api/public/secret-scanning/alerts`, { method: 'POST', headers: gitHubSigner(signer.keyId).headers(body), body });
    expect(res.status).toBe(401);
    expect(await status(b.url, tok.secret)).toBe(200);
    expect(await status(a.url, tok.secret)).toBe(200);
  }, 60_000);
});

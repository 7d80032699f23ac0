// The `ensign` command line's break-glass actions take effect on the running server's very next request, on SQLite
// too (the server notices another process's commit through PRAGMA data_version) and on PostgreSQL (the CLI publishes
// on the instances' bus), however long credentials may be cached; each is an audit entry naming the CLI.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_URL, backends } from '../support/harness.ts';
import { repoRoot, spawnServer, type Spawned } from '../reliability/support/server.ts';

async function call(base: string, method: string, path: string, auth?: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, { method, headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

describe.each(backends)('break-glass CLI (%s)', (backend) => {
  let server: Spawned | null = null;
  let dataDir = '';
  let schema = '';
  afterEach(async () => {
    await server?.stop();
    server = null;
    rmSync(dataDir, { recursive: true, force: true });
    if (schema) {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      schema = '';
    }
  });

  async function start() {
    dataDir = mkdtempSync(join(tmpdir(), 'ensign-cli-'));
    let databaseUrl: string | undefined;
    if (backend === 'postgres') {
      schema = `t_${randomBytes(6).toString('hex')}`;
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`create schema ${schema}`);
      await c.end();
      const url = new URL(PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      databaseUrl = url.toString();
    }
    // Credentials may be trusted from memory for ten minutes: only noticing the CLI's write can stop them.
    server = await spawnServer({ dataDir, databaseUrl, env: { CACHE_REVALIDATE_SECONDS: '600', RATE_LIMIT_PER_MINUTE: '0' } });
    return { server, databaseUrl };
  }

  function cli(args: string[], env: { secret: string; databaseUrl?: string }) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/ensign.mjs'), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, ENSIGN_SECRET: env.secret, ENSIGN_PASSWORD: 'a-new-password', ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : {}) },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  }

  it('tokens deactivate: refused on the very next request (both the routed and the before-routing path), and audited as the CLI', async () => {
    const { server: s, databaseUrl } = await start();
    const setup = await call(s.url, 'POST', '/setup', undefined, { organizationName: 'Acme', name: 'Olivia', email: 'owner@example.com', password: 'owner-password' });
    const owner = `Bearer ${setup.body.data.session}`;
    const project = await call(s.url, 'POST', '/projects', owner, { name: 'Web', key: 'web' });
    const envId = project.body.data.environments.find((e: any) => e.key === 'prod').id;
    await call(s.url, 'POST', `/envs/${envId}/feature-flags`, owner, { key: 'checkout', name: 'Checkout' });
    const token = (
      await call(s.url, 'POST', '/access-tokens', owner, {
        name: 'reader',
        type: 'Service',
        permissions: [
          { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] },
          { resourceType: 'access-token', effect: 'allow', actions: ['ListAccessTokens'], resources: ['access-token/*'] },
        ],
      })
    ).body.data;
    // Warm every cache: the routed path and the flag read answered from memory.
    for (let i = 0; i < 5; i++) {
      expect((await call(s.url, 'GET', `/envs/${envId}/feature-flags/checkout`, token.secret)).status).toBe(200);
      expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', token.secret)).status).toBe(200);
    }

    expect(cli(['tokens', 'deactivate', token.id], { secret: s.secret, databaseUrl })).toContain('deactivated');

    expect((await call(s.url, 'GET', `/envs/${envId}/feature-flags/checkout`, token.secret)).status).toBe(403);
    expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', token.secret)).status).toBe(403);
    const view = await call(s.url, 'GET', `/access-tokens/${token.id}`, owner);
    expect(view.body.data).toMatchObject({ status: 'Inactive', inactiveReason: 'Deactivated' });
    const audit = await call(s.url, 'GET', `/audit-logs?refId=${token.id}`, owner);
    const entry = audit.body.data.items.find((e: any) => e.action === 'DeactivateAccessToken');
    expect(entry.actor).toMatchObject({ kind: 'system', memberName: 'ensign CLI', tokenId: null });
  });

  it('reset-password: every session of that person ends on the very next request, and each organization logs it', async () => {
    const { server: s, databaseUrl } = await start();
    const setup = await call(s.url, 'POST', '/setup', undefined, { organizationName: 'Acme', name: 'Olivia', email: 'owner@example.com', password: 'owner-password' });
    const owner = `Bearer ${setup.body.data.session}`;
    for (let i = 0; i < 3; i++) expect((await call(s.url, 'GET', '/user/profile', owner)).status).toBe(200);

    cli(['reset-password', '--email', 'owner@example.com'], { secret: s.secret, databaseUrl });

    expect((await call(s.url, 'GET', '/user/profile', owner)).status).toBe(401);
    expect((await call(s.url, 'POST', '/identity/login-by-email', undefined, { email: 'owner@example.com', password: 'owner-password' })).status).toBe(401);
    const fresh = await call(s.url, 'POST', '/identity/login-by-email', undefined, { email: 'owner@example.com', password: 'a-new-password' });
    expect(fresh.status).toBe(200);
    const audit = await call(s.url, 'GET', '/audit-logs?refType=iam', `Bearer ${fresh.body.data.session}`);
    const entry = audit.body.data.items.find((e: any) => e.action === 'ResetPassword');
    expect(entry.actor).toMatchObject({ kind: 'system', memberName: 'ensign CLI' });
    expect(JSON.stringify(audit.body)).not.toContain('a-new-password');
  });
});

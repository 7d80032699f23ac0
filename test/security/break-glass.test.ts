// The `ensign` command line's break-glass actions take effect on the running server's very next request, on SQLite
// too (the server notices another process's commit through PRAGMA data_version) and on PostgreSQL (the CLI publishes
// on the instances' bus), however long credentials may be cached; each is an audit entry naming the CLI. Includes the
// leak commands: `tokens revoke-leaked <file>` (any organization) and `tokens lookup` (secret from standard input),
// and `create-owner`, which is audited the same way.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_URL, backends } from '../support/harness.ts';
import { alertBody } from '../support/secret-scanning.ts';
import { repoRoot, spawnServer, type Spawned } from '../reliability/support/server.ts';

async function call(base: string, method: string, path: string, auth?: string, body?: unknown, org?: string) {
  const headers = { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...(org ? { organization: org } : {}) };
  const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

const LIST_TOKENS = [{ resourceType: 'access-token', effect: 'allow', actions: ['ListAccessTokens'], resources: ['access-token/*'] }];

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

  /** `ensign …` on the server's database; `input` goes to its standard input. */
  function run(args: string[], env: { secret: string; databaseUrl?: string }, input?: string) {
    return spawnSync(process.execPath, [join(repoRoot, 'bin/ensign.mjs'), ...args], {
      cwd: repoRoot,
      input,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATA_DIR: dataDir,
        ENSIGN_SECRET: env.secret,
        ENSIGN_PASSWORD: 'a-new-password',
        ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : {}),
      },
      encoding: 'utf8',
    });
  }

  function cli(args: string[], env: { secret: string; databaseUrl?: string }, input?: string) {
    const r = run(args, env, input);
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

  it('create-owner: the new Owner is on record in the new organization, audited as the CLI, without the password; an existing account keeps its password', async () => {
    const { server: s, databaseUrl } = await start();
    const env = { secret: s.secret, databaseUrl };
    const setup = await call(s.url, 'POST', '/setup', undefined, { organizationName: 'Acme', name: 'Olivia', email: 'owner@example.com', password: 'owner-password' });
    const owner = `Bearer ${setup.body.data.session}`;

    const made = cli(['create-owner', '--email', 'Boss@Example.com', '--name', 'Bea', '--org', 'Initech'], env);
    expect(made).toContain('boss@example.com as Owner');
    expect(made).not.toContain('a-new-password');
    const boss = await call(s.url, 'POST', '/identity/login-by-email', undefined, { email: 'boss@example.com', password: 'a-new-password' });
    expect(boss.status).toBe(200);
    const bossAuth = `Bearer ${boss.body.data.session}`;
    const [initech] = (await call(s.url, 'GET', '/organizations', bossAuth)).body.data;
    expect(initech).toMatchObject({ name: 'Initech' });
    const bossLog = await call(s.url, 'GET', '/audit-logs?refType=iam', bossAuth, undefined, initech.id);
    expect(bossLog.body.data.items).toHaveLength(1);
    expect(bossLog.body.data.items[0]).toMatchObject({
      action: 'CreateOwner',
      refKey: 'boss@example.com',
      actor: { kind: 'system', memberName: 'ensign CLI', tokenId: null },
      changes: { before: null, after: { organization: 'Initech', policy: 'owner', newAccount: true } },
    });
    expect(JSON.stringify(bossLog.body)).not.toContain('a-new-password');

    // An existing account gets the new organization, and keeps the password it had.
    const existing = cli(['create-owner', '--email', 'owner@example.com', '--name', 'Olivia', '--org', 'Globex'], env);
    expect(existing).toContain('owner@example.com already had an account: its password is unchanged');
    expect(made).not.toContain('already had an account');
    expect((await call(s.url, 'POST', '/identity/login-by-email', undefined, { email: 'owner@example.com', password: 'a-new-password' })).status).toBe(401);
    expect((await call(s.url, 'POST', '/identity/login-by-email', undefined, { email: 'owner@example.com', password: 'owner-password' })).status).toBe(200);
    const globex = (await call(s.url, 'GET', '/organizations', owner)).body.data.find((o: any) => o.name === 'Globex');
    const ownerLog = await call(s.url, 'GET', '/audit-logs?refType=iam', owner, undefined, globex.id);
    expect(ownerLog.body.data.items.map((e: any) => [e.action, e.refKey, e.actor.memberName, e.changes.after.newAccount])).toEqual([['CreateOwner', 'owner@example.com', 'ensign CLI', false]]);
    expect(JSON.stringify(ownerLog.body)).not.toContain('a-new-password');
  });

  it('revoke-leaked deactivates the listed tokens of every organization at once, audited as the CLI; a second run changes nothing', async () => {
    const { server: s, databaseUrl } = await start();
    const env = { secret: s.secret, databaseUrl };
    const setup = await call(s.url, 'POST', '/setup', undefined, { organizationName: 'Acme', name: 'Olivia', email: 'owner@example.com', password: 'owner-password' });
    const owner = `Bearer ${setup.body.data.session}`;
    const other = (await call(s.url, 'POST', '/organizations', owner, { name: 'Globex' })).body.data;
    // The owner now belongs to two organizations: each call names one.
    const acme = setup.body.data.organizationId;
    const mine = (await call(s.url, 'POST', '/access-tokens', owner, { name: 'acme-ci', type: 'Service', permissions: LIST_TOKENS }, acme)).body.data;
    const theirs = (await call(s.url, 'POST', '/access-tokens', owner, { name: 'globex-ci', type: 'Service', permissions: LIST_TOKENS }, other.id)).body.data;
    const bystander = (await call(s.url, 'POST', '/access-tokens', owner, { name: 'bystander', type: 'Service', permissions: LIST_TOKENS }, acme)).body.data;
    for (const tok of [mine, theirs, bystander]) for (let i = 0; i < 3; i++) expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', tok.secret)).status).toBe(200);

    const file = join(dataDir, 'alert.json');
    writeFileSync(file, alertBody([mine.secret, 'not-a-token', theirs.secret], 'https://gist.github.com/someone/abc', 'gist_content'));
    const first = run(['tokens', 'revoke-leaked', file], env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('3 listed, 2 Ensign access token(s), 2 deactivated now');
    expect(first.stdout).not.toContain(mine.secret);

    expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', mine.secret)).status).toBe(403);
    expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', theirs.secret)).status).toBe(403);
    expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', bystander.secret)).status).toBe(200);
    const audit = await call(s.url, 'GET', `/audit-logs?refType=access-token&refId=${theirs.id}`, owner, undefined, other.id);
    const entry = audit.body.data.items.find((e: any) => e.action === 'DeactivateAccessToken');
    expect(entry.actor).toMatchObject({ kind: 'system', memberName: 'ensign CLI' });
    expect(entry.changes.after).toMatchObject({ inactiveReason: 'Leaked', leak: { url: 'https://gist.github.com/someone/abc', source: 'gist_content' } });

    const again = run(['tokens', 'revoke-leaked', file], env);
    expect(again.stdout).toContain('2 Ensign access token(s), 0 deactivated now');
    const after = await call(s.url, 'GET', `/audit-logs?refType=access-token&refId=${theirs.id}`, owner, undefined, other.id);
    expect(after.body.data.totalCount).toBe(audit.body.data.totalCount);
  });

  it('lookup reads the secret from standard input and prints the token, never the secret; a bad report or string is refused', async () => {
    const { server: s, databaseUrl } = await start();
    const env = { secret: s.secret, databaseUrl };
    const setup = await call(s.url, 'POST', '/setup', undefined, { organizationName: 'Acme', name: 'Olivia', email: 'owner@example.com', password: 'owner-password' });
    const owner = `Bearer ${setup.body.data.session}`;
    const tok = (await call(s.url, 'POST', '/access-tokens', owner, { name: 'deploy-bot', type: 'Service', permissions: LIST_TOKENS })).body.data;
    const found = run(['tokens', 'lookup'], env, `${tok.secret}\n`);
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toContain(`id\t${tok.id}`);
    expect(found.stdout).toContain('name\tdeploy-bot');
    expect(found.stdout).toContain('secret\tcurrent');
    expect(found.stdout).not.toContain(tok.secret);

    const bad = run(['tokens', 'lookup', tok.secret.slice(0, -1) + (tok.secret.endsWith('A') ? 'B' : 'A')], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not an Ensign access token/);
    const notJson = join(dataDir, 'bad.json');
    writeFileSync(notJson, '{"token": "x"}');
    const refused = run(['tokens', 'revoke-leaked', notJson], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/must be a JSON array/);
  });
});

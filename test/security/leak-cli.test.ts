// `ensign tokens revoke-leaked <file>` and `ensign tokens lookup`: on the database directly, like the other break-glass
// commands; a running server refuses the leaked tokens on its very next request (SQLite: PRAGMA data_version;
// PostgreSQL: the instances' bus), and the audit log names the CLI and where each token was found.
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

describe.each(backends)('leak CLI (%s)', (backend) => {
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
    dataDir = mkdtempSync(join(tmpdir(), 'ensign-leak-cli-'));
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
    // Credentials trusted from memory for ten minutes: only noticing the CLI's write can stop them.
    server = await spawnServer({ dataDir, databaseUrl, env: { CACHE_REVALIDATE_SECONDS: '600', RATE_LIMIT_PER_MINUTE: '0' } });
    const cli = (args: string[], input?: string) => {
      const r = spawnSync(process.execPath, [join(repoRoot, 'bin/ensign.mjs'), ...args], {
        cwd: repoRoot,
        input,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, ENSIGN_SECRET: server!.secret, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
        encoding: 'utf8',
      });
      return { status: r.status, out: r.stdout, err: r.stderr };
    };
    return { s: server, cli };
  }

  it('revoke-leaked deactivates the listed tokens of every organization at once, audited as the CLI; a second run changes nothing', async () => {
    const { s, cli } = await start();
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
    const run = cli(['tokens', 'revoke-leaked', file]);
    expect(run.status, run.err).toBe(0);
    expect(run.out).toContain('3 listed, 2 Ensign access token(s), 2 deactivated now');
    expect(run.out).not.toContain(mine.secret);

    expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', mine.secret)).status).toBe(403);
    expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', theirs.secret)).status).toBe(403);
    expect((await call(s.url, 'GET', '/access-tokens?pageSize=1', bystander.secret)).status).toBe(200);
    const audit = await call(s.url, 'GET', `/audit-logs?refType=access-token&refId=${theirs.id}`, owner, undefined, other.id);
    const entry = audit.body.data.items.find((e: any) => e.action === 'DeactivateAccessToken');
    expect(entry.actor).toMatchObject({ kind: 'system', memberName: 'ensign CLI' });
    expect(entry.changes.after).toMatchObject({ inactiveReason: 'Leaked', leak: { url: 'https://gist.github.com/someone/abc', source: 'gist_content' } });

    const again = cli(['tokens', 'revoke-leaked', file]);
    expect(again.out).toContain('2 Ensign access token(s), 0 deactivated now');
    const after = await call(s.url, 'GET', `/audit-logs?refType=access-token&refId=${theirs.id}`, owner, undefined, other.id);
    expect(after.body.data.totalCount).toBe(audit.body.data.totalCount);
  });

  it('lookup reads the secret from standard input and prints the token, never the secret; a bad report or string is refused', async () => {
    const { s, cli } = await start();
    const setup = await call(s.url, 'POST', '/setup', undefined, { organizationName: 'Acme', name: 'Olivia', email: 'owner@example.com', password: 'owner-password' });
    const owner = `Bearer ${setup.body.data.session}`;
    const tok = (await call(s.url, 'POST', '/access-tokens', owner, { name: 'deploy-bot', type: 'Service', permissions: LIST_TOKENS })).body.data;
    const found = cli(['tokens', 'lookup'], `${tok.secret}\n`);
    expect(found.status, found.err).toBe(0);
    expect(found.out).toContain(`id\t${tok.id}`);
    expect(found.out).toContain('name\tdeploy-bot');
    expect(found.out).toContain('secret\tcurrent');
    expect(found.out).not.toContain(tok.secret);

    const bad = cli(['tokens', 'lookup', tok.secret.slice(0, -1) + (tok.secret.endsWith('A') ? 'B' : 'A')]);
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/not an Ensign access token/);
    const notJson = join(dataDir, 'bad.json');
    writeFileSync(notJson, '{"token": "x"}');
    const refused = cli(['tokens', 'revoke-leaked', notJson]);
    expect(refused.status).toBe(1);
    expect(refused.err).toMatch(/must be a JSON array/);
  });
});

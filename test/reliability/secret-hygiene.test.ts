// Secret hygiene (issue 7; 01-access-tokens.md "Secret format and storage"): after a whole scripted session against a
// real server logging at trace level, no token secret (nor its random part), session credential or password is in the
// logs, the database files, the audit log, or any response other than the one that handed it out.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, backends, type Backend } from '../support/harness.ts';
import { report } from './support/scale.ts';
import { freshPgDatabase, ok, request, spawnServer, type Reply, type Spawned } from './support/server.ts';

interface Secret {
  label: string;
  value: string;
}

/** The byte strings to look for: each secret, and for credentials also their 32 random characters alone. */
function needles(secrets: Secret[]): { label: string; bytes: Buffer }[] {
  return secrets.flatMap((s) => {
    const out = [{ label: s.label, bytes: Buffer.from(s.value) }];
    if (/^ens_(pat|svc|ses|srv|inv)_/.test(s.value)) out.push({ label: `${s.label} (random part)`, bytes: Buffer.from(s.value.slice(8, 40)) });
    return out;
  });
}

function found(haystack: Buffer, secrets: Secret[]): string[] {
  return needles(secrets)
    .filter((n) => haystack.includes(n.bytes))
    .map((n) => n.label);
}

/** Pino writes a Buffer as {"type":"Buffer","data":[...]}: decode those so bytes cannot hide as numbers. */
function decodedBuffers(log: string): Buffer {
  const parts = [...log.matchAll(/"data":\[([0-9,]+)\]/g)].map((m) => Buffer.from(m[1].split(',').map(Number)));
  return Buffer.concat(parts);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function pgDump(url: string): Promise<Buffer> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows: tables } = await c.query(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
    const parts: string[] = [];
    for (const { table_name } of tables) {
      const { rows } = await c.query(`select row_to_json(t)::text as line from ${table_name} t`);
      parts.push(`-- ${table_name}\n${rows.map((r) => r.line).join('\n')}`);
    }
    expect(tables.length).toBeGreaterThan(10);
    return Buffer.from(parts.join('\n'));
  } finally {
    await c.end();
  }
}

describe.each(backends)('secret hygiene (%s)', (backend: Backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('a whole session (setup, logins, cookie, member invited and redeemed, password changed, token create/reset/rename/deactivate/remove, flag changes, logout) leaves no secret behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ensign-secrets-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    if (backend === 'postgres') {
      const db = await freshPgDatabase(PG_URL, 'ensign_secrets');
      cleanups.push(db.drop);
      databaseUrl = db.url;
    }
    const server: Spawned = await spawnServer({ dataDir, databaseUrl, logLevel: 'trace' });
    cleanups.push(() => server.kill9());
    const base = server.url;

    const secrets: Secret[] = [{ label: 'ENSIGN_SECRET', value: server.secret }];
    const remember = (label: string, value: string) => (secrets.push({ label, value }), value);
    const ownerPassword = remember('owner password', `owner-${randomBytes(9).toString('hex')}`);
    const memberPassword = remember('member password', `member-${randomBytes(9).toString('hex')}`);
    const wrongPassword = remember('wrong password', `wrong-${randomBytes(9).toString('hex')}`);

    // Every response, with the labels of the secrets it is allowed to carry (the one that hands it out).
    const responses: { what: string; allowed: string[]; res: Reply }[] = [];
    const send = async (
      what: string,
      method: string,
      path: string,
      opts: { auth?: string; headers?: Record<string, string>; body?: unknown } = {},
      hands?: (res: Reply) => { label: string; value: string }[],
    ) => {
      const res = await request(base, method, `/api/v1${path}`, { headers: { ...(opts.auth ? { authorization: opts.auth } : {}), ...opts.headers }, body: opts.body });
      const handed = hands ? hands(res) : [];
      for (const h of handed) remember(h.label, h.value);
      responses.push({ what, allowed: handed.map((h) => h.label), res });
      return res;
    };

    const setup = await send('setup', 'POST', '/setup', { body: { organizationName: 'Hygiene', name: 'Owner', email: 'owner@example.com', password: ownerPassword } }, (r) => [
      { label: 'setup session', value: r.body.data.session },
    ]);
    const owner = `Bearer ${setup.body.data.session}`;
    const login = await send('login', 'POST', '/identity/login-by-email', { body: { email: 'owner@example.com', password: ownerPassword } }, (r) => [
      { label: 'login session', value: r.body.data.session },
    ]);
    expect((await send('wrong password', 'POST', '/identity/login-by-email', { body: { email: 'owner@example.com', password: wrongPassword } })).status).toBe(401);
    const web = await send('web login', 'POST', '/identity/login-by-email', { headers: { 'x-requested-with': 'ensign-web' }, body: { email: 'owner@example.com', password: ownerPassword } }, (r) => [
      { label: 'cookie session', value: /ensign_session=([^;]+)/.exec(String(r.headers['set-cookie']))![1] },
    ]);
    expect(web.body.data.session).toBeNull();
    const cookie = `ensign_session=${secrets.find((s) => s.label === 'cookie session')!.value}`;
    const webHeaders = { cookie, 'x-requested-with': 'ensign-web' };
    ok(await send('cookie profile', 'GET', '/user/profile', { headers: webHeaders }), 'profile by cookie');

    const invited = ok(
      await send('invite member', 'POST', '/members', { auth: owner, body: { email: 'member@example.com', name: 'Member' } }, (r) => [
        { label: 'invitation code', value: r.body.data.invitation.code },
      ]),
      'member',
    );
    const member = invited.member;
    ok(await send('redeem invitation', 'POST', '/invitations/redeem', { body: { code: invited.invitation.code, name: 'Member', password: memberPassword } }), 'redeem');
    const memberLogin = await send('member login', 'POST', '/identity/login-by-email', { body: { email: 'member@example.com', password: memberPassword } }, (r) => [
      { label: 'member session', value: r.body.data.session },
    ]);
    ok(await send('member profile', 'GET', '/user/profile', { auth: `Bearer ${memberLogin.body.data.session}` }), 'member profile');
    const nextPassword = remember('changed password', `next-${randomBytes(9).toString('hex')}`);
    ok(
      await send('change password', 'PUT', '/user/password', { auth: `Bearer ${memberLogin.body.data.session}`, body: { currentPassword: memberPassword, newPassword: nextPassword } }),
      'change password',
    );

    const everything = [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }];
    const service = ok(
      await send('create service token', 'POST', '/access-tokens', { auth: owner, body: { name: 'ci', type: 'Service', permissions: everything } }, (r) => [
        { label: 'service token', value: r.body.data.secret },
      ]),
      'service',
    );
    const personal = ok(
      await send('create personal token', 'POST', '/access-tokens', { headers: webHeaders, body: { name: 'mine', type: 'Personal', permissions: [] } }, (r) => [
        { label: 'personal token', value: r.body.data.secret },
      ]),
      'personal',
    );
    const rotated = ok(
      await send('reset service token', 'POST', `/access-tokens/${service.id}/reset`, { auth: owner, body: { graceSeconds: 600 } }, (r) => [
        { label: 'reset service token', value: r.body.data.secret },
      ]),
      'reset',
    );
    const minted = ok(
      await send('token mints a token', 'POST', '/access-tokens', { auth: rotated.secret, body: { name: 'minted', type: 'Service', permissions: everything } }, (r) => [
        { label: 'minted token', value: r.body.data.secret },
      ]),
      'minted',
    );

    // Use every credential, in both header styles, on reads and writes; then rename, deactivate, remove.
    ok(await send('old secret in grace', 'GET', '/user/profile', { auth: service.secret }), 'grace');
    ok(await send('rotated as Bearer', 'GET', '/user/profile', { auth: `Bearer ${rotated.secret}` }), 'bearer');
    // Server SDK keys are secrets too (client keys are public by design): whole only in the response that created them.
    const serverKeysOf = (r: Reply) => r.body.data.environments.map((e: any) => ({ label: `server SDK key of ${e.key}`, value: e.secrets.find((k: any) => k.type === 'server').value }));
    const project = ok(await send('create project', 'POST', '/projects', { auth: rotated.secret, body: { key: 'hyg', name: 'Hygiene' } }, serverKeysOf), 'project');
    const envId = project.environments[0].id;
    const sdkKey = ok(
      await send('add server SDK key', 'POST', `/envs/${envId}/secrets`, { auth: owner, body: { name: 'backend', type: 'server' } }, (r) => [
        { label: 'added server SDK key', value: r.body.data.value },
      ]),
      'sdk key',
    );
    ok(
      await send('rotate server SDK key', 'POST', `/envs/${envId}/secrets/${sdkKey.id}/rotate`, { auth: owner, body: { graceSeconds: 60 } }, (r) => [
        { label: 'rotated server SDK key', value: r.body.data.value },
      ]),
      'rotate sdk key',
    );
    ok(await send('rename server SDK key', 'PUT', `/envs/${envId}/secrets/${sdkKey.id}`, { auth: owner, body: { name: 'backend api' } }), 'rename sdk key');
    ok(await send('list projects with SDK keys', 'GET', '/projects', { auth: owner }), 'projects');
    ok(await send('read environment with SDK keys', 'GET', `/projects/${project.id}/envs/${envId}`, { auth: owner }), 'env');
    ok(await send('create flag', 'POST', `/envs/${envId}/feature-flags`, { auth: personal.secret, body: { key: 'f1', name: 'F1' } }), 'flag');
    ok(await send('toggle flag', 'PUT', `/envs/${envId}/feature-flags/f1/toggle/true`, { auth: minted.secret }), 'toggle');
    ok(await send('rename flag', 'PUT', `/envs/${envId}/feature-flags/f1/name`, { headers: webHeaders, body: { name: 'Flag one' } }), 'rename flag');
    ok(await send('read flag', 'GET', `/envs/${envId}/feature-flags/f1`, { auth: personal.secret }), 'read');
    ok(await send('rename token', 'PUT', `/access-tokens/${personal.id}`, { auth: owner, body: { name: 'mine-renamed' } }), 'rename token');
    ok(await send('deactivate token', 'PUT', `/access-tokens/${personal.id}/deactivate`, { auth: owner }), 'deactivate');
    expect((await send('deactivated token', 'GET', '/user/profile', { auth: personal.secret })).status).toBe(403);
    ok(await send('list tokens', 'GET', '/access-tokens?pageSize=100', { auth: owner }), 'list');
    ok(await send('read token', 'GET', `/access-tokens/${service.id}`, { auth: owner }), 'read token');
    ok(await send('remove token', 'DELETE', `/access-tokens/${minted.id}`, { auth: owner }), 'remove');
    expect((await send('removed token', 'GET', '/user/profile', { auth: minted.secret })).status).toBe(401);
    expect((await send('bad checksum', 'GET', '/user/profile', { auth: rotated.secret.slice(0, -1) + (rotated.secret.endsWith('A') ? 'B' : 'A') })).status).toBe(401);
    expect((await send('cookie without header', 'POST', '/projects', { headers: { cookie }, body: { key: 'csrf', name: 'CSRF' } })).status).toBe(403);

    // Garbage on the socket that carries a credential: the parser error must not be logged with its raw bytes.
    await new Promise<void>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port: server.port });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.on('data', () => undefined);
      s.end(`GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${rotated.secret}\r\nCookie: ${cookie}\r\nX-Bad: \u0001\r\n\r\n`);
    });

    ok(await send('delete server SDK key', 'DELETE', `/envs/${envId}/secrets/${sdkKey.id}`, { auth: owner }), 'delete sdk key');
    ok(await send('remove member', 'DELETE', `/members/${member.id}`, { auth: owner }), 'remove member');
    ok(await send('logout', 'POST', '/identity/logout', { auth: `Bearer ${login.body.data.session}` }), 'logout');
    ok(await send('cookie logout', 'POST', '/identity/logout', { headers: webHeaders }), 'cookie logout');
    // The audit log, every page: a response like the others, and what the log holds about tokens.
    const audit = ok(await send('audit log', 'GET', '/audit-logs?pageSize=100', { auth: owner }), 'audit');
    expect(audit.items.some((e: any) => e.action === 'ResetAccessToken')).toBe(true);

    const problems: string[] = [];
    // The scanner finds what it looks for: each secret is in the response that handed it out.
    for (const { what, allowed, res } of responses)
      expect(
        found(
          Buffer.from(JSON.stringify(res.headers) + res.text),
          secrets.filter((s) => allowed.includes(s.label)),
        ).length,
        what,
      ).toBe(allowed.length * 2);
    // 1. Every response except the one that handed a secret out (headers included: Set-Cookie).
    for (const { what, allowed, res } of responses) {
      const text = Buffer.from(`${JSON.stringify(res.headers)}\n${res.text}`);
      for (const label of found(
        text,
        secrets.filter((s) => !allowed.includes(s.label)),
      ))
        problems.push(`response "${what}" contains ${label}`);
    }
    // 2. The database as it is on disk while running (SQLite: ensign.db, -wal, -shm; PostgreSQL: every table as text).
    const scanDisk = async (when: string) => {
      if (backend === 'sqlite') {
        const files = filesUnder(dataDir);
        if (when === 'running') expect(files.map((f) => f.slice(dataDir.length + 1))).toEqual(expect.arrayContaining(['ensign.db', 'ensign.db-wal', 'ensign.db-shm']));
        for (const f of files) for (const label of found(readFileSync(f), secrets)) problems.push(`${when}: ${f.slice(dataDir.length + 1)} contains ${label}`);
        return files.length;
      }
      for (const label of found(await pgDump(databaseUrl!), secrets)) problems.push(`${when}: the database contains ${label}`);
      return 1;
    };
    const filesScanned = await scanDisk('running');
    await server.stop();
    await scanDisk('after shutdown');
    // 3. Everything the server wrote, at trace level, decoded Buffers included.
    const log = server.output();
    const logText = log.toString('utf8');
    const lines = logText.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length, 'the server really logged at trace level').toBeGreaterThan(responses.length);
    expect(lines.some((l) => JSON.parse(l).level === 10 || JSON.parse(l).level === 20 || /incoming request/.test(l))).toBe(true);
    for (const label of found(Buffer.concat([log, decodedBuffers(logText)]), secrets)) problems.push(`the log contains ${label}`);
    expect(logText).not.toMatch(/\$argon2/);

    report(`secret hygiene (${backend})`, { secrets: secrets.length, needles: needles(secrets).length, responses: responses.length, logLines: lines.length, logBytes: log.length, filesScanned });
    expect(problems).toEqual([]);
  }, 120_000);
});

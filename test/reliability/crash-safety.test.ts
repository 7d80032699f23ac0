// Crash safety (issue 7; 04-operations.md): kill -9 the real server during a write load from several clients,
// restart it, and find every acknowledged write with its acknowledged state (or the state of the one write that
// was still in flight on that object), nothing half-written, and an intact database (PRAGMA integrity_check).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, backends, type Backend } from '../support/harness.ts';
import { report, scale } from './support/scale.ts';
import { freshPgDatabase, ok, request, spawnServer, type Spawned } from './support/server.ts';

const CYCLES = scale(2, 10);
const WORKERS = scale(6, 8);
const LOAD_MS: [number, number] = scale([700, 2000], [500, 6000]);

interface TokenState {
  id: string;
  secret: string;
  name: string;
  status: 'Active' | 'Inactive';
  /** What the one unanswered request on this token would have made it. */
  inflight?: { name?: string; status?: 'Active' | 'Inactive' };
  renames: number;
  toggles: number;
}
interface FlagState {
  key: string;
  isEnabled: boolean;
  inflight?: { isEnabled: boolean };
  toggles: number;
}
interface Ledger {
  tokens: Map<string, TokenState>;
  flags: Map<string, FlagState>;
  acknowledged: number;
  refused: string[];
}

/** Rows as the database holds them, read straight from SQLite or PostgreSQL. */
interface Rows {
  tokens: { id: string; name: string; name_lower: string; status: string; hint: string; digest: string; permissions: string; type: string }[];
  flags: { key: string; is_enabled: number; variations: string; enabled_variation_id: string; disabled_variation_id: string }[];
  audit: { action: string; ref_id: string }[];
  integrity: string;
}

async function readSqlite(dataDir: string): Promise<Rows> {
  const db = new SQLite(join(dataDir, 'ensign.db'));
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    const fk = db.pragma('foreign_key_check') as unknown[];
    return {
      tokens: db.prepare('select * from access_tokens').all() as Rows['tokens'],
      flags: db.prepare('select * from feature_flags').all() as Rows['flags'],
      audit: db.prepare('select action, ref_id from audit_logs').all() as Rows['audit'],
      integrity: fk.length ? `${integrity}; foreign_key_check: ${JSON.stringify(fk)}` : integrity,
    };
  } finally {
    db.close();
  }
}

async function readPostgres(url: string): Promise<Rows> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // PostgreSQL has no PRAGMA integrity_check; amcheck verifies every B-tree index against its invariants and its
    // table (heapallindexed), which is what a torn write would break.
    await c.query('create extension if not exists amcheck');
    const { rows: indexes } = await c.query(
      `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and a.amname = 'btree'`,
    );
    const problems: string[] = [];
    for (const { name } of indexes) {
      await c.query('select bt_index_check($1::regclass, true)', [name]).catch((err: Error) => problems.push(`${name}: ${err.message}`));
    }
    if (indexes.length < 5) problems.push(`only ${indexes.length} indexes checked`);
    return {
      tokens: (await c.query('select * from access_tokens')).rows,
      flags: (await c.query('select * from feature_flags')).rows,
      audit: (await c.query('select action, ref_id from audit_logs')).rows,
      integrity: problems.length ? problems.join('; ') : 'ok',
    };
  } finally {
    await c.end();
  }
}

/** Everything that must hold of the rows, whatever moment the crash hit. */
function checkRows(rows: Rows, ledger: Ledger): string[] {
  const problems: string[] = [];
  if (rows.integrity !== 'ok') problems.push(`integrity: ${rows.integrity}`);
  const audits = (action: string, id: string) => rows.audit.filter((a) => a.action === action && a.ref_id === id).length;

  // Nothing half-written: every row is complete, and each create is there with its audit entry or not at all.
  for (const t of rows.tokens) {
    if (!t.digest || !/^ens_(pat|svc)_…[0-9A-Za-z]{4}$/.test(t.hint) || t.name_lower !== t.name.toLowerCase()) problems.push(`token ${t.id} is incomplete: ${JSON.stringify(t)}`);
    try {
      if (!Array.isArray(JSON.parse(t.permissions))) throw new Error();
    } catch {
      problems.push(`token ${t.id} has unreadable permissions`);
    }
    if (audits('CreateAccessToken', t.id) !== 1) problems.push(`token ${t.id} has ${audits('CreateAccessToken', t.id)} CreateAccessToken entries`);
  }
  const tokenIds = new Set(rows.tokens.map((t) => t.id));
  for (const a of rows.audit) if (a.action === 'CreateAccessToken' && !tokenIds.has(a.ref_id)) problems.push(`audit entry for token ${a.ref_id}, which does not exist`);
  const flagIds = new Map<string, (typeof rows.flags)[number]>();
  for (const f of rows.flags as any[]) {
    flagIds.set(f.id, f);
    let ids: string[] = [];
    try {
      ids = (JSON.parse(f.variations) as { id: string }[]).map((v) => v.id);
    } catch {
      problems.push(`flag ${f.key} has unreadable variations`);
    }
    if (ids.length < 2 || !ids.includes(f.enabled_variation_id) || !ids.includes(f.disabled_variation_id)) problems.push(`flag ${f.key} is incomplete: ${f.variations}`);
    if (audits('CreateFlag', f.id) !== 1) problems.push(`flag ${f.key} has ${audits('CreateFlag', f.id)} CreateFlag entries`);
  }
  for (const a of rows.audit) if (a.action === 'CreateFlag' && !flagIds.has(a.ref_id)) problems.push(`audit entry for flag ${a.ref_id}, which does not exist`);

  // Every acknowledged write is there, in its acknowledged state or the one in-flight write's.
  const tokens = new Map(rows.tokens.map((t) => [t.id, t]));
  for (const want of ledger.tokens.values()) {
    const got = tokens.get(want.id);
    if (!got) {
      problems.push(`acknowledged token ${want.name} (${want.id}) is missing`);
      continue;
    }
    const names = [want.name, want.inflight?.name].filter(Boolean);
    const statuses = [want.status, want.inflight?.status].filter(Boolean);
    if (!names.includes(got.name)) problems.push(`token ${want.id}: name ${got.name}, acknowledged ${want.name}`);
    if (!statuses.includes(got.status as any)) problems.push(`token ${want.id}: status ${got.status}, acknowledged ${want.status}`);
    if (got.hint !== `${want.secret.slice(0, 8)}…${want.secret.slice(-4)}`) problems.push(`token ${want.id}: hint ${got.hint} does not match its secret`);
    const renames = audits('RenameAccessToken', want.id);
    const toggles = audits('ActivateAccessToken', want.id) + audits('DeactivateAccessToken', want.id);
    if (renames < want.renames || renames > want.renames + 1) problems.push(`token ${want.id}: ${renames} rename entries for ${want.renames} acknowledged renames`);
    if (toggles < want.toggles || toggles > want.toggles + 1) problems.push(`token ${want.id}: ${toggles} toggle entries for ${want.toggles} acknowledged toggles`);
  }
  const flags = new Map((rows.flags as any[]).map((f) => [f.key, f]));
  for (const want of ledger.flags.values()) {
    const got = flags.get(want.key);
    if (!got) {
      problems.push(`acknowledged flag ${want.key} is missing`);
      continue;
    }
    const states = [want.isEnabled, want.inflight?.isEnabled].filter((x) => x !== undefined);
    if (!states.includes(Number(got.is_enabled) === 1)) problems.push(`flag ${want.key}: isEnabled ${got.is_enabled}, acknowledged ${want.isEnabled}`);
    const toggles = audits('ToggleFlag', got.id);
    if (toggles < want.toggles || toggles > want.toggles + 1) problems.push(`flag ${want.key}: ${toggles} toggle entries for ${want.toggles} acknowledged toggles`);
  }
  return problems;
}

/** One client: its own connection, its own tokens and flags, one request at a time; stops when the server dies. */
async function worker(server: Spawned, auth: string, envId: string, ledger: Ledger, id: number, stop: () => boolean): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: auth };
  const mine = { tokens: [] as TokenState[], flags: [] as FlagState[] };
  let n = 0;
  try {
    while (!stop()) {
      n++;
      const pick = Math.random();
      if (pick < 0.2 || mine.tokens.length === 0) {
        const name = `w${id}-t${n}-${Date.now().toString(36)}`;
        const res = await request(server.url, 'POST', '/api/v1/access-tokens', {
          agent,
          headers,
          body: { name, type: 'Service', permissions: [{ resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] }] },
        });
        const data = ok(res, 'create token');
        const t: TokenState = { id: data.id, secret: data.secret, name, status: data.status, renames: 0, toggles: 0 };
        mine.tokens.push(t);
        ledger.tokens.set(t.id, t);
      } else if (pick < 0.4) {
        const t = mine.tokens[Math.floor(Math.random() * mine.tokens.length)];
        const name = `w${id}-r${n}-${Date.now().toString(36)}`;
        t.inflight = { name };
        const data = ok(await request(server.url, 'PUT', `/api/v1/access-tokens/${t.id}`, { agent, headers, body: { name } }), 'rename token');
        Object.assign(t, { name: data.name, inflight: undefined, renames: t.renames + 1 });
      } else if (pick < 0.6) {
        const t = mine.tokens[Math.floor(Math.random() * mine.tokens.length)];
        t.inflight = { status: t.status === 'Active' ? 'Inactive' : 'Active' };
        const flipped = ok(await request(server.url, 'PUT', `/api/v1/access-tokens/${t.id}/toggle`, { agent, headers }), 'toggle token');
        if (flipped !== true) throw new Error(`toggle answered ${JSON.stringify(flipped)}`);
        Object.assign(t, { status: t.inflight.status, inflight: undefined, toggles: t.toggles + 1 });
      } else if (pick < 0.8 || mine.flags.length === 0) {
        const key = `w${id}-f${n}-${Date.now().toString(36)}`;
        const data = ok(await request(server.url, 'POST', `/api/v1/envs/${envId}/feature-flags`, { agent, headers, body: { key, name: key } }), 'create flag');
        const f: FlagState = { key, isEnabled: data.isEnabled, toggles: 0 };
        mine.flags.push(f);
        ledger.flags.set(key, f);
      } else {
        const f = mine.flags[Math.floor(Math.random() * mine.flags.length)];
        f.inflight = { isEnabled: !f.isEnabled };
        const data = ok(await request(server.url, 'PUT', `/api/v1/envs/${envId}/feature-flags/${f.key}/toggle/${!f.isEnabled}`, { agent, headers }), 'toggle flag');
        // FeatBit's answer to a toggle is the flag's new revision; the acknowledged state is the one asked for.
        if (typeof data !== 'string' || data === '') throw new Error(`toggle flag answered ${JSON.stringify(data)}`);
        Object.assign(f, { isEnabled: f.inflight.isEnabled, inflight: undefined, toggles: f.toggles + 1 });
      }
      ledger.acknowledged++;
    }
  } catch (err) {
    // The server was killed: the request in flight has no answer, so its object keeps both possible states.
    const message = (err as Error).message;
    if (!server.exited() && !/ECONNRESET|ECONNREFUSED|socket hang up|EPIPE/.test(message)) ledger.refused.push(message);
  } finally {
    agent.destroy();
  }
}

describe.each(backends)('crash safety (%s)', (backend: Backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it(
    `kill -9 during a write load from ${WORKERS} clients, ${CYCLES} times: every acknowledged write survives, nothing is half-written, the database is intact`,
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ensign-crash-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      let databaseUrl: string | undefined;
      if (backend === 'postgres') {
        const db = await freshPgDatabase(PG_URL, 'ensign_crash');
        cleanups.push(db.drop);
        databaseUrl = db.url;
      }
      let server = await spawnServer({ dataDir, databaseUrl });
      cleanups.push(() => server.kill9());
      const secret = server.secret;
      const setup = ok(await request(server.url, 'POST', '/api/v1/setup', { body: { organizationName: 'Crash', name: 'Owner', email: 'crash@example.com', password: 'crash-password' } }), 'setup');
      const auth = `Bearer ${setup.session}`;
      const envId = ok(await request(server.url, 'POST', '/api/v1/projects', { headers: { authorization: auth }, body: { key: 'crash', name: 'Crash' } }), 'project').environments[0].id;

      const ledger: Ledger = { tokens: new Map(), flags: new Map(), acknowledged: 0, refused: [] };
      const runs: { loadMs: number; acknowledged: number; tokens: number; flags: number; inflight: number; restartMs: number }[] = [];
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const before = ledger.acknowledged;
        let stopped = false;
        const clients = Array.from({ length: WORKERS }, (_, i) => worker(server, auth, envId, ledger, cycle * 100 + i, () => stopped));
        const loadMs = LOAD_MS[0] + Math.floor(Math.random() * (LOAD_MS[1] - LOAD_MS[0]));
        await new Promise((r) => setTimeout(r, loadMs));
        await server.kill9(); // mid-load: requests are in flight on most connections
        stopped = true;
        await Promise.all(clients);
        expect(ledger.refused, 'a write was refused while the server was up').toEqual([]);
        const inflight = [...ledger.tokens.values(), ...ledger.flags.values()].filter((x) => x.inflight).length;

        // The database exactly as the crash left it.
        const rows = backend === 'sqlite' ? await readSqlite(dataDir) : await readPostgres(databaseUrl!);
        expect(checkRows(rows, ledger), `cycle ${cycle}`).toEqual([]);

        // And the restarted server sees the same: sessions, tokens (their secrets still authenticate), flags.
        const started = Date.now();
        server = await spawnServer({ dataDir, databaseUrl, secret });
        const restartMs = Date.now() - started;
        const listed = ok(await request(server.url, 'GET', `/api/v1/envs/${envId}/feature-flags?pageSize=1`, { headers: { authorization: auth } }), 'list flags after restart');
        expect(listed.totalCount).toBe(rows.flags.length);
        const sample = [...ledger.tokens.values()].sort(() => Math.random() - 0.5).slice(0, 15);
        for (const t of sample) {
          const res = await request(server.url, 'GET', '/api/v1/user/profile', { headers: { authorization: t.secret } });
          const stored = rows.tokens.find((r) => r.id === t.id)!;
          expect(res.status, `token ${t.id} (${stored.status})`).toBe(stored.status === 'Active' ? 200 : 403);
        }
        // The in-flight writes are settled now: the database decides what they became.
        for (const t of ledger.tokens.values()) if (t.inflight) Object.assign(t, { ...pick(rows.tokens.find((r) => r.id === t.id)!), inflight: undefined });
        for (const f of ledger.flags.values()) if (f.inflight) Object.assign(f, { isEnabled: Number(rows.flags.find((r) => r.key === f.key)!.is_enabled) === 1, inflight: undefined });
        resettleAuditCounts(rows, ledger);
        runs.push({ loadMs, acknowledged: ledger.acknowledged - before, tokens: rows.tokens.length, flags: rows.flags.length, inflight, restartMs });
      }
      await server.stop();
      const final = backend === 'sqlite' ? await readSqlite(dataDir) : await readPostgres(databaseUrl!);
      expect(checkRows(final, ledger)).toEqual([]);
      report(`crash safety (${backend})`, { cycles: CYCLES, workers: WORKERS, acknowledgedWrites: ledger.acknowledged, runs });
    },
    scale(120_000, 900_000),
  );
});

function pick(row: { name: string; status: string }) {
  return { name: row.name, status: row.status as 'Active' | 'Inactive' };
}

/** After a crash the audit counts of in-flight writes are known: take them as acknowledged for the next cycle. */
function resettleAuditCounts(rows: Rows, ledger: Ledger) {
  const count = (action: string, id: string) => rows.audit.filter((a) => a.action === action && a.ref_id === id).length;
  for (const t of ledger.tokens.values()) {
    t.renames = count('RenameAccessToken', t.id);
    t.toggles = count('ActivateAccessToken', t.id) + count('DeactivateAccessToken', t.id);
  }
  const ids = new Map((rows.flags as any[]).map((f) => [f.key, f.id]));
  for (const f of ledger.flags.values()) f.toggles = count('ToggleFlag', ids.get(f.key));
}

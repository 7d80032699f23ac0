// Tells every instance that something it may have cached changed. SQLite has one instance: local only.
// PostgreSQL: LISTEN/NOTIFY on a dedicated connection; a lost connection drops every cache, on loss and
// again once listening resumes (anything published in between was missed), and reconnects until it works.
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from './db.ts';

/** What changed. Credential kinds narrow what a caller may do; `flags` changes what a flag read returns. */
export type Invalidation =
  | { kind: 'token'; tokenId: string }
  | { kind: 'session'; userId: string }
  | { kind: 'org'; orgId: string } // policies, groups, memberships: anything that changes members' statements
  | { kind: 'flags'; envIds: string[] } // flags written, or environments deleted (with their flags)
  // SDK keys deleted (secretId null: every key of these environments) or rotated (the old key works until graceUntil)
  | { kind: 'sdk-secrets'; envIds: string[]; secretId: string | null; reason: 'deleted' | 'rotated'; graceUntil: number | null }
  | { kind: 'all' };

export interface InvalidationBus {
  publish(event: Invalidation): Promise<void>;
  close(): Promise<void>;
}

/** One channel per schema, so instances of different deployments (or tests) sharing a server stay apart. */
export function invalidationChannel(schema: string | undefined): string {
  const name = schema ?? 'public';
  // LISTEN takes an identifier: keep simple names readable, hash anything else into one.
  const safe = /^[a-z_][a-z0-9_]{0,40}$/.test(name) ? name : createHash('sha256').update(name).digest('hex').slice(0, 32);
  return `ensign_invalidate_${safe}`;
}

const RETRY_MS = [100, 200, 500, 1000, 2000, 5000];

/**
 * SQLite has no bus, but another process can still write the file (the `ensign` CLI's break-glass commands). SQLite
 * bumps `PRAGMA data_version` for commits made by other connections only, so comparing it before using anything
 * cached costs one prepared-statement step, and a change from outside drops every cache before that very request.
 * PostgreSQL instances hear the CLI on the bus instead: there this is a no-op.
 */
export function externalWriteProbe(db: Db, apply: (e: Invalidation) => void): () => void {
  if (db.dialect !== 'sqlite' || !db.sqlite) return () => undefined;
  const version = db.sqlite.prepare('PRAGMA data_version').pluck();
  let seen = version.get();
  return () => {
    const now = version.get();
    if (now === seen) return;
    seen = now;
    apply({ kind: 'all' });
  };
}

export async function createInvalidationBus(db: Db, apply: (e: Invalidation) => void, log: FastifyBaseLogger): Promise<InvalidationBus> {
  if (db.dialect !== 'postgres' || !db.pgConfig) return { publish: async () => undefined, close: async () => undefined };
  const channel = invalidationChannel(db.pgSchema);
  const self = randomUUID();
  let client: pg.Client | null = null;
  let closed = false;
  let attempt = 0;

  const retry = () => {
    if (closed) return;
    const delay = RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)];
    setTimeout(() => void connect().catch(onConnectError), delay).unref();
  };
  const onConnectError = (err: unknown) => {
    log.error({ err }, 'invalidation listener could not connect; retrying');
    retry();
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client(db.pgConfig);
    let listening = false;
    let lost = false;
    const onLost = () => {
      // Before LISTEN succeeded, a failure is connect()'s to report (and the caller retries).
      if (!listening || lost || closed) return;
      lost = true;
      if (client === c) client = null;
      // Anything published while we are away is missed: forget everything now, and again once back.
      apply({ kind: 'all' });
      c.end().catch(() => undefined);
      retry();
    };
    c.on('error', (err) => {
      log.warn({ err }, 'invalidation listener lost its connection');
      onLost();
    });
    c.on('end', onLost);
    c.on('notification', (msg) => {
      try {
        const { from, event } = JSON.parse(msg.payload ?? '{}') as { from: string; event: Invalidation };
        if (from !== self) apply(event);
      } catch {
        apply({ kind: 'all' });
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    listening = true;
    client = c;
    attempt = 0;
    apply({ kind: 'all' });
  };
  await connect();

  return {
    async publish(event) {
      // pg_notify on a pool connection: delivered to every listener (this one included, which skips it).
      await db.pgPool!.query('select pg_notify($1, $2)', [channel, JSON.stringify({ from: self, event })]);
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}

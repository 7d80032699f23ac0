// Tells every instance that a credential may have narrowed. SQLite has one instance: local only.
// PostgreSQL: LISTEN/NOTIFY on a dedicated connection; a reconnect drops the whole cache.
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import type { Invalidation } from '../auth/credential-cache.ts';
import type { Db } from './db.ts';

export interface InvalidationBus {
  publish(event: Invalidation): Promise<void>;
  close(): Promise<void>;
}

export async function createInvalidationBus(db: Db, apply: (e: Invalidation) => void, log: FastifyBaseLogger): Promise<InvalidationBus> {
  if (db.dialect !== 'postgres' || !db.pgConfig) return { publish: async () => undefined, close: async () => undefined };
  const channel = `ensign_invalidate_${db.pgSchema ?? 'public'}`;
  const self = randomUUID();
  let client: pg.Client | null = null;
  let closed = false;

  const connect = async (): Promise<void> => {
    const c = new pg.Client(db.pgConfig);
    c.on('error', (err) => log.warn({ err }, 'invalidation listener lost its connection'));
    c.on('end', () => {
      if (closed) return;
      client = null;
      // Anything published while we were away is lost: forget everything, then listen again.
      apply({ kind: 'all' });
      setTimeout(() => void connect().catch((err) => log.error({ err }, 'invalidation listener reconnect failed')), 200).unref();
    });
    c.on('notification', (msg) => {
      try {
        const { from, event } = JSON.parse(msg.payload ?? '{}') as { from: string; event: Invalidation };
        if (from !== self) apply(event);
      } catch {
        apply({ kind: 'all' });
      }
    });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    client = c;
    apply({ kind: 'all' });
  };
  await connect();

  return {
    async publish(event) {
      const { sql } = await import('kysely');
      await sql`select pg_notify(${channel}, ${JSON.stringify({ from: self, event })})`.execute(db.kysely);
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}

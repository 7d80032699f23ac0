// SQL for accounts (users) and their sessions.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../platform/tables.ts';

type Q = Kysely<Database> | Transaction<Database>;

export async function anyUser(db: Q): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Serializes concurrent set-ups on PostgreSQL (SQLite writers are serialized already). */
export async function lockUsers(db: Q, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres') await sql`lock table users in exclusive mode`.execute(db);
}

export async function insertUser(db: Q, row: Database['users']): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function findUserById(db: Q, id: string): Promise<{ id: string; name: string; email: string; password_hash: string } | null> {
  return (await db.selectFrom('users').select(['id', 'name', 'email', 'password_hash']).where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function findUserByEmail(db: Q, email: string): Promise<{ id: string; password_hash: string } | null> {
  return (await db.selectFrom('users').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst()) ?? null;
}

export async function insertSession(db: Q, row: Database['sessions']): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function deleteSession(db: Q, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** A new password: every other session of the person ends with it. */
export async function setPassword(db: Q, userId: string, hash: string, keepSessionId: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
  await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '!=', keepSessionId).execute();
}

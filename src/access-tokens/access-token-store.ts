// SQL for access tokens. The plaintext secret never reaches this layer: only digests and hints.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/tables.ts';
import { containsIgnoreCase } from '../platform/sql-helpers.ts';

type Q = Kysely<Database> | Transaction<Database>;
/** A token as stored. */
export type StoredToken = Database['access_tokens'];
export type TokenRow = StoredToken & { creator_email: string | null };

export interface TokenFilter {
  name?: string;
  type?: 'Personal' | 'Service';
  creatorId?: string;
  status?: 'Active' | 'Inactive';
  /** No recorded use (lastUsedAt is accurate to a minute, so a use in the last minute may not count yet). */
  neverUsed?: boolean;
  /** Not yet expired, and expiring by then. */
  expiring?: { now: number; by: number };
}

function base(db: Q, orgId: string) {
  return db.selectFrom('access_tokens').leftJoin('users', 'users.id', 'access_tokens.creator_user_id').where('access_tokens.org_id', '=', orgId);
}

export async function findToken(db: Q, orgId: string, id: string): Promise<TokenRow | null> {
  const r = await base(db, orgId).selectAll('access_tokens').select('users.email as creator_email').where('access_tokens.id', '=', id).executeTakeFirst();
  return r ?? null;
}

export async function listTokens(db: Q, orgId: string, f: TokenFilter, pageIndex: number, pageSize: number) {
  let q = base(db, orgId);
  if (f.name) q = q.where(containsIgnoreCase('access_tokens.name', f.name));
  if (f.type) q = q.where('access_tokens.type', '=', f.type);
  if (f.status) q = q.where('access_tokens.status', '=', f.status);
  if (f.neverUsed) q = q.where('access_tokens.last_used_at', 'is', null);
  if (f.expiring) q = q.where('access_tokens.expires_at', '>', f.expiring.now).where('access_tokens.expires_at', '<=', f.expiring.by);
  if (f.creatorId) q = q.where((eb) => eb.or([eb('access_tokens.creator_member_id', '=', f.creatorId!), eb('access_tokens.creator_token_id', '=', f.creatorId!)]));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const items = await q
    .selectAll('access_tokens')
    .select('users.email as creator_email')
    .orderBy('access_tokens.created_at', 'desc')
    .orderBy('access_tokens.id', 'desc')
    .offset(pageIndex * pageSize)
    .limit(pageSize)
    .execute();
  return { totalCount: Number(total.n), items: items as TokenRow[] };
}

export async function isNameUsed(db: Q, orgId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('access_tokens').select('id').where('org_id', '=', orgId).where('name_lower', '=', name.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return !!(await q.executeTakeFirst());
}

export async function insertToken(db: Q, row: Database['access_tokens']): Promise<void> {
  await db.insertInto('access_tokens').values(row).execute();
}

export async function updateToken(db: Q, orgId: string, id: string, set: Partial<Database['access_tokens']>): Promise<void> {
  await db.updateTable('access_tokens').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteToken(db: Q, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('access_tokens').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** The command line's look-up: by id alone (the operator is not inside an organization). */
export async function findTokenAnyOrg(db: Q, id: string): Promise<Database['access_tokens'] | null> {
  return (await db.selectFrom('access_tokens').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** A member's personal tokens in one organization. */
export async function ownedPersonalTokens(db: Q, orgId: string, memberId: string): Promise<Database['access_tokens'][]> {
  return db.selectFrom('access_tokens').selectAll().where('org_id', '=', orgId).where('type', '=', 'Personal').where('creator_member_id', '=', memberId).execute();
}

/** Tokens of any organization whose current or previous (pre-reset) secret has one of these digests. */
export async function findTokensByDigests(db: Q, digests: string[]): Promise<Database['access_tokens'][]> {
  if (digests.length === 0) return [];
  return db
    .selectFrom('access_tokens')
    .selectAll()
    .where((eb) => eb.or([eb('digest', 'in', digests), eb('prev_digest', 'in', digests)]))
    .execute();
}

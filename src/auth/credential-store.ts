// SQL for credentials: tokens and sessions found by their stored digest, and a token's last use.
// The plaintext secret never reaches this layer: callers hash it first (credential-format.ts, Digester).
import type { Kysely } from 'kysely';
import type { Statement } from '../policy/statement.ts';
import type { Database } from '../platform/tables.ts';
import type { StoredSession, StoredToken } from './credential-entry.ts';

/** The token whose current or pre-reset digest is `digest`, with its stored current digest to compare, and its organization's token policy. */
export async function findTokenByDigest(db: Kysely<Database>, digest: string): Promise<(Omit<StoredToken, 'current'> & { digest: string }) | null> {
  const row = await db
    .selectFrom('access_tokens')
    .innerJoin('organizations', 'organizations.id', 'access_tokens.org_id')
    .leftJoin('token_policies', 'token_policies.org_id', 'access_tokens.org_id')
    .selectAll('access_tokens')
    .select(['organizations.key as org_key', 'token_policies.max_lifetime_days', 'token_policies.require_expiry', 'token_policies.allow_following_owner'])
    .where((eb) => eb.or([eb('access_tokens.digest', '=', digest), eb('access_tokens.prev_digest', '=', digest)]))
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    orgId: row.org_id,
    orgKey: row.org_key,
    name: row.name,
    type: row.type,
    status: row.status,
    expiresAt: row.expires_at,
    ownerMemberId: row.creator_member_id,
    permissions: JSON.parse(row.permissions) as Statement[],
    digest: row.digest,
    prevDigestUntil: row.prev_digest_until,
    createdAt: row.created_at,
    allowedCidrs: row.allowed_cidrs === null ? null : (JSON.parse(row.allowed_cidrs) as string[]),
    // No policy row: the left join's columns are all null (require_expiry is NOT NULL in a real row).
    policy: row.require_expiry === null ? null : { maxLifetimeDays: row.max_lifetime_days, requireExpiry: !!row.require_expiry, allowPersonalTokensThatFollowOwner: !!row.allow_following_owner },
  };
}

export async function findSessionByDigest(db: Kysely<Database>, digest: string): Promise<StoredSession | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'sessions.expires_at', 'users.name', 'users.email'])
    .where('sessions.digest', '=', digest)
    .executeTakeFirst();
  if (!row) return null;
  const orgs = await db.selectFrom('members').select('org_id').where('user_id', '=', row.user_id).execute();
  return { id: row.id, userId: row.user_id, name: row.name, email: row.email, expiresAt: row.expires_at, orgIds: orgs.map((o) => o.org_id) };
}

/** Moves a token's last use forward to `at`; never back, so batches written out of order cannot lose a later use. */
export async function recordLastUse(db: Kysely<Database>, tokenId: string, at: number): Promise<void> {
  await db
    .updateTable('access_tokens')
    .set({ last_used_at: at })
    .where('id', '=', tokenId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
    .execute();
}

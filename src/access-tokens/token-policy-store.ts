// SQL for organizations' token policies (one row per organization, or none: the default).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/tables.ts';
import { DEFAULT_TOKEN_POLICY, type TokenPolicy } from '../auth/token-policy.ts';

type Q = Kysely<Database> | Transaction<Database>;

export async function findTokenPolicy(db: Q, orgId: string): Promise<TokenPolicy> {
  const r = await db.selectFrom('token_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!r) return { ...DEFAULT_TOKEN_POLICY };
  return { maxLifetimeDays: r.max_lifetime_days, requireExpiry: !!r.require_expiry, allowPersonalTokensThatFollowOwner: !!r.allow_following_owner };
}

export async function saveTokenPolicy(db: Q, orgId: string, p: TokenPolicy, now: number): Promise<void> {
  const values = { max_lifetime_days: p.maxLifetimeDays, require_expiry: p.requireExpiry ? 1 : 0, allow_following_owner: p.allowPersonalTokensThatFollowOwner ? 1 : 0, updated_at: now };
  await db
    .insertInto('token_policies')
    .values({ org_id: orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .execute();
}

/** The organization's tokens that requests can use apart from the policy (active, not expired): the ones a policy change can refuse or bring back. */
export async function usableTokens(db: Q, orgId: string, now: number) {
  return db
    .selectFrom('access_tokens')
    .select(['id', 'name', 'type', 'permissions', 'creator_member_id', 'creator_token_id', 'created_at', 'expires_at', 'allowed_cidrs'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'Active')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute();
}

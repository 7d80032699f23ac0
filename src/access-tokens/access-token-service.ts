// The token lifecycle: create (secret shown once), rename, activate, deactivate, reset, remove.
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.ts';
import { generateCredential, credentialHint, parseCredential } from '../auth/credential-format.ts';
import { loadMemberAccess } from '../auth/member-access.ts';
import { actorOf, coversAll, permits, type Actor, type OrgPrincipal } from '../auth/principal.ts';
import { rn } from '../policy/rn.ts';
import { readStatements } from '../policy/statement-input.ts';
import type { Statement } from '../policy/statement.ts';
import type { AppContext } from '../platform/context.ts';
import { fieldCode } from '../platform/envelope.ts';
import { AppError, BadRequest, BusinessRule, Forbidden, NotFound, isUniqueViolation } from '../platform/errors.ts';
import { canonicalCidrs, cidrsWithin } from '../auth/cidr.ts';
import { compileTokenPolicy, tokenPolicyViolations } from '../auth/token-policy.ts';
import { findTokenPolicy } from './token-policy-store.ts';
import type { DbHandle, DbTransaction } from '../platform/db.ts';
import { mayList, tokenFacts, tokenRefusal, type TokenOperation } from './access-token-rules.ts';
import {
  deleteToken,
  findToken,
  findTokenAnyOrg,
  findTokensByDigests,
  insertToken,
  isNameUsed,
  listTokens,
  ownedPersonalTokens,
  updateToken,
  type TokenFilter,
  type TokenRow,
  type StoredToken,
} from './access-token-store.ts';

export const MAX_GRACE_SECONDS = 86_400;
export const MAX_ALLOWED_CIDRS = 32;

/** The three IAM actions that govern tokens. */
const TOKEN_ACTIONS = ['ListAccessTokens', 'ManagePersonalAccessTokens', 'ManageServiceAccessTokens'] as const;

/** Trimmed, 1–128 characters; otherwise a 400 with a stable code. */
export function tokenName(input: string): string {
  const name = input.trim();
  if (name.length === 0) throw new BadRequest('name_is_required');
  if (name.length > 128) throw new BadRequest('name_is_invalid');
  return name;
}

/** The only result type that carries a plaintext secret: the create and reset responses. */
export interface WithSecret {
  row: TokenRow;
  secret: string;
}

type TokenAuditRow = Pick<TokenRow, 'id' | 'org_id' | 'name' | 'type' | 'status' | 'inactive_reason' | 'hint' | 'expires_at' | 'permissions'>;

const snapshot = (t: TokenAuditRow) => ({ name: t.name, type: t.type, status: t.status, inactiveReason: t.inactive_reason, hint: t.hint, expiresAt: t.expires_at });

/** Every token state change is an entry in that token's history: actor, before/after, never the secret. */
function auditToken(
  trx: DbTransaction,
  log: AuditLog,
  actor: Actor,
  action: string,
  t: TokenAuditRow,
  before: TokenAuditRow | null,
  after: TokenAuditRow | null,
  note: { afterExtra?: object; comment?: string } = {},
) {
  return log.record(trx, {
    orgId: t.org_id,
    actor,
    action,
    refType: 'access-token',
    refId: t.id,
    refKey: t.name,
    rn: `access-token/${t.id}`,
    before: before ? snapshot(before) : null,
    after: after ? { ...snapshot(after), ...(before ? {} : { permissions: JSON.parse(after.permissions) }), ...note.afterExtra } : null,
    ...(note.comment === undefined ? {} : { comment: note.comment }),
  });
}

/** Who the audit log names for a break-glass change made with the `ensign` command line, on the database directly. */
export const CLI_ACTOR: Actor = Object.freeze({ kind: 'system', memberId: null, name: 'ensign CLI', tokenId: null, tokenName: null });

/**
 * A member left the organization: each of their personal tokens there becomes Inactive (OwnerRemoved), with an
 * entry in that token's own history. Runs inside the removal's transaction; returns the ids to invalidate.
 */
export async function deactivateOwnedTokens(trx: DbTransaction, log: AuditLog, actor: Actor, orgId: string, memberId: string, now: number): Promise<string[]> {
  const owned = await ownedPersonalTokens(trx, orgId, memberId);
  // Already-deactivated ones too: OwnerRemoved is what keeps them from ever being activated again.
  for (const t of owned) {
    if (t.inactive_reason === 'OwnerRemoved') continue;
    const after = { ...t, status: 'Inactive' as const, inactive_reason: 'OwnerRemoved' as const };
    await updateToken(trx, orgId, t.id, { status: after.status, inactive_reason: after.inactive_reason, updated_at: now });
    await auditToken(trx, log, actor, 'DeactivateAccessToken', t, t, after);
  }
  return owned.map((t) => t.id);
}

/** The command line's deactivation: no principal, no permission check (the operator holds the database), audited as the CLI. */
export async function deactivateAsOperator(db: DbHandle, log: AuditLog, tokenId: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const t = await findTokenAnyOrg(trx, tokenId);
    if (!t) return false;
    if (t.status === 'Inactive') return true;
    const after = { ...t, status: 'Inactive' as const, inactive_reason: 'Deactivated' as const };
    await updateToken(trx, t.org_id, t.id, { status: after.status, inactive_reason: after.inactive_reason, updated_at: now });
    await auditToken(trx, log, CLI_ACTOR, 'DeactivateAccessToken', t, t, after);
    return true;
  });
}

/** Where a leaked secret was found, as secret scanning reports it. */
export interface LeakReport {
  url: string;
  source: string;
}

/**
 * A token whose secret is public: Inactive (Leaked), its pre-reset secret's grace ended too, with an entry naming where
 * it was found. A token already marked Leaked, or dead for good (OwnerRemoved), is left as it is: returns false.
 */
export async function deactivateLeaked(trx: DbTransaction, log: AuditLog, actor: Actor, t: StoredToken, leak: LeakReport, now: number): Promise<boolean> {
  if (t.inactive_reason === 'Leaked' || t.inactive_reason === 'OwnerRemoved') return false;
  const after = { ...t, status: 'Inactive' as const, inactive_reason: 'Leaked' as const };
  await updateToken(trx, t.org_id, t.id, { status: after.status, inactive_reason: after.inactive_reason, prev_digest: null, prev_digest_until: null, updated_at: now });
  await auditToken(trx, log, actor, 'DeactivateAccessToken', t, t, after, {
    afterExtra: { leak: { url: leak.url, source: leak.source } },
    comment: `Leaked${leak.source ? ` (${leak.source})` : ''}${leak.url ? `: ${leak.url}` : ''}`,
  });
  return true;
}

/**
 * "Whose token is this?": the caller's organization's token with this secret, current or pre-reset. Needs
 * ListAccessTokens; a malformed string, another organization's token and one the caller may not list are all 404.
 */
export async function lookupTokenBySecret(ctx: Pick<AppContext, 'kysely' | 'digester'>, p: OrgPrincipal, secret: string): Promise<{ row: TokenRow; matched: 'current' | 'previous' }> {
  if (!mayList(p)) throw new Forbidden();
  const kind = parseCredential(secret);
  if (kind !== 'Personal' && kind !== 'Service') throw new NotFound();
  const digest = ctx.digester.digest(secret);
  const hit = (await findTokensByDigests(ctx.kysely, [digest])).find((t) => t.org_id === p.org.id);
  const row = hit && mayList(p, hit.id) ? await findToken(ctx.kysely, p.org.id, hit.id) : null;
  if (!row) throw new NotFound();
  return { row, matched: ctx.digester.equal(row.digest, digest) ? 'current' : 'previous' };
}

/** Fields a client might send to change what a token is; every one of them is refused. */
const IMMUTABLE_FIELDS = new Set(['permissions', 'statements', 'scopes', 'type', 'owner', 'ownerId', 'creator', 'creatorId', 'memberId', 'status', 'expiresAt', 'allowedCidrs', 'token', 'secret']);

export type AccessTokenDeps = Pick<AppContext, 'kysely' | 'clock' | 'ids' | 'digester' | 'audit' | 'invalidate'>;

/** A Leaked token's secret is public: activating it would re-enable that secret, so it must be reset first. */
export const mayActivateNow = (t: Pick<StoredToken, 'inactive_reason'>): boolean => t.inactive_reason !== 'Leaked';

export function createAccessTokenService(deps: AccessTokenDeps) {
  const { kysely, clock, ids, digester } = deps;

  const audit = (trx: DbTransaction, p: OrgPrincipal, action: string, t: TokenRow, before: TokenRow | null, after: TokenRow | null) =>
    auditToken(trx, deps.audit, actorOf(p), action, t, before, after);

  async function get(p: OrgPrincipal, id: string): Promise<TokenRow> {
    const t = await findToken(kysely, p.org.id, id);
    if (!t) throw new NotFound();
    return t;
  }

  /** Loads a token the caller may manage with this operation: 404 if absent, 403 if not theirs to manage (tokenRefusal). */
  async function manageable(p: OrgPrincipal, id: string, op: TokenOperation): Promise<TokenRow> {
    const t = await get(p, id);
    const refusal = tokenRefusal(p, tokenFacts(t), op);
    if (refusal === 'PermissionsExceedCaller') throw new Forbidden('PermissionsExceedCaller');
    if (refusal) throw new Forbidden();
    return t;
  }

  async function change(p: OrgPrincipal, t: TokenRow, action: string, set: Partial<StoredToken>): Promise<TokenRow> {
    const now = clock.now();
    const after = { ...t, ...set, updated_at: now };
    try {
      await kysely.transaction().execute(async (trx) => {
        await updateToken(trx, p.org.id, t.id, { ...set, updated_at: now });
        await audit(trx, p, action, t, t, after);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new BusinessRule('NameHasBeenUsed');
      throw err;
    }
    // Drop cached credentials before the response leaves: the next request sees the change.
    await deps.invalidate({ kind: 'token', tokenId: t.id });
    return after;
  }

  return {
    /** `expiringWithinDays`: only tokens not yet expired that expire within that many days of now. */
    async list(p: OrgPrincipal, { expiringWithinDays, ...filter }: Omit<TokenFilter, 'expiring'> & { expiringWithinDays?: number }, pageIndex: number, pageSize: number) {
      if (!mayList(p)) throw new Forbidden();
      const now = clock.now();
      const expiring = expiringWithinDays === undefined ? undefined : { now, by: now + expiringWithinDays * 86_400_000 };
      return listTokens(kysely, p.org.id, { ...filter, name: filter.name?.trim() || undefined, expiring }, pageIndex, pageSize);
    },

    /** Anyone who may list or manage tokens may ask, so the create and rename forms can check a name as it is typed. */
    async isNameUsed(p: OrgPrincipal, name: string): Promise<boolean> {
      const all = rn.accessToken('*');
      if (!TOKEN_ACTIONS.some((a) => permits(p.permission, a, all))) throw new Forbidden();
      return isNameUsed(kysely, p.org.id, name.trim());
    },

    get: async (p: OrgPrincipal, id: string) => {
      if (!mayList(p, id)) throw new Forbidden();
      return get(p, id);
    },

    async create(p: OrgPrincipal, input: { name: string; type: 'Personal' | 'Service'; permissions: unknown[]; expiresAt?: string; allowedCidrs?: string[] }): Promise<WithSecret> {
      const all = rn.accessToken('*');
      const action = input.type === 'Personal' ? 'ManagePersonalAccessTokens' : 'ManageServiceAccessTokens';
      if (!permits(p.permission, action, all)) throw new Forbidden();
      // A service token has no person behind it, so it cannot create a personal token.
      if (input.type === 'Personal' && p.memberId === null) throw new Forbidden();
      const name = tokenName(input.name);
      const read = readStatements(input.permissions, randomUUID);
      if (!read.ok) throw new BadRequest(...read.errors);
      const permissions: Statement[] = read.statements;
      if (input.type === 'Service' && permissions.length === 0) throw new BadRequest('permissions_is_required');
      const now = clock.now();
      let expiresAt: number | null = null;
      if (input.expiresAt !== undefined) {
        expiresAt = Date.parse(input.expiresAt);
        if (!Number.isFinite(expiresAt) || expiresAt <= now) throw new BadRequest('expiresAt_is_invalid');
      }
      let allowedCidrs: string[] | null = null;
      if (input.allowedCidrs !== undefined) {
        const parsed = canonicalCidrs(input.allowedCidrs);
        if (!('ok' in parsed) || parsed.ok.length === 0 || parsed.ok.length > MAX_ALLOWED_CIDRS) throw new BadRequest('allowedCidrs_is_invalid');
        allowedCidrs = parsed.ok;
      }
      // A network-bound calling token cannot mint one that works from further away.
      if (p.kind === 'token' && !cidrsWithin(allowedCidrs, p.allowedCidrs ?? null)) throw new Forbidden('PermissionsExceedCreator');
      // Never more than the caller holds now. An empty personal token means "all my owner can do",
      // which a narrower calling token must not be able to mint.
      if (permissions.length > 0) {
        if (!coversAll(p.permission, permissions)) throw new Forbidden('PermissionsExceedCreator');
      } else if (p.permission.layers.length > 1) {
        // The caller is a narrowed personal token: it may not mint one that follows the owner in full.
        const owner = (await loadMemberAccess(kysely, { memberId: p.memberId! }))?.statements ?? [];
        if (!coversAll(p.permission, owner)) throw new Forbidden('PermissionsExceedCreator');
      }
      // The organization's token policy: every rule the new token would break is named, and nothing is created.
      const policy = compileTokenPolicy(await findTokenPolicy(kysely, p.org.id));
      const broken = tokenPolicyViolations({ createdAt: now, expiresAt, followsOwner: input.type === 'Personal' && permissions.length === 0 }, policy);
      if (broken.length > 0) throw new AppError(422, broken);
      if (await isNameUsed(kysely, p.org.id, name)) throw new BusinessRule('NameHasBeenUsed');

      const secret = generateCredential(input.type);
      const row: TokenRow = {
        id: ids.next(),
        org_id: p.org.id,
        name,
        name_lower: name.toLowerCase(),
        type: input.type,
        status: 'Active',
        inactive_reason: null,
        hint: credentialHint(secret),
        digest: digester.digest(secret),
        prev_digest: null,
        prev_digest_until: null,
        permissions: JSON.stringify(permissions),
        creator_member_id: p.memberId,
        creator_user_id: p.userId,
        creator_token_id: p.kind === 'token' ? p.tokenId : null,
        creator_name: p.kind === 'token' && p.tokenType === 'Service' ? p.tokenName : (p.name ?? ''),
        created_at: now,
        updated_at: now,
        last_used_at: null,
        expires_at: expiresAt,
        allowed_cidrs: allowedCidrs === null ? null : JSON.stringify(allowedCidrs),
        creator_email: p.email,
      };
      const { creator_email: _, ...insertable } = row;
      try {
        await kysely.transaction().execute(async (trx) => {
          await insertToken(trx, insertable);
          await audit(trx, p, 'CreateAccessToken', row, null, row);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new BusinessRule('NameHasBeenUsed');
        throw err;
      }
      return { row, secret };
    },

    /** Rename is the only edit: a body that tries to change anything else is refused before the token is looked at. */
    async edit(p: OrgPrincipal, id: string, body: Record<string, unknown>): Promise<TokenRow> {
      const extra = Object.keys(body).filter((k) => k !== 'name');
      if (extra.some((k) => IMMUTABLE_FIELDS.has(k))) throw new BusinessRule('TokenPermissionsAreImmutable');
      // fieldCode: an odd field name must not come back as an error code (found by test/reliability/bad-input.test.ts).
      if (extra.length) throw new BadRequest(...new Set(extra.map((k) => fieldCode(k, 'unknown'))));
      if (typeof body.name !== 'string') throw new BadRequest('name_is_required');
      return this.rename(p, id, body.name);
    },

    async rename(p: OrgPrincipal, id: string, newName: string): Promise<TokenRow> {
      const t = await manageable(p, id, 'rename');
      const name = tokenName(newName);
      if (name === t.name) return t;
      if (await isNameUsed(kysely, p.org.id, name, t.id)) throw new BusinessRule('NameHasBeenUsed');
      return change(p, t, 'RenameAccessToken', { name, name_lower: name.toLowerCase() });
    },

    async activate(p: OrgPrincipal, id: string): Promise<TokenRow> {
      // An orphaned personal token stays dead, even if its owner rejoins (as a new member): say so to anyone who manages personal tokens.
      const orphan = await get(p, id);
      if (orphan.inactive_reason === 'OwnerRemoved' && permits(p.permission, 'ManagePersonalAccessTokens', rn.accessToken(id))) throw new BusinessRule('TokenOwnerNotMember');
      const t = await manageable(p, id, 'activate');
      if (t.type === 'Personal' && t.creator_member_id && !(await loadMemberAccess(kysely, { memberId: t.creator_member_id }))) throw new BusinessRule('TokenOwnerNotMember');
      if (t.status === 'Active') return t;
      if (!mayActivateNow(t)) throw new BusinessRule('TokenLeakedResetFirst');
      return change(p, t, 'ActivateAccessToken', { status: 'Active', inactive_reason: null });
    },

    async deactivate(p: OrgPrincipal, id: string): Promise<TokenRow> {
      const t = await manageable(p, id, 'deactivate');
      if (t.status === 'Inactive') return t;
      return change(p, t, 'DeactivateAccessToken', { status: 'Inactive', inactive_reason: 'Deactivated' });
    },

    async toggle(p: OrgPrincipal, id: string): Promise<TokenRow> {
      const t = await get(p, id);
      return t.status === 'Active' ? this.deactivate(p, id) : this.activate(p, id);
    },

    async reset(p: OrgPrincipal, id: string, graceSeconds: number): Promise<WithSecret> {
      const t = await manageable(p, id, 'reset');
      const now = clock.now();
      const secret = generateCredential(t.type);
      // The old secret keeps working for the grace period, then stops; with no grace it stops now. A leaked secret gets no
      // grace (it is public), and the reset is what clears the Leaked mark: the token may then be activated again.
      const leaked = !mayActivateNow(t);
      const grace = leaked ? 0 : graceSeconds;
      const set = {
        digest: digester.digest(secret),
        hint: credentialHint(secret),
        prev_digest: grace > 0 ? t.digest : null,
        prev_digest_until: grace > 0 ? now + grace * 1000 : null,
        ...(leaked ? { inactive_reason: 'Deactivated' as const } : {}),
      };
      const row = await change(p, t, 'ResetAccessToken', set);
      return { row, secret };
    },

    async remove(p: OrgPrincipal, id: string): Promise<void> {
      const t = await manageable(p, id, 'remove');
      await kysely.transaction().execute(async (trx) => {
        await deleteToken(trx, p.org.id, t.id);
        await audit(trx, p, 'RemoveAccessToken', t, t, null);
      });
      await deps.invalidate({ kind: 'token', tokenId: t.id });
    },
  };
}

export type AccessTokenService = ReturnType<typeof createAccessTokenService>;

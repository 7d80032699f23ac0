// Accounts: the first set-up, sign-in and sessions, password changes, and redeeming an invitation into an account.
import { generateCredential } from '../auth/credential-format.ts';
import { acceptInvitation, invitationDigest, openInvitation, InvalidInvitation } from '../iam/invitation-service.ts';
import type { AppContext } from '../platform/context.ts';
import { AppError, Conflict, Forbidden, TooManyRequests, Unauthorized, isUniqueViolation } from '../platform/errors.ts';
import { normalizeEmail } from '../platform/schemas.ts';
import { createOrganizationWithOwner, organizationsOfUser } from '../organizations/organization-store.ts';
import { anyUser, deleteSession, findUserByEmail, findUserById, insertSession, insertUser, lockUsers, setPassword } from './identity-store.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/** Redeeming with a name and password when the invitation's email already has an account: sign in and redeem with the session. */
export class AccountExists extends AppError {
  constructor() {
    super(409, ['AccountExists']);
  }
}

export type Redeemer = { kind: 'account'; name: string; password: string } | { kind: 'session'; userId: string; email: string };

export type IdentityServiceDeps = Pick<AppContext, 'kysely' | 'db' | 'clock' | 'ids' | 'digester' | 'audit' | 'invalidate' | 'config'>;

export function createIdentityService(deps: IdentityServiceDeps) {
  const { kysely, clock, ids } = deps;
  /** Sign-ins, current-password checks and invitation codes count in one throttle (in the database, so every instance shares it). */
  const throttle = createLoginThrottle(kysely);

  /** Counted before verifying: a guess past the limit is never verified, however many arrive at once. */
  async function attempt(key: string, address: string) {
    const wait = await throttle.attempt(key, address, clock.now());
    if (wait > 0) throw new TooManyRequests(wait, throttle.limits.perEmail);
  }

  return {
    throttle,

    /** A new session credential for the account; the only value that carries it. */
    async startSession(userId: string): Promise<{ session: string; expiresAt: number }> {
      const session = generateCredential('Session');
      const now = clock.now();
      const expiresAt = now + deps.config.sessionTtlSeconds * 1000;
      await insertSession(kysely, { id: ids.next(), digest: deps.digester.digest(session), user_id: userId, created_at: now, expires_at: expiresAt });
      return { session, expiresAt };
    },

    needsSetup: async () => !(await anyUser(kysely)),

    /** The first owner and organization, only while no user exists. */
    async setup(input: { organizationName: string; name: string; email: string; password: string }) {
      const passwordHash = await hashPassword(input.password);
      const now = clock.now();
      return kysely.transaction().execute(async (trx) => {
        // Serialize concurrent set-ups so exactly one can win.
        await lockUsers(trx, deps.db.dialect);
        if (await anyUser(trx)) throw new Conflict();
        const user = { id: ids.next(), email: normalizeEmail(input.email), name: input.name.trim() };
        await insertUser(trx, { ...user, password_hash: passwordHash, created_at: now });
        const created = await createOrganizationWithOwner(trx, ids, now, input.organizationName.trim(), user);
        return { userId: user.id, ...created };
      });
    },

    /** The account of a correct email and password; the throttle counts the attempt first. */
    async signIn(rawEmail: string, password: string, address: string): Promise<string> {
      const email = normalizeEmail(rawEmail);
      await attempt(email, address);
      const user = await findUserByEmail(kysely, email);
      const valid = await verifyPassword(user?.password_hash ?? null, password);
      if (!user || !valid) throw new Unauthorized();
      await throttle.succeeded(email, address);
      return user.id;
    },

    async signOut(sessionId: string, userId: string): Promise<void> {
      await deleteSession(kysely, sessionId);
      await deps.invalidate({ kind: 'session', userId });
    },

    /** The current password is checked (throttled like sign-in); every other session of the person ends at once. */
    async changePassword(who: { userId: string; email: string; sessionId: string }, currentPassword: string, newPassword: string, address: string): Promise<void> {
      // Counted before verifying, like a sign-in: a stolen session cannot guess the password faster than a stranger.
      await attempt(who.email, address);
      const user = await findUserById(kysely, who.userId);
      if (!user || !(await verifyPassword(user.password_hash, currentPassword))) throw new Forbidden('WrongCurrentPassword');
      await throttle.succeeded(who.email, address);
      const hash = await hashPassword(newPassword);
      await kysely.transaction().execute((trx) => setPassword(trx, who.userId, hash, who.sessionId));
      // Every instance drops the person's cached sessions; the current one is still stored, so it reloads.
      await deps.invalidate({ kind: 'session', userId: who.userId });
    },

    organizationsOf: (userId: string) => organizationsOfUser(kysely, userId),

    /** Counts a redeem attempt per address, before the code is looked at. */
    redeemAttempt: (address: string) => attempt(`#invitation@${address}`, address),
    redeemSucceeded: (address: string) => throttle.succeeded(`#invitation@${address}`, address),

    /**
     * Redeems a code: creates the account for the invitation's email, or binds the signed-in account whose email
     * is the invitation's. A refusal consumes nothing.
     */
    async redeemInvitation(code: string, who: Redeemer): Promise<{ memberId: string; organizationId: string; email: string; userId: string }> {
      const digest = invitationDigest(deps.digester, code);
      const now = clock.now();
      const found = await openInvitation(kysely, digest, now);
      // Hashing is slow: do it before the transaction, only for a code that was valid a moment ago.
      const passwordHash = who.kind === 'account' ? await hashPassword(who.password) : null;
      let userId: string;
      try {
        userId = await kysely.transaction().execute(async (trx) => {
          const inv = await openInvitation(trx, digest, now);
          let user: { id: string; name: string; email: string };
          if (who.kind === 'session') {
            // The invitation was addressed to an email: only the account holding that email may accept it.
            if (who.email !== inv.email) throw new Forbidden('InvitationEmailMismatch');
            const row = await findUserById(trx, who.userId);
            if (!row) throw new InvalidInvitation();
            user = { id: row.id, name: row.name, email: row.email };
          } else {
            if (await findUserByEmail(trx, inv.email)) throw new AccountExists();
            user = { id: ids.next(), name: who.name, email: inv.email };
            await insertUser(trx, { ...user, password_hash: passwordHash!, created_at: now });
          }
          await acceptInvitation(trx, deps.audit, inv, digest, user, who.kind === 'account');
          return user.id;
        });
      } catch (err) {
        // A concurrent redeem created the same account, or bound this user first.
        if (isUniqueViolation(err)) throw who.kind === 'account' ? new AccountExists() : new Conflict();
        throw err;
      }
      // The account's cached sessions list its organizations, and "not a member here" may be cached too.
      await deps.invalidate({ kind: 'session', userId });
      return { memberId: found.memberId, organizationId: found.orgId, email: found.email, userId };
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;

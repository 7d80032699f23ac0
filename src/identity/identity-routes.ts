// Setup, sign-in, sign-out, and who-am-I.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { SESSION_COOKIE, WEB_CLIENT_HEADER, WEB_CLIENT_VALUE } from '../auth/authenticate.ts';
import { generateCredential } from '../auth/credential-format.ts';
import { createOrganizationWithOwner, organizationsOfUser } from '../organizations/organization-store.ts';
import type { AppContext } from '../platform/context.ts';
import { principalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest, Conflict, Forbidden, TooManyRequests, Unauthorized } from '../platform/errors.ts';
import { Name, Type, responses } from '../platform/schemas.ts';
import { createLoginThrottle, type LoginThrottle } from './login-throttle.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Password = Type.String({ minLength: 8, maxLength: 256 });
export { Email, Password };

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** Sign-ins, current-password checks and invitation codes count in one throttle (in the database, so every instance shares it). */
export const loginThrottleOf = (ctx: Pick<AppContext, 'kysely'>): LoginThrottle => createLoginThrottle(ctx.kysely);

/** Starts a session; the web UI gets it as an HttpOnly cookie and never sees the credential. */
export async function startSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, userId: string) {
  const session = generateCredential('Session');
  const now = ctx.clock.now();
  const expiresAt = now + ctx.config.sessionTtlSeconds * 1000;
  await ctx.kysely.insertInto('sessions').values({ id: ctx.ids.next(), digest: ctx.digester.digest(session), user_id: userId, created_at: now, expires_at: expiresAt }).execute();
  if (request.headers[WEB_CLIENT_HEADER] === WEB_CLIENT_VALUE) {
    reply.setCookie(SESSION_COOKIE, session, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.config.secureCookies,
      expires: new Date(expiresAt),
    });
    return { session: null, expiresAt: new Date(expiresAt).toISOString() };
  }
  return { session, expiresAt: new Date(expiresAt).toISOString() };
}

/** Routes that work without a credential. */
export async function publicIdentityRoutes(app: FastifyInstance, ctx: AppContext) {
  const { kysely } = ctx;
  const throttle = loginThrottleOf(ctx);

  app.get('/setup', { schema: { tags: ['identity'], summary: 'Whether the first owner still has to be created', security: [], response: responses(Type.Object({ needsSetup: Type.Boolean() })) } }, async () => {
    const any = await kysely.selectFrom('users').select('id').limit(1).executeTakeFirst();
    return ok({ needsSetup: !any });
  });

  app.post(
    '/setup',
    {
      schema: {
        tags: ['identity'],
        summary: 'Create the first owner and organization (only while no user exists)',
        security: [],
        body: Type.Object({ organizationName: Name, name: Name, email: Email, password: Password }, { additionalProperties: false }),
        response: responses(Type.Object({ organizationId: Type.String(), memberId: Type.String(), session: Type.Union([Type.String(), Type.Null()]), expiresAt: Type.String() })),
      },
    },
    async (request, reply) => {
      const body = request.body as { organizationName: string; name: string; email: string; password: string };
      const passwordHash = await hashPassword(body.password);
      const now = ctx.clock.now();
      const created = await kysely.transaction().execute(async (trx) => {
        // Serialize concurrent set-ups so exactly one can win.
        if (ctx.db.dialect === 'postgres') await sql`lock table users in exclusive mode`.execute(trx);
        const any = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
        if (any) throw new Conflict();
        const userId = ctx.ids.next();
        await trx.insertInto('users').values({ id: userId, email: normalizeEmail(body.email), name: body.name.trim(), password_hash: passwordHash, created_at: now }).execute();
        const result = await createOrganizationWithOwner(trx, ctx.ids, now, body.organizationName.trim(), userId);
        return { userId, ...result };
      });
      const s = await startSession(ctx, request, reply, created.userId);
      return ok({ organizationId: created.org.id, memberId: created.memberId, ...s });
    },
  );

  app.post(
    '/identity/login-by-email',
    {
      schema: {
        tags: ['identity'],
        summary: 'Sign in; returns a session credential (or sets a cookie for the web UI)',
        security: [],
        body: Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 256 }) }, { additionalProperties: false }),
        response: responses(Type.Object({ session: Type.Union([Type.String(), Type.Null()]), expiresAt: Type.String() })),
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string };
      const email = normalizeEmail(body.email);
      const now = ctx.clock.now();
      // Counted before verifying: a guess past the limit is never verified, however many arrive at once.
      const wait = await throttle.attempt(email, request.ip, now);
      if (wait > 0) throw new TooManyRequests(wait, throttle.limits.perEmail);
      const user = await kysely.selectFrom('users').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst();
      const valid = await verifyPassword(user?.password_hash ?? null, body.password);
      if (!user || !valid) throw new Unauthorized();
      await throttle.succeeded(email, request.ip);
      return ok(await startSession(ctx, request, reply, user.id));
    },
  );
}

export async function identityRoutes(app: FastifyInstance, ctx: AppContext) {
  const { kysely } = ctx;
  const throttle = loginThrottleOf(ctx);

  app.post('/identity/logout', { schema: { tags: ['identity'], summary: 'End the current session', response: responses(Type.Boolean()) } }, async (request, reply) => {
    const p = principalOf(request);
    if (p.kind === 'token') throw new BadRequest('session_is_required');
    await kysely.deleteFrom('sessions').where('id', '=', p.sessionId).execute();
    await ctx.invalidate({ kind: 'session', userId: p.userId });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return ok(true);
  });

  app.withTypeProvider<TypeBoxTypeProvider>().put(
    '/user/password',
    {
      schema: {
        tags: ['identity'],
        summary: "Change one's own password (sessions only): the current one is checked (throttled like sign-in); every other session of the person ends at once, this one keeps working",
        body: Type.Object({ currentPassword: Type.String({ maxLength: 256 }), newPassword: Password }, { additionalProperties: false }),
        response: responses(Type.Boolean()),
      },
    },
    async (request) => {
      const p = principalOf(request);
      // A token acts for a person but is not them: it cannot take over their account.
      if (p.kind === 'token') throw new Forbidden();
      const { currentPassword, newPassword } = request.body;
      const now = ctx.clock.now();
      // Counted before verifying, like a sign-in: a stolen session cannot guess the password faster than a stranger.
      const wait = await throttle.attempt(p.email, request.ip, now);
      if (wait > 0) throw new TooManyRequests(wait, throttle.limits.perEmail);
      const user = await kysely.selectFrom('users').select(['password_hash']).where('id', '=', p.userId).executeTakeFirst();
      if (!user || !(await verifyPassword(user.password_hash, currentPassword))) throw new Forbidden('WrongCurrentPassword');
      await throttle.succeeded(p.email, request.ip);
      const hash = await hashPassword(newPassword);
      await kysely.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', p.userId).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', p.userId).where('id', '!=', p.sessionId).execute();
      });
      // Every instance drops the person's cached sessions; the current one is still stored, so it reloads.
      await ctx.invalidate({ kind: 'session', userId: p.userId });
      return ok(true);
    },
  );

  app.get(
    '/user/profile',
    {
      schema: {
        tags: ['identity'],
        summary: 'The caller: a member, or a service token',
        response: responses(
          Type.Union([
            Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), organizations: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })) }),
            Type.Object({ tokenId: Type.String(), name: Type.String(), type: Type.Literal('Service') }),
          ]),
        ),
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind === 'token' && p.tokenType === 'Service') return ok({ tokenId: p.tokenId, name: p.tokenName, type: 'Service' as const });
      const userId = p.userId!;
      const orgs = await organizationsOfUser(kysely, userId);
      // A personal token sees only its own organization.
      const visible = p.kind === 'token' ? orgs.filter((o) => o.id === p.org.id) : orgs;
      return ok({ id: userId, name: p.name!, email: p.email!, organizations: visible.map((o) => ({ id: o.id, name: o.name })) });
    },
  );

  app.get(
    '/user/permissions',
    {
      schema: {
        tags: ['identity'],
        summary: "The signed-in member's current statements in the chosen organization (for the UI)",
        response: responses(Type.Object({ memberId: Type.String(), orgKey: Type.String(), statements: Type.Array(Type.Any()) })),
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind === 'user') throw new BadRequest('organization_is_required');
      if (p.kind !== 'member') throw new Forbidden();
      return ok({ memberId: p.memberId, orgKey: p.org.key, statements: p.statements });
    },
  );
}

// Setup, sign-in, sign-out, who-am-I, and redeeming an invitation.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, WEB_CLIENT_HEADER, WEB_CLIENT_VALUE } from '../auth/authenticate.ts';
import type { AppContext } from '../platform/context.ts';
import { principalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { AppError, BadRequest, Forbidden } from '../platform/errors.ts';
import { Email, Name, Type, responses } from '../platform/schemas.ts';
import { Password } from './identity-schemas.ts';
import { createIdentityService, type IdentityService, type Redeemer } from './identity-service.ts';

const SessionAnswer = Type.Object({ session: Type.Union([Type.String(), Type.Null()]), expiresAt: Type.String() });

/** Starts a session; the web UI gets it as an HttpOnly cookie and never sees the credential. */
async function startSession(ctx: AppContext, identity: IdentityService, request: FastifyRequest, reply: FastifyReply, userId: string) {
  const { session, expiresAt } = await identity.startSession(userId);
  if (request.headers[WEB_CLIENT_HEADER] === WEB_CLIENT_VALUE) {
    reply.setCookie(SESSION_COOKIE, session, { path: '/', httpOnly: true, sameSite: 'strict', secure: ctx.config.secureCookies, expires: new Date(expiresAt) });
    return { session: null, expiresAt: new Date(expiresAt).toISOString() };
  }
  return { session, expiresAt: new Date(expiresAt).toISOString() };
}

/** Routes that work without a credential. */
export async function publicIdentityRoutes(server: FastifyInstance, ctx: AppContext) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const identity = createIdentityService(ctx);

  app.get(
    '/setup',
    { schema: { tags: ['identity'], summary: 'Whether the first owner still has to be created', security: [], response: responses(Type.Object({ needsSetup: Type.Boolean() })) } },
    async () => ok({ needsSetup: await identity.needsSetup() }),
  );

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
      const created = await identity.setup(request.body);
      const s = await startSession(ctx, identity, request, reply, created.userId);
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
        response: responses(SessionAnswer),
      },
    },
    async (request, reply) => {
      const userId = await identity.signIn(request.body.email, request.body.password, request.ip);
      return ok(await startSession(ctx, identity, request, reply, userId));
    },
  );

  /** Redeeming needs no credential: the code is the credential. Failed attempts are throttled per address, like sign-in. */
  app.post(
    '/invitations/redeem',
    {
      schema: {
        tags: ['identity'],
        summary:
          "Redeem an invitation code: with {code, name, password}, create the account for the invitation's email (409 AccountExists if there is one); with {code} alone and a session, bind the signed-in account (its email must be the invitation's)",
        security: [],
        body: Type.Object({ code: Type.String({ maxLength: 128 }), name: Type.Optional(Name), password: Type.Optional(Password) }, { additionalProperties: false }),
        response: responses(Type.Object({ memberId: Type.String(), organizationId: Type.String(), email: Type.String() })),
      },
    },
    async (request, reply) => {
      const { code, name, password } = request.body;
      // Counted before the code is looked at: at most the limit of guesses per address and window.
      await identity.redeemAttempt(request.ip);
      let who: Redeemer;
      if (name !== undefined || password !== undefined) {
        // The body decides the mode: creating an account ignores any credential the request carries.
        const errors = [...(name?.trim() ? [] : ['name_is_required']), ...(password === undefined ? ['password_is_required'] : [])];
        if (errors.length) throw new BadRequest(...errors);
        who = { kind: 'account', name: name!.trim(), password: password! };
      } else {
        const outcome = await ctx.auth.authenticate(request, reply);
        if (outcome instanceof AppError) throw outcome;
        // A token is not a person: only a signed-in account can accept an invitation for itself.
        if (outcome.kind === 'token') throw new Forbidden();
        who = { kind: 'session', userId: outcome.userId, email: outcome.email };
      }
      const r = await identity.redeemInvitation(code, who);
      await identity.redeemSucceeded(request.ip);
      return ok({ memberId: r.memberId, organizationId: r.organizationId, email: r.email });
    },
  );
}

export async function identityRoutes(server: FastifyInstance, ctx: AppContext) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const identity = createIdentityService(ctx);

  app.post('/identity/logout', { schema: { tags: ['identity'], summary: 'End the current session', response: responses(Type.Boolean()) } }, async (request, reply) => {
    const p = principalOf(request);
    if (p.kind === 'token') throw new BadRequest('session_is_required');
    await identity.signOut(p.sessionId, p.userId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return ok(true);
  });

  app.put(
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
      await identity.changePassword(p, request.body.currentPassword, request.body.newPassword, request.ip);
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
      const orgs = await identity.organizationsOf(userId);
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

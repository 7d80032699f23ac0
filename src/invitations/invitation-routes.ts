// Invitations: re-issue, list and revoke (CanManageIAM), and redeem (no credential needed). Adding a member
// (which creates the invitation) is POST /members, in iam/member-routes.ts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { orgPrincipalOf } from '../platform/context.ts';
import type { AppContext } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { AppError, BadRequest, Forbidden, TooManyRequests } from '../platform/errors.ts';
import { Id, Name, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { Password, loginThrottleOf } from '../identity/identity-routes.ts';
import { IssuedInvitation, PendingInvitation } from './invitation-view.ts';
import { pendingInvitations, redeemInvitation, reissueInvitation, revokeInvitation } from './invitation-service.ts';

export async function invitationRoutes(server: FastifyInstance, ctx: AppContext) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/members/:memberId/invitation',
    {
      schema: {
        tags: ['iam'],
        summary: 'Issue a new code for an Invited member; the earlier one stops working. The code is shown only in this answer [CanManageIAM, covering the member]',
        params: Type.Object({ memberId: Id }),
        response: responses(IssuedInvitation),
      },
    },
    async (request) => ok(await reissueInvitation(ctx, orgPrincipalOf(request), request.params.memberId)),
  );

  app.get(
    '/invitations',
    {
      schema: {
        tags: ['iam'],
        summary: 'Pending invitations (expired ones included, marked), newest first; never their codes [CanManageIAM]',
        querystring: Type.Object({ ...PageQuery }),
        response: responses(Paged(PendingInvitation)),
      },
    },
    async (request) => {
      const { pageIndex = 0, pageSize = 10 } = request.query;
      return ok(await pendingInvitations(ctx, orgPrincipalOf(request), pageIndex, pageSize));
    },
  );

  app.delete(
    '/invitations/:invitationId',
    {
      schema: {
        tags: ['iam'],
        summary: 'Revoke an invitation: its code stops working and the Invited member is removed [CanManageIAM, covering the member]',
        params: Type.Object({ invitationId: Id }),
        response: responses(Type.Boolean()),
      },
    },
    async (request) => {
      await revokeInvitation(ctx, orgPrincipalOf(request), request.params.invitationId);
      return ok(true);
    },
  );
}

/** Redeeming needs no credential: the code is the credential. Failed attempts are throttled per address, like sign-in. */
export async function publicInvitationRoutes(server: FastifyInstance, ctx: AppContext) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const throttle = loginThrottleOf(ctx);

  app.post(
    '/invitations/redeem',
    {
      schema: {
        tags: ['identity'],
        summary:
          'Redeem an invitation code: with {code, name, password}, create the account for the invitation\'s email (409 AccountExists if there is one); with {code} alone and a session, bind the signed-in account (its email must be the invitation\'s)',
        security: [],
        body: Type.Object({ code: Type.String({ maxLength: 128 }), name: Type.Optional(Name), password: Type.Optional(Password) }, { additionalProperties: false }),
        response: responses(Type.Object({ memberId: Type.String(), organizationId: Type.String(), email: Type.String() })),
      },
    },
    async (request, reply) => {
      const { code, name, password } = request.body;
      const key = `#invitation@${request.ip}`;
      const now = ctx.clock.now();
      // Counted before the code is looked at: at most the limit of guesses per address and window.
      const wait = await throttle.attempt(key, request.ip, now);
      if (wait > 0) throw new TooManyRequests(wait, throttle.limits.perEmail);
      let who: Parameters<typeof redeemInvitation>[2];
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
      const r = await redeemInvitation(ctx, code, who);
      await throttle.succeeded(key, request.ip);
      return ok({ memberId: r.memberId, organizationId: r.organizationId, email: r.email });
    },
  );
}

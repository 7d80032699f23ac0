// Invitations: re-issue, list and revoke (CanManageIAM). Adding a member (which creates the invitation) is POST
// /members (member-routes.ts); redeeming, which makes or binds an account, is identity's (identity-routes.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { orgPrincipalOf } from '../platform/context.ts';
import type { AppContext } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Id, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { IssuedInvitation, PendingInvitation } from './invitation-view.ts';
import { pendingInvitations, reissueInvitation, revokeInvitation } from './invitation-service.ts';

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

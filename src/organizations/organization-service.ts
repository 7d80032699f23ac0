// The caller's organizations: list and create (sessions), rename (UpdateOrgName).
import { actorOf, requirePermission, type OrgPrincipal, type Principal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, NotFound, retryOnUniqueViolation } from '../platform/errors.ts';
import { rn } from '../policy/rn.ts';
import { createOrganizationWithOwner, findOrganization, organizationsOfUser, renameOrganization, type OrganizationRow } from './organization-store.ts';

export type OrganizationServiceDeps = Pick<AppContext, 'kysely' | 'clock' | 'ids' | 'audit' | 'invalidate'>;

/** Organizations are chosen and created by a person: a token acts inside one organization only. */
function sessionOf(p: Principal) {
  if (p.kind === 'token') throw new BadRequest('session_is_required');
  return p;
}

export function createOrganizationService(deps: OrganizationServiceDeps) {
  const { kysely, clock, ids } = deps;
  return {
    list: (p: Principal): Promise<OrganizationRow[]> => organizationsOfUser(kysely, sessionOf(p).userId),

    /** A new organization; the caller becomes its Owner. */
    async create(principal: Principal, rawName: string): Promise<OrganizationRow> {
      const p = sessionOf(principal);
      const name = rawName.trim();
      if (!name) throw new BadRequest('name_is_required');
      const now = clock.now();
      // Two organizations of one name at once: the loser of the race for the key takes the next free one.
      const created = await retryOnUniqueViolation(() =>
        kysely.transaction().execute(async (trx) => {
          const c = await createOrganizationWithOwner(trx, ids, now, name, { id: p.userId, email: p.email, name: p.name });
          await deps.audit.record(trx, {
            orgId: c.org.id,
            actor: { kind: 'member', memberId: c.memberId, name: p.name, tokenId: null, tokenName: null },
            action: 'CreateOrganization',
            refType: 'organization',
            refId: c.org.id,
            refKey: c.org.key,
            rn: `organization/${c.org.key}`,
            after: { name: c.org.name },
          });
          return c;
        }),
      );
      await deps.invalidate({ kind: 'session', userId: p.userId });
      return created.org;
    },

    async rename(p: OrgPrincipal, orgId: string, rawName: string): Promise<OrganizationRow> {
      if (orgId !== p.org.id) throw new NotFound();
      requirePermission(p, 'UpdateOrgName', rn.organization(p.org.key));
      const name = rawName.trim();
      if (!name) throw new BadRequest('name_is_required');
      return kysely.transaction().execute(async (trx) => {
        const before = (await findOrganization(trx, orgId))!;
        await renameOrganization(trx, orgId, name);
        await deps.audit.record(trx, {
          orgId,
          actor: actorOf(p),
          action: 'UpdateOrgName',
          refType: 'organization',
          refId: orgId,
          refKey: before.key,
          rn: `organization/${before.key}`,
          before: { name: before.name },
          after: { name },
        });
        return { ...before, name };
      });
    },
  };
}

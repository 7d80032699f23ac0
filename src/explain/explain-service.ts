// "Why was this refused?": who may ask about whom, and the layers a request of that subject is checked against.
//
// The layers are built the way authentication builds a principal (auth/authenticate.ts, `tokenPrincipal`): a member's
// own statements; a service token's frozen statements; a personal token's owner's current statements, plus its own
// when it has any. Usability comes first, as there: an expired or inactive token, or a personal token whose owner
// left, is refused whatever its statements say.
import { loadMemberAccess, loadMemberPolicies, type MemberPolicy } from '../auth/member-access.ts';
import { isSelf, permits, requirePermission, type OrgPrincipal, type Principal } from '../auth/principal.ts';
import { findToken } from '../access-tokens/access-token-store.ts';
import type { Clock } from '../platform/clock.ts';
import { BadRequest, NotFound } from '../platform/errors.ts';
import type { DbHandle } from '../platform/db.ts';
import { actionType, validateStatements } from '../policy/actions.ts';
import { explain, type ExplainLayer, type ExplainPolicy, type Explanation } from '../policy/explain.ts';
import { parseRn, rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';

export const MAX_INLINE_POLICIES = 20;
const MAX_INLINE_STATEMENTS = 100;

export interface InlinePolicy {
  id?: string;
  name?: string;
  statements: unknown[];
}

/** Whose permissions to explain: a member, a token, policies given inline, or (none of them) the caller. */
export type Subject = { member: string } | { token: string } | { policies: InlinePolicy[] } | { self: true };

export interface ExplainDeps {
  kysely: DbHandle;
  clock: Clock;
}

const refused = (limitedBy: Explanation['limitedBy'], reason: string): Explanation => ({ allowed: false, reason, deciding: null, limitedBy });

const asPolicies = (policies: MemberPolicy[]): ExplainPolicy[] => policies.map((p) => ({ id: p.id, name: p.name, statements: p.statements }));

export function createExplainService({ kysely, clock }: ExplainDeps) {
  /** The caller may read this member's IAM: it is them (with all their rights), or they manage IAM. */
  const mayReadMember = (p: OrgPrincipal, memberId: string) => isSelf(p, memberId) || permits(p.permission, 'CanManageIAM', rn.iam(p.org.key));

  /** A member of the caller's organization who can act (Active), with their policies; null otherwise. */
  async function activeMemberPolicies(orgId: string, memberId: string): Promise<ExplainPolicy[] | null> {
    const access = await loadMemberAccess(kysely, { memberId });
    if (!access || access.orgId !== orgId) return null;
    return asPolicies(await loadMemberPolicies(kysely, memberId));
  }

  /** The layers a member's requests are checked against. */
  async function memberLayers(p: OrgPrincipal, memberId: string): Promise<ExplainLayer[]> {
    // Permission before existence: someone who may not ask learns nothing about which ids exist.
    if (!isSelf(p, memberId)) requirePermission(p, 'CanManageIAM', rn.iam(p.org.key));
    const policies = await activeMemberPolicies(p.org.id, memberId);
    if (!policies) throw new NotFound();
    return [{ role: 'member', policies }];
  }

  /** The layers a token's requests are checked against, or the refusal every request of an unusable token gets. */
  async function tokenLayers(p: OrgPrincipal, tokenId: string): Promise<ExplainLayer[] | Explanation> {
    const itself = p.kind === 'token' && p.tokenId === tokenId;
    if (!itself) requirePermission(p, 'ListAccessTokens', rn.accessToken(tokenId));
    const t = await findToken(kysely, p.org.id, tokenId);
    if (!t) throw new NotFound();
    const now = clock.now();
    if (t.expires_at !== null && now >= t.expires_at) return refused('token', `Refused: the token expired at ${new Date(t.expires_at).toISOString()}; every request with it is answered 401.`);
    if (t.status !== 'Active') return refused('token', `Refused: the token is inactive (${t.inactive_reason ?? 'Deactivated'}); only an active token works.`);
    const own: ExplainLayer = { role: 'token', policies: [{ id: null, name: null, statements: JSON.parse(t.permissions) as Statement[] }] };
    if (t.type === 'Service') return [own];
    const ownerPolicies = t.creator_member_id ? await activeMemberPolicies(p.org.id, t.creator_member_id) : null;
    if (!ownerPolicies) return refused('owner', "Refused: the token's owner is no longer a member of the organization, so the token is invalid.");
    // The owner's policies are IAM data: named only to those who may read that member's IAM.
    const owner: ExplainLayer = { role: 'owner', policies: ownerPolicies, hidden: !mayReadMember(p, t.creator_member_id!) };
    return own.policies[0].statements.length > 0 ? [owner, own] : [owner];
  }

  function inlineLayers(policies: InlinePolicy[]): ExplainLayer[] {
    const given = policies.map((policy): ExplainPolicy => {
      if (policy.statements.length > MAX_INLINE_STATEMENTS) throw new BadRequest('statements_is_too_long');
      const v = validateStatements(policy.statements);
      if (!v.ok) throw new BadRequest(...v.errors);
      return { id: policy.id ?? null, name: policy.name ?? null, statements: v.statements };
    });
    return [{ role: 'policies', policies: given }];
  }

  /** Who may ask: oneself and inline policies need nothing; another member needs CanManageIAM; a token ListAccessTokens on it. */
  async function layersOf(p: Principal, subject: Subject): Promise<ExplainLayer[] | Explanation> {
    if ('policies' in subject) return inlineLayers(subject.policies);
    if (p.kind === 'user') throw new BadRequest('organization_is_required');
    if ('member' in subject) return memberLayers(p, subject.member);
    if ('token' in subject) return tokenLayers(p, subject.token);
    return p.kind === 'token' ? tokenLayers(p, p.tokenId) : memberLayers(p, p.memberId);
  }

  return {
    layersOf,
    /** Whether `subject` may do `action` on `resource` (an RN's text), and why. */
    async explain(p: Principal, subject: Subject, action: string, resource: string): Promise<Explanation> {
      if (actionType(action) === undefined) throw new BadRequest('action_is_invalid');
      const name = parseRn(resource);
      if (name === null) throw new BadRequest('resource_is_invalid');
      const layers = await layersOf(p, subject);
      return Array.isArray(layers) ? explain(layers, action, name) : layers;
    },
  };
}

export type ExplainService = ReturnType<typeof createExplainService>;

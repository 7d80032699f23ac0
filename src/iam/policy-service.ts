// Policies, as FeatBit answers them (PolicyController): built-in ones are read-only; custom ones can be created,
// edited, cloned and deleted.
import { randomUUID } from 'node:crypto';
import type { OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, NotFound, isUniqueViolation } from '../platform/errors.ts';
import type { Statement } from '../policy/statement.ts';
import { policyGroupIds, groupPage } from './group-store.ts';
import { managedRow, parseStatements, recordIamChange, requireCovers, requireCoversMembers, requireIamManager } from './iam-rules.ts';
import { mapPage, type PageRequest, type Q, type RelationFilter } from './iam-store.ts';
import { memberPage, policyMemberIds } from './member-store.ts';
import { deletePolicy, findPolicy, findPolicyByKey, insertPolicies, isPolicyKeyUsed, listPolicies, policyHolders, updatePolicy, type PolicyRow } from './policy-store.ts';
import { policyVm } from './policy-view.ts';

export type PolicyServiceDeps = Pick<AppContext, 'kysely' | 'clock' | 'ids' | 'audit' | 'invalidate'>;

const KEY_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
const POLICY_TYPES = ['CustomerManaged', 'SysManaged'] as const;

// Blank name or key is `…_is_required` (FeatBit's validators).
function requiredName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new BadRequest('name_is_required');
  return name;
}

function requiredKey(raw: string): string {
  if (!raw.trim()) throw new BadRequest('key_is_required');
  if (!KEY_PATTERN.test(raw)) throw new BadRequest('key_is_invalid');
  return raw;
}

interface Naming {
  name: string;
  key: string;
  description?: string | null;
}

export function createPolicyService(deps: PolicyServiceDeps) {
  const { kysely, clock, ids } = deps;

  const audit = (trx: Q, p: OrgPrincipal, action: string, policy: { id: string; key: string }, before: Record<string, unknown> | null, after: Record<string, unknown> | null) =>
    recordIamChange(deps.audit, trx, p, action, policy, { before, after });

  /** The policy of the caller's organization, or 404; then the IAM check. */
  const policyOf = (p: OrgPrincipal, policyId: string): Promise<PolicyRow> => managedRow(p, findPolicy(kysely, p.org.id, policyId));

  async function editable(p: OrgPrincipal, policyId: string): Promise<PolicyRow> {
    const policy = await policyOf(p, policyId);
    if (policy.type === 'SysManaged') throw new BusinessRule('CannotModifySysManagedPolicy');
    return policy;
  }

  const reread = async (p: OrgPrincipal, policyId: string) => policyVm((await findPolicy(kysely, p.org.id, policyId))!);

  /** A taken key (any letter case, as FeatBit checks) is 422 KeyHasBeenUsed, and so is losing a race for it. */
  async function create(p: OrgPrincipal, fields: { key: string; name: string; description: string; statements: Statement[] }, action: string) {
    if (await isPolicyKeyUsed(kysely, p.org.id, fields.key)) throw new BusinessRule('KeyHasBeenUsed');
    const now = clock.now();
    const row = {
      id: ids.next(),
      org_id: p.org.id,
      key: fields.key,
      name: fields.name,
      description: fields.description,
      type: 'CustomerManaged' as const,
      statements: JSON.stringify(fields.statements),
      created_at: now,
      updated_at: now,
    };
    try {
      await kysely.transaction().execute(async (trx) => {
        await insertPolicies(trx, [row]);
        await audit(trx, p, action, row, null, { key: row.key, name: row.name, description: row.description, statements: fields.statements });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new BusinessRule('KeyHasBeenUsed');
      throw err;
    }
    return reread(p, row.id);
  }

  /** Cloning hands out the source's statements: the caller must cover them, like any policy creation. */
  async function clone(p: OrgPrincipal, source: PolicyRow, body: Naming, description: string) {
    const fields = { name: requiredName(body.name), key: requiredKey(body.key), description, statements: source.statements };
    requireCovers(p, source.statements);
    return create(p, fields, 'ClonePolicy');
  }

  return {
    async list(p: OrgPrincipal, name: string | undefined, page: PageRequest) {
      requireIamManager(p);
      return mapPage(await listPolicies(kysely, p.org.id, name?.trim() || undefined, page), policyVm);
    },

    async isKeyUsed(p: OrgPrincipal, key: string) {
      requireIamManager(p);
      return isPolicyKeyUsed(kysely, p.org.id, key);
    },

    async create(p: OrgPrincipal, body: Naming & { statements?: unknown[] }) {
      requireIamManager(p);
      const fields = { name: requiredName(body.name), key: requiredKey(body.key), description: body.description ?? '' };
      const statements = parseStatements(body.statements ?? [], randomUUID);
      requireCovers(p, statements);
      return create(p, { ...fields, statements }, 'CreatePolicy');
    },

    /** FeatBit's clone/{key}: the origin named by key and type. */
    async cloneByKey(p: OrgPrincipal, originKey: string, body: Naming & { originPolicyType: string }) {
      requireIamManager(p);
      const type = POLICY_TYPES.find((t) => t === body.originPolicyType);
      if (!body.originPolicyType.trim()) throw new BadRequest('originPolicyType_is_required');
      if (!type) throw new BadRequest('originPolicyType_is_invalid');
      requiredName(body.name);
      if (await isPolicyKeyUsed(kysely, p.org.id, requiredKey(body.key))) throw new BusinessRule('KeyHasBeenUsed');
      const source = await findPolicyByKey(kysely, p.org.id, originKey, type);
      if (!source) throw new NotFound();
      return clone(p, source, body, body.description ?? '');
    },

    /** Clone by id; the description defaults to the source's. */
    async cloneById(p: OrgPrincipal, policyId: string, body: Naming) {
      const source = await policyOf(p, policyId);
      return clone(p, source, body, body.description ?? source.description);
    },

    get: async (p: OrgPrincipal, policyId: string) => policyVm(await policyOf(p, policyId)),

    async updateSettings(p: OrgPrincipal, policyId: string, body: { name: string; description?: string | null }) {
      const policy = await editable(p, policyId);
      const next = { name: requiredName(body.name), description: body.description ?? policy.description };
      await kysely.transaction().execute(async (trx) => {
        await updatePolicy(trx, policy.id, { ...next, updated_at: clock.now() });
        await audit(trx, p, 'UpdatePolicySettings', policy, { name: policy.name, description: policy.description }, next);
      });
      return reread(p, policy.id);
    },

    async updateStatements(p: OrgPrincipal, policyId: string, input: unknown[]) {
      const policy = await editable(p, policyId);
      const statements = parseStatements(input, randomUUID);
      // Replacing statements takes the old ones away too: the caller must cover both.
      requireCovers(p, statements);
      requireCovers(p, policy.statements);
      await kysely.transaction().execute(async (trx) => {
        const holders = await policyHolders(trx, policy.id);
        await requireCoversMembers(p, trx, holders);
        await updatePolicy(trx, policy.id, { statements: JSON.stringify(statements), updated_at: clock.now() });
        await requireCoversMembers(p, trx, holders);
        await audit(trx, p, 'UpdatePolicyStatements', policy, { statements: policy.statements }, { statements });
      });
      await deps.invalidate({ kind: 'org', orgId: p.org.id });
      return reread(p, policy.id);
    },

    async remove(p: OrgPrincipal, policyId: string): Promise<void> {
      const policy = await editable(p, policyId);
      requireCovers(p, policy.statements);
      await kysely.transaction().execute(async (trx) => {
        const holders = await policyHolders(trx, policy.id);
        await requireCoversMembers(p, trx, holders);
        await deletePolicy(trx, policy.id);
        await requireCoversMembers(p, trx, holders);
        await audit(trx, p, 'DeletePolicy', policy, { key: policy.key, name: policy.name }, null);
      });
      await deps.invalidate({ kind: 'org', orgId: p.org.id });
    },

    async members(p: OrgPrincipal, policyId: string, f: RelationFilter) {
      const policy = await policyOf(p, policyId);
      return mapPage(await memberPage(kysely, p.org.id, policyMemberIds(kysely, policy.id), f), ({ linked, ...m }) => ({ ...m, isPolicyMember: linked }));
    },

    async groups(p: OrgPrincipal, policyId: string, f: RelationFilter) {
      const policy = await policyOf(p, policyId);
      return mapPage(await groupPage(kysely, p.org.id, policyGroupIds(kysely, policy.id), f), ({ linked, ...g }) => ({ ...g, isPolicyGroup: linked }));
    },
  };
}

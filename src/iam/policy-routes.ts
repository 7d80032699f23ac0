// Policies, as FeatBit answers them (PolicyController): built-in ones are read-only; custom ones can be created,
// edited, cloned and deleted.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf, type OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest, BusinessRule, NotFound, isUniqueViolation } from '../platform/errors.ts';
import { Description, Id, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { findPolicy, findPolicyByKey, isPolicyKeyUsed, listPolicies, policyGroupPage, policyMemberPage, type PolicyRow, type Q } from './iam-store.ts';
import { MAX_STATEMENTS, parseStatements, policyHolders, requireCovers, requireCoversMembers, requireIamManager } from './iam-service.ts';
import type { Statement } from '../policy/statement.ts';

export const StatementSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 64 })),
    resourceType: Type.String({ maxLength: 32 }),
    effect: Type.String({ maxLength: 8 }),
    actions: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }),
    resources: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 }),
  },
  { additionalProperties: false },
);
const Statements = Type.Array(StatementSchema, { maxItems: MAX_STATEMENTS });

/** FeatBit's PolicyVm. */
const PolicyVm = Type.Object({
  id: Type.String(),
  name: Type.String(),
  key: Type.String(),
  type: Type.String(),
  description: Type.String(),
  statements: Type.Array(StatementSchema),
  updatedAt: Type.String(),
});
const PolicyMemberVm = Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), isPolicyMember: Type.Boolean() });
const PolicyGroupVm = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), isPolicyGroup: Type.Boolean() });

const policyVm = (p: PolicyRow) => ({ id: p.id, name: p.name, key: p.key, type: p.type, description: p.description, statements: p.statements, updatedAt: new Date(p.updatedAt).toISOString() });

const KEY_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
// Blank name or key is `…_is_required` (FeatBit's validators); FeatBit sends `description: null` when there is none.
const NameField = Type.String({ maxLength: 128 });
const KeyField = Type.String({ maxLength: 128 });
const DescriptionField = Type.Optional(Type.Union([Description, Type.Null()]));
const POLICY_TYPES = ['CustomerManaged', 'SysManaged'] as const;

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

export async function policyRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const { kysely } = ctx;
  const tags = ['iam'];
  const PolicyParams = Type.Object({ policyId: Id });

  const audit = (trx: Q, p: OrgPrincipal, action: string, policy: { id: string; key: string }, before: Record<string, unknown> | null, after: Record<string, unknown> | null) =>
    ctx.audit.record(trx, { orgId: p.org.id, actor: actorOf(p), action, refType: 'iam', refId: policy.id, refKey: policy.key, rn: `iam/${p.org.key}`, before, after });

  /** The policy of the caller's organization, or 404; then the IAM check. */
  async function policyOf(p: OrgPrincipal, policyId: string): Promise<PolicyRow> {
    const policy = await findPolicy(kysely, p.org.id, policyId);
    if (!policy) throw new NotFound();
    requireIamManager(p);
    return policy;
  }

  async function editable(p: OrgPrincipal, policyId: string): Promise<PolicyRow> {
    const policy = await policyOf(p, policyId);
    if (policy.type === 'SysManaged') throw new BusinessRule('CannotModifySysManagedPolicy');
    return policy;
  }

  /** A taken key (any letter case, as FeatBit checks) is 422 KeyHasBeenUsed, and so is losing a race for it. */
  async function create(p: OrgPrincipal, fields: { key: string; name: string; description: string; statements: Statement[] }, action: string) {
    if (await isPolicyKeyUsed(kysely, p.org.id, fields.key)) throw new BusinessRule('KeyHasBeenUsed');
    const now = ctx.clock.now();
    const row = { id: ctx.ids.next(), org_id: p.org.id, key: fields.key, name: fields.name, description: fields.description, type: 'CustomerManaged' as const, statements: JSON.stringify(fields.statements), created_at: now, updated_at: now };
    try {
      await kysely.transaction().execute(async (trx) => {
        await trx.insertInto('policies').values(row).execute();
        await audit(trx, p, action, row, null, { key: row.key, name: row.name, description: row.description, statements: fields.statements });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new BusinessRule('KeyHasBeenUsed');
      throw err;
    }
    return ok(policyVm((await findPolicy(kysely, p.org.id, row.id))!));
  }

  /** Cloning hands out the source's statements: the caller must cover them, like any policy creation. */
  async function clone(p: OrgPrincipal, source: PolicyRow, body: { name: string; key: string; description?: string | null }, description: string) {
    const fields = { name: requiredName(body.name), key: requiredKey(body.key), description, statements: source.statements };
    requireCovers(p, source.statements);
    return create(p, fields, 'ClonePolicy');
  }

  app.get(
    '/policies',
    { schema: { tags, summary: 'List policies, newest first; name matches part of the name [CanManageIAM]', querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }), response: responses(Paged(PolicyVm)) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const { name, pageIndex = 0, pageSize = 10 } = request.query;
      const page = await listPolicies(kysely, p.org.id, name?.trim() || undefined, pageIndex, pageSize);
      return ok({ totalCount: page.totalCount, items: page.items.map(policyVm) });
    },
  );

  app.get(
    '/policies/is-key-used',
    { schema: { tags, summary: 'Whether a policy key is taken in this organization (case-insensitive) [CanManageIAM]', querystring: Type.Object({ key: Type.String({ maxLength: 256 }) }), response: responses(Type.Boolean()) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      return ok(await isPolicyKeyUsed(kysely, p.org.id, request.query.key));
    },
  );

  app.post(
    '/policies',
    {
      schema: {
        tags,
        summary: 'Create a custom policy → PolicyVm; a taken key is 422 KeyHasBeenUsed [CanManageIAM, covering its statements]',
        body: Type.Object({ name: NameField, key: KeyField, description: DescriptionField, statements: Type.Optional(Statements) }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const body = request.body;
      const fields = { name: requiredName(body.name), key: requiredKey(body.key), description: body.description ?? '' };
      const statements = parseStatements(body.statements ?? []);
      requireCovers(p, statements);
      return create(p, { ...fields, statements }, 'CreatePolicy');
    },
  );

  app.post(
    '/policies/clone/:key',
    {
      schema: {
        tags,
        summary: 'Copy the policy with this key (of originPolicyType) into a new custom policy → PolicyVm [CanManageIAM, covering its statements]',
        params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: Type.Object({ originPolicyType: Type.String({ maxLength: 32 }), name: NameField, key: KeyField, description: DescriptionField }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const body = request.body;
      const type = POLICY_TYPES.find((t) => t === body.originPolicyType);
      if (!body.originPolicyType.trim()) throw new BadRequest('originPolicyType_is_required');
      if (!type) throw new BadRequest('originPolicyType_is_invalid');
      requiredName(body.name);
      if (await isPolicyKeyUsed(kysely, p.org.id, requiredKey(body.key))) throw new BusinessRule('KeyHasBeenUsed');
      const source = await findPolicyByKey(kysely, p.org.id, request.params.key, type);
      if (!source) throw new NotFound();
      return clone(p, source, body, body.description ?? '');
    },
  );

  app.get('/policies/:policyId', { schema: { tags, summary: 'A policy → PolicyVm [CanManageIAM]', params: PolicyParams, response: responses(PolicyVm) } }, async (request) => {
    return ok(policyVm(await policyOf(orgPrincipalOf(request), request.params.policyId)));
  });

  app.post(
    '/policies/:policyId/clone',
    {
      schema: {
        tags,
        summary: "Copy a policy (built-in ones too) by id into a new custom policy; the description defaults to the source's [CanManageIAM, covering its statements]",
        params: PolicyParams,
        body: Type.Object({ name: NameField, key: KeyField, description: DescriptionField }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const source = await policyOf(p, request.params.policyId);
      return clone(p, source, request.body, request.body.description ?? source.description);
    },
  );

  app.put(
    '/policies/:policyId/settings',
    {
      schema: {
        tags,
        summary: 'Rename or describe a custom policy → PolicyVm [CanManageIAM]',
        params: PolicyParams,
        body: Type.Object({ name: NameField, description: DescriptionField }, { additionalProperties: false }),
        response: responses(PolicyVm),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const policy = await editable(p, request.params.policyId);
      const next = { name: requiredName(request.body.name), description: request.body.description ?? policy.description };
      await kysely.transaction().execute(async (trx) => {
        await trx.updateTable('policies').set({ ...next, updated_at: ctx.clock.now() }).where('id', '=', policy.id).execute();
        await audit(trx, p, 'UpdatePolicySettings', policy, { name: policy.name, description: policy.description }, next);
      });
      return ok(policyVm((await findPolicy(kysely, p.org.id, policy.id))!));
    },
  );

  app.put(
    '/policies/:policyId/statements',
    {
      schema: {
        tags,
        summary: "Replace a custom policy's statements → PolicyVm [CanManageIAM, covering the old and the new statements]",
        params: PolicyParams,
        body: Statements,
        response: responses(PolicyVm),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const policy = await editable(p, request.params.policyId);
      const statements = parseStatements(request.body);
      // Replacing statements takes the old ones away too: the caller must cover both.
      requireCovers(p, statements);
      requireCovers(p, policy.statements);
      await kysely.transaction().execute(async (trx) => {
        const holders = await policyHolders(trx, policy.id);
        await requireCoversMembers(p, trx, holders);
        await trx.updateTable('policies').set({ statements: JSON.stringify(statements), updated_at: ctx.clock.now() }).where('id', '=', policy.id).execute();
        await requireCoversMembers(p, trx, holders);
        await audit(trx, p, 'UpdatePolicyStatements', policy, { statements: policy.statements }, { statements });
      });
      await ctx.invalidate({ kind: 'org', orgId: p.org.id });
      return ok(policyVm((await findPolicy(kysely, p.org.id, policy.id))!));
    },
  );

  app.delete('/policies/:policyId', { schema: { tags, summary: 'Delete a custom policy (detached from everyone) → true [CanManageIAM, covering it]', params: PolicyParams, response: responses(Type.Boolean()) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const policy = await editable(p, request.params.policyId);
    requireCovers(p, policy.statements);
    await kysely.transaction().execute(async (trx) => {
      const holders = await policyHolders(trx, policy.id);
      await requireCoversMembers(p, trx, holders);
      await trx.deleteFrom('member_policies').where('policy_id', '=', policy.id).execute();
      await trx.deleteFrom('group_policies').where('policy_id', '=', policy.id).execute();
      await trx.deleteFrom('policies').where('id', '=', policy.id).execute();
      await requireCoversMembers(p, trx, holders);
      await audit(trx, p, 'DeletePolicy', policy, { key: policy.key, name: policy.name }, null);
    });
    await ctx.invalidate({ kind: 'org', orgId: p.org.id });
    return ok(true);
  });

  app.get(
    '/policies/:policyId/members',
    {
      schema: {
        tags,
        summary: 'Members holding the policy directly, newest first; getAllMembers=true lists every member, isPolicyMember marking them; searchText matches part of the email [CanManageIAM]',
        params: PolicyParams,
        querystring: Type.Object({ searchText: Type.Optional(Type.String({ maxLength: 256 })), getAllMembers: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(PolicyMemberVm)),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const policy = await policyOf(p, request.params.policyId);
      const q = request.query;
      const page = await policyMemberPage(kysely, p.org.id, policy.id, { text: q.searchText?.trim() || undefined, all: q.getAllMembers ?? false, pageIndex: q.pageIndex ?? 0, pageSize: q.pageSize ?? 10 });
      return ok({ totalCount: page.totalCount, items: page.items.map(({ linked, ...m }) => ({ ...m, isPolicyMember: linked })) });
    },
  );

  app.get(
    '/policies/:policyId/groups',
    {
      schema: {
        tags,
        summary: 'Groups holding the policy, newest first; getAllGroups=true lists every group, isPolicyGroup marking them; name matches part of the name [CanManageIAM]',
        params: PolicyParams,
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), getAllGroups: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(PolicyGroupVm)),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const policy = await policyOf(p, request.params.policyId);
      const q = request.query;
      const page = await policyGroupPage(kysely, p.org.id, policy.id, { text: q.name?.trim() || undefined, all: q.getAllGroups ?? false, pageIndex: q.pageIndex ?? 0, pageSize: q.pageSize ?? 10 });
      return ok({ totalCount: page.totalCount, items: page.items.map(({ linked, ...g }) => ({ ...g, isPolicyGroup: linked })) });
    },
  );
}

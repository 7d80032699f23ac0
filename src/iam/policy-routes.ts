// Policies: built-in ones are read-only; custom ones can be created, edited, cloned and deleted.
import type { FastifyInstance } from 'fastify';
import { actorOf, type OrgPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest, BusinessRule, Conflict, NotFound, isUniqueViolation } from '../platform/errors.ts';
import { Description, Id, Key, Name, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { findPolicy, listPolicies, type PolicyRow, type Q } from './iam-store.ts';
import { MAX_STATEMENTS, parseStatements, policyHolders, requireCovers, requireCoversMembers, requireIamManager } from './iam-service.ts';
import type { Statement } from './statement.ts';

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

const Policy = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  type: Type.String(),
  statements: Type.Array(StatementSchema),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const view = (p: PolicyRow) => ({ ...p, createdAt: new Date(p.createdAt).toISOString(), updatedAt: new Date(p.updatedAt).toISOString() });

export async function policyRoutes(app: FastifyInstance, ctx: AppContext) {
  const { kysely } = ctx;
  const PolicyParams = Type.Object({ policyId: Id });

  const audit = (trx: Q, p: OrgPrincipal, action: string, policy: { id: string; key: string }, before: Record<string, unknown> | null, after: Record<string, unknown> | null) =>
    ctx.audit.record(trx, { orgId: p.org.id, actor: actorOf(p), action, refType: 'iam', refId: policy.id, refKey: policy.key, rn: `iam/${p.org.key}`, before, after });

  async function editable(p: OrgPrincipal, policyId: string): Promise<PolicyRow> {
    const policy = await findPolicy(kysely, p.org.id, policyId);
    if (!policy) throw new NotFound();
    requireIamManager(p);
    if (policy.type === 'SysManaged') throw new BusinessRule('CannotModifySysManagedPolicy');
    return policy;
  }

  async function create(p: OrgPrincipal, fields: { key: string; name: string; description: string; statements: Statement[] }, action: string) {
    const now = ctx.clock.now();
    const row = { id: ctx.ids.next(), org_id: p.org.id, key: fields.key, name: fields.name, description: fields.description, type: 'CustomerManaged' as const, statements: JSON.stringify(fields.statements), created_at: now, updated_at: now };
    try {
      await kysely.transaction().execute(async (trx) => {
        await trx.insertInto('policies').values(row).execute();
        await audit(trx, p, action, row, null, { key: row.key, name: row.name, description: row.description, statements: fields.statements });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict();
      throw err;
    }
    return ok(view((await findPolicy(kysely, p.org.id, row.id))!));
  }

  app.get(
    '/policies',
    { schema: { tags: ['iam'], summary: 'List policies [CanManageIAM]', querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }), response: responses(Paged(Policy)) } },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const { name, pageIndex = 0, pageSize = 10 } = request.query as { name?: string; pageIndex?: number; pageSize?: number };
      const page = await listPolicies(kysely, p.org.id, name?.trim() || undefined, pageIndex, pageSize);
      return ok({ totalCount: page.totalCount, items: page.items.map(view) });
    },
  );

  app.post(
    '/policies',
    {
      schema: {
        tags: ['iam'],
        summary: 'Create a custom policy [CanManageIAM, covering its statements]',
        body: Type.Object({ name: Name, key: Key, description: Type.Optional(Description), statements: Type.Optional(Statements) }, { additionalProperties: false }),
        response: responses(Policy),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      requireIamManager(p);
      const body = request.body as { name: string; key: string; description?: string; statements?: unknown[] };
      const statements = parseStatements(body.statements ?? []);
      requireCovers(p, statements);
      const name = body.name.trim();
      if (!name) throw new BadRequest('name_is_required');
      return create(p, { key: body.key, name, description: body.description ?? '', statements }, 'CreatePolicy');
    },
  );

  app.get('/policies/:policyId', { schema: { tags: ['iam'], summary: 'A policy [CanManageIAM]', params: PolicyParams, response: responses(Policy) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const policy = await findPolicy(kysely, p.org.id, (request.params as { policyId: string }).policyId);
    if (!policy) throw new NotFound();
    requireIamManager(p);
    return ok(view(policy));
  });

  app.post(
    '/policies/:policyId/clone',
    {
      schema: {
        tags: ['iam'],
        summary: 'Copy a policy (built-in ones too) into a new custom policy [CanManageIAM, covering its statements]',
        params: PolicyParams,
        body: Type.Object({ name: Name, key: Key, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: responses(Policy),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const source = await findPolicy(kysely, p.org.id, (request.params as { policyId: string }).policyId);
      if (!source) throw new NotFound();
      requireIamManager(p);
      requireCovers(p, source.statements);
      const body = request.body as { name: string; key: string; description?: string };
      const name = body.name.trim();
      if (!name) throw new BadRequest('name_is_required');
      return create(p, { key: body.key, name, description: body.description ?? source.description, statements: source.statements }, 'ClonePolicy');
    },
  );

  app.put(
    '/policies/:policyId/settings',
    {
      schema: {
        tags: ['iam'],
        summary: 'Rename or describe a custom policy [CanManageIAM]',
        params: PolicyParams,
        body: Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: responses(Policy),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const policy = await editable(p, (request.params as { policyId: string }).policyId);
      const body = request.body as { name: string; description?: string };
      const next = { name: body.name.trim(), description: body.description ?? policy.description };
      if (!next.name) throw new BadRequest('name_is_required');
      await kysely.transaction().execute(async (trx) => {
        await trx.updateTable('policies').set({ ...next, updated_at: ctx.clock.now() }).where('id', '=', policy.id).execute();
        await audit(trx, p, 'UpdatePolicySettings', policy, { name: policy.name, description: policy.description }, next);
      });
      return ok(view((await findPolicy(kysely, p.org.id, policy.id))!));
    },
  );

  app.put(
    '/policies/:policyId/statements',
    {
      schema: {
        tags: ['iam'],
        summary: "Replace a custom policy's statements [CanManageIAM, covering the new statements]",
        params: PolicyParams,
        body: Statements,
        response: responses(Policy),
      },
    },
    async (request) => {
      const p = orgPrincipalOf(request);
      const policy = await editable(p, (request.params as { policyId: string }).policyId);
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
      return ok(view((await findPolicy(kysely, p.org.id, policy.id))!));
    },
  );

  app.delete('/policies/:policyId', { schema: { tags: ['iam'], summary: 'Delete a custom policy (detached from everyone) [CanManageIAM]', params: PolicyParams, response: responses(Type.Boolean()) } }, async (request) => {
    const p = orgPrincipalOf(request);
    const policy = await editable(p, (request.params as { policyId: string }).policyId);
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
}

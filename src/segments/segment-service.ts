// Rules for segments, in the same order as flags: 404 (environment and segment in the caller's
// organization), 403 (the action on the segment's RN with its stored tags), then the segment's own
// rules, then write and audit in one transaction.
import type { Transaction } from 'kysely';
import { actorOf, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { formatRn, rn, type Rn } from '../iam/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, Conflict, NotFound, isUniqueViolation } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import { envRn, findEnvironmentRef, type EnvironmentRef } from '../projects/environment-read-model.ts';
import { normalizeTags } from '../projects/tags.ts';
import { segmentStore, type SegmentFilter, type SegmentRow } from './segment-store.ts';

export type SegmentDeps = Pick<AppContext, 'kysely' | 'db' | 'clock' | 'ids' | 'audit'>;

/** A segment as the API shows it: the stored segment, with its times as ISO strings. */
export type SegmentView = Omit<SegmentRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

export interface CreateSegmentInput {
  key: string;
  name: string;
  description?: string;
  included?: string[];
  excluded?: string[];
  tags?: string[];
}

export const segmentView = (s: SegmentRow): SegmentView => ({ ...s, createdAt: new Date(s.createdAt).toISOString(), updatedAt: new Date(s.updatedAt).toISOString() });

// Spelled out, so the order is fixed (an unchanged segment is detected by comparing JSON).
const snapshot = (s: SegmentRow) => ({
  key: s.key,
  name: s.name,
  description: s.description,
  included: s.included,
  excluded: s.excluded,
  tags: s.tags,
  isArchived: s.isArchived,
});

const segmentRn = (env: EnvironmentRef, key: string, tags: readonly string[]): Rn => rn.segment(env.projectKey, env.key, key, tags);

function requiredText(value: string, field: string): string {
  const v = value.trim();
  if (!v) throw new BadRequest(`${field}_is_required`);
  return v;
}

/** Users listed once each; a user cannot be both included and excluded. */
function targeting(included: readonly string[], excluded: readonly string[]) {
  const inc = [...new Set(included)];
  const exc = [...new Set(excluded)];
  const set = new Set(inc);
  if (exc.some((u) => set.has(u))) throw new BadRequest('excluded_is_invalid');
  return { included: inc, excluded: exc };
}

export function segmentService(deps: SegmentDeps) {
  const { kysely, clock, ids, audit } = deps;
  const dialect = deps.db.dialect;
  const inTransaction = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => kysely.transaction().execute(fn);

  async function environment(db: Transaction<Database> | typeof kysely, p: OrgPrincipal, envId: string, lock = false): Promise<EnvironmentRef> {
    const env = await findEnvironmentRef(db, dialect, p.org.id, envId, lock);
    if (!env) throw new NotFound();
    return env;
  }

  async function record(trx: Transaction<Database>, p: OrgPrincipal, action: string, env: EnvironmentRef, segment: SegmentRow, before: SegmentRow | null, after: SegmentRow | null) {
    await audit.record(trx, {
      orgId: p.org.id,
      actor: actorOf(p),
      action,
      refType: 'segment',
      refId: segment.id,
      refKey: segment.key,
      rn: formatRn(segmentRn(env, segment.key, segment.tags)),
      projectId: env.projectId,
      envId: env.id,
      before: before && snapshot(before),
      after: after && snapshot(after),
    });
  }

  /** One change to one segment; unchanged writes nothing. Archived segments are read-only except for `allowArchived` actions. */
  async function mutate(p: OrgPrincipal, envId: string, segmentId: string, action: string, change: (s: SegmentRow, env: EnvironmentRef) => SegmentRow, allowArchived = false): Promise<SegmentView> {
    return inTransaction(async (trx) => {
      const env = await environment(trx, p, envId);
      const store = segmentStore(trx, dialect);
      const segment = await store.find(p.org.id, env.id, segmentId, true);
      if (!segment) throw new NotFound();
      requirePermission(p, action, segmentRn(env, segment.key, segment.tags));
      if (segment.isArchived && !allowArchived) throw new BusinessRule('SegmentArchived');
      const next = change(segment, env);
      if (JSON.stringify(snapshot(next)) === JSON.stringify(snapshot(segment))) return segmentView(segment);
      const updated = { ...next, updatedAt: clock.now() };
      await store.update(p.org.id, updated);
      await record(trx, p, action, env, updated, segment, updated);
      return segmentView(updated);
    });
  }

  return {
    async list(p: OrgPrincipal, envId: string, filter: SegmentFilter, pageIndex: number, pageSize: number) {
      const env = await environment(kysely, p, envId);
      requirePermission(p, 'CanAccessEnv', envRn(env));
      const page = await segmentStore(kysely, dialect).list(p.org.id, env.id, filter, pageIndex, pageSize);
      return { totalCount: page.totalCount, items: page.items.map(segmentView) };
    },

    async get(p: OrgPrincipal, envId: string, segmentId: string): Promise<SegmentView> {
      const env = await environment(kysely, p, envId);
      requirePermission(p, 'CanAccessEnv', envRn(env));
      const segment = await segmentStore(kysely, dialect).find(p.org.id, env.id, segmentId);
      if (!segment) throw new NotFound();
      return segmentView(segment);
    },

    /** Checks CreateSegment on `…:segment/*` carrying the new segment's tags. */
    async create(p: OrgPrincipal, envId: string, input: CreateSegmentInput): Promise<SegmentView> {
      return inTransaction(async (trx) => {
        const env = await environment(trx, p, envId, true);
        const tags = normalizeTags(input.tags ?? []);
        requirePermission(p, 'CreateSegment', segmentRn(env, '*', tags));
        const now = clock.now();
        const segment: SegmentRow = {
          id: ids.next(),
          envId: env.id,
          key: input.key,
          name: requiredText(input.name, 'name'),
          description: input.description ?? '',
          ...targeting(input.included ?? [], input.excluded ?? []),
          tags,
          isArchived: false,
          createdAt: now,
          updatedAt: now,
        };
        try {
          await segmentStore(trx, dialect).insert(p.org.id, segment);
        } catch (err) {
          if (isUniqueViolation(err)) throw new Conflict();
          throw err;
        }
        await record(trx, p, 'CreateSegment', env, segment, null, segment);
        return segmentView(segment);
      });
    },

    rename: (p: OrgPrincipal, envId: string, id: string, name: string) => mutate(p, envId, id, 'UpdateSegmentName', (s) => ({ ...s, name: requiredText(name, 'name') })),

    describe: (p: OrgPrincipal, envId: string, id: string, description: string) => mutate(p, envId, id, 'UpdateSegmentDescription', (s) => ({ ...s, description })),

    /** Like flags: UpdateSegmentTags must hold for the segment as tagged now and as it would be tagged. */
    setTags: (p: OrgPrincipal, envId: string, id: string, tags: string[]) =>
      mutate(p, envId, id, 'UpdateSegmentTags', (s, env) => {
        const next = normalizeTags(tags);
        requirePermission(p, 'UpdateSegmentTags', segmentRn(env, s.key, next));
        return { ...s, tags: next };
      }),

    setTargeting: (p: OrgPrincipal, envId: string, id: string, input: { included: string[]; excluded: string[] }) =>
      mutate(p, envId, id, 'UpdateSegmentTargetingUsers', (s) => ({ ...s, ...targeting(input.included, input.excluded) })),

    archive: (p: OrgPrincipal, envId: string, id: string) => mutate(p, envId, id, 'ArchiveSegment', (s) => ({ ...s, isArchived: true }), true),

    restore: (p: OrgPrincipal, envId: string, id: string) => mutate(p, envId, id, 'RestoreSegment', (s) => ({ ...s, isArchived: false }), true),

    /** Like a flag, a segment must be archived before it can be deleted (422 SegmentNotArchived). */
    async remove(p: OrgPrincipal, envId: string, segmentId: string): Promise<true> {
      return inTransaction(async (trx) => {
        const env = await environment(trx, p, envId);
        const store = segmentStore(trx, dialect);
        const segment = await store.find(p.org.id, env.id, segmentId, true);
        if (!segment) throw new NotFound();
        requirePermission(p, 'DeleteSegment', segmentRn(env, segment.key, segment.tags));
        if (!segment.isArchived) throw new BusinessRule('SegmentNotArchived');
        await store.remove(p.org.id, segment.id);
        await record(trx, p, 'DeleteSegment', env, segment, segment, null);
        return true as const;
      });
    },
  };
}

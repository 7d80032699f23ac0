// Rules for segments, in the same order as flags: 404 (environment and segment in the caller's
// organization), 403 (the action on the segment's RN with its stored tags), then the segment's own
// rules, then write and audit in one transaction.
import { actorOf, permits, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { formatRn, rn, type Rn } from '../policy/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, NotFound } from '../platform/errors.ts';
import { editableOf, patchEditable } from '../platform/editable-document.ts';
import type { PatchOperation } from '../platform/json-patch.ts';
import { keyedFields, keyTaken, requiredName } from '../platform/keyed-fields.ts';
import type { DbTransaction } from '../platform/db.ts';
import { envRn, findEnvironmentRef, type EnvironmentRef } from '../environments/environment-read-model.ts';
import { normalizeTags, retagged } from '../projects/tags.ts';
import { segmentRuleErrors, type MatchRule } from '../targeting/targeting-model.ts';
import { normalizeMatchRules, type MatchRuleBody } from '../targeting/targeting-schemas.ts';
import { EditableSegment, SEGMENT_FIELD_ACTIONS } from './segment-patch.ts';
import { segmentReach } from './segment-read-model.ts';
import { segmentStore, type SegmentFilter, type SegmentRow, type SegmentType } from './segment-store.ts';

export type SegmentDeps = Pick<AppContext, 'kysely' | 'db' | 'clock' | 'ids' | 'audit' | 'invalidate' | 'flagReferences'>;

/** A segment as the API shows it: the stored segment, with its times as ISO strings. */
export type SegmentView = Omit<SegmentRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

export interface CreateSegmentInput {
  key: string;
  name: string;
  description?: string;
  type?: SegmentType;
  scopes?: string[];
  included?: string[];
  excluded?: string[];
  tags?: string[];
}

export interface ChangeOptions {
  comment?: string;
}

export interface TargetingInput extends ChangeOptions {
  included?: string[];
  excluded?: string[];
  rules?: MatchRuleBody[];
}

export const segmentView = (s: SegmentRow): SegmentView => ({ ...s, createdAt: new Date(s.createdAt).toISOString(), updatedAt: new Date(s.updatedAt).toISOString() });

// Spelled out, so the order is fixed (an unchanged segment is detected by comparing JSON).
const snapshot = (s: SegmentRow) => ({
  key: s.key,
  name: s.name,
  description: s.description,
  type: s.type,
  scopes: s.scopes,
  included: s.included,
  excluded: s.excluded,
  rules: s.rules,
  tags: s.tags,
  isArchived: s.isArchived,
});

const segmentRn = (env: EnvironmentRef, key: string, tags: readonly string[]): Rn => rn.segment(env.projectKey, env.key, key, tags);

const TARGETING_ACTIONS = ['UpdateSegmentTargetingUsers', 'UpdateSegmentRules'];

type SegmentTargeting = Pick<SegmentRow, 'included' | 'excluded' | 'rules'>;

/** The action each moved part needs: included/excluded → UpdateSegmentTargetingUsers, rules → UpdateSegmentRules. */
function segmentTargetingActions(before: SegmentTargeting, after: SegmentTargeting): string[] {
  const actions: string[] = [];
  if (JSON.stringify([before.included, before.excluded]) !== JSON.stringify([after.included, after.excluded])) actions.push('UpdateSegmentTargetingUsers');
  if (JSON.stringify(before.rules) !== JSON.stringify(after.rules)) actions.push('UpdateSegmentRules');
  return actions;
}

/** The audit entry of a targeting change is named after the part that moved, or UpdateSegmentTargeting for both. */
const targetingAuditAction = (before: SegmentRow, after: SegmentRow): string => {
  const actions = segmentTargetingActions(before, after);
  return actions.length === 1 ? actions[0] : 'UpdateSegmentTargeting';
};

/** Users listed once each; a user cannot be both included and excluded. */
function targeting(included: readonly string[], excluded: readonly string[]) {
  const inc = [...new Set(included)];
  const exc = [...new Set(excluded)];
  const set = new Set(inc);
  if (exc.some((u) => set.has(u))) throw new BadRequest('excluded_is_invalid');
  return { included: inc, excluded: exc };
}

function checkRules(rules: readonly MatchRule[]) {
  const errors = segmentRuleErrors(rules);
  if (errors.length) throw new BadRequest(...errors);
}

/**
 * Scopes of a new segment. A segment is shared within its own project only: each scope is the project's RN
 * or the RN of one of its environments (FeatBit's scopes are RNs without `*`; FeatBit's own form, prefixed
 * with `organization/{orgKey}:`, is accepted for the caller's organization and stored without it). An
 * environment-specific segment is scoped to its environment whatever is sent (FeatBit's UI sends that).
 */
function scopesOf(orgKey: string, env: EnvironmentRef, type: SegmentType, given: readonly string[] | undefined): string[] {
  const own = formatRn(envRn(env));
  if (type === 'environment-specific') return [own];
  const project = formatRn(rn.project(env.projectKey));
  const orgPrefix = `organization/${orgKey}:`;
  const scopes = [...new Set((given ?? []).map((s) => (s.startsWith(orgPrefix) ? s.slice(orgPrefix.length) : s)))];
  const inProject = (s: string) => s === project || (s.startsWith(`${project}:env/`) && /^[A-Za-z0-9._-]{1,128}$/.test(s.slice(project.length + 5)));
  if (scopes.length === 0 || !scopes.every(inProject)) throw new BadRequest('scopes_is_invalid');
  return scopes;
}

export function segmentService(deps: SegmentDeps) {
  const { kysely, clock, ids, audit } = deps;
  const dialect = deps.db.dialect;
  const nextId = () => ids.next();
  const inTransaction = <T>(fn: (trx: DbTransaction) => Promise<T>) => kysely.transaction().execute(fn);

  async function environment(db: DbTransaction | typeof kysely, p: OrgPrincipal, envId: string, lock = false): Promise<EnvironmentRef> {
    const env = await findEnvironmentRef(db, dialect, p.org.id, envId, lock);
    if (!env) throw new NotFound();
    return env;
  }

  /** The environment, once the caller may read it [CanAccessEnv]. */
  async function readableEnvironment(p: OrgPrincipal, envId: string): Promise<EnvironmentRef> {
    const env = await environment(kysely, p, envId);
    requirePermission(p, 'CanAccessEnv', envRn(env));
    return env;
  }

  async function record(trx: DbTransaction, p: OrgPrincipal, action: string, env: EnvironmentRef, segment: SegmentRow, before: SegmentRow | null, after: SegmentRow | null, comment = '') {
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
      comment,
    });
  }

  interface MutateOptions extends ChangeOptions {
    allowArchived?: boolean;
    /** Instead of requiring `action`: the check that lets the caller in at all (the change then checks its parts). */
    guardActions?: string[];
    /** The audit entry's action when it depends on what moved (default: `action`). */
    auditAction?: (before: SegmentRow, after: SegmentRow) => string;
  }

  /**
   * One change to one segment, made from the environment it belongs to; unchanged writes nothing. Archived
   * segments are read-only except for `allowArchived` actions. updatedAt grows by at least 1 ms per change.
   */
  async function mutate(
    p: OrgPrincipal,
    envId: string,
    segmentId: string,
    action: string,
    change: (s: SegmentRow, env: EnvironmentRef, trx: DbTransaction) => SegmentRow | Promise<SegmentRow>,
    opts: MutateOptions = {},
  ): Promise<true> {
    let touched: string[] = [];
    await inTransaction(async (trx) => {
      const env = await environment(trx, p, envId);
      const store = segmentStore(trx, dialect);
      const segment = await store.find(p.org.id, env.id, segmentId, true);
      if (!segment) throw new NotFound();
      const target = segmentRn(env, segment.key, segment.tags);
      const gate = opts.guardActions ?? [action];
      if (!gate.some((a) => permits(p.permission, a, target))) requirePermission(p, gate[0], target);
      if (segment.isArchived && !opts.allowArchived) throw new BusinessRule('SegmentArchived');
      const next = await change(segment, env, trx);
      if (JSON.stringify(snapshot(next)) === JSON.stringify(snapshot(segment))) return;
      const updated = { ...next, updatedAt: Math.max(clock.now(), segment.updatedAt + 1) };
      await store.update(p.org.id, updated);
      await record(trx, p, opts.auditAction?.(segment, updated) ?? action, env, updated, segment, updated, opts.comment);
      if (segmentTargetingActions(segment, updated).length > 0) touched = await deps.flagReferences.touchFlagsNamingSegment(trx, dialect, p.org.id, segment.id, clock.now(), nextId);
    });
    // Flags naming the segment changed revision: every instance forgets what it cached of them.
    if (touched.length > 0) await deps.invalidate({ kind: 'flags', envIds: touched });
    // FeatBit's segment changes all answer true, whether or not anything moved.
    return true;
  }

  return {
    /** The environment's own segments and the shared ones of its project that cover it [CanAccessEnv]. */
    async list(p: OrgPrincipal, envId: string, filter: SegmentFilter, pageIndex: number, pageSize: number) {
      const env = await readableEnvironment(p, envId);
      const page = await segmentStore(kysely, dialect).list(p.org.id, segmentReach(env), filter, pageIndex, pageSize);
      return { totalCount: page.totalCount, items: page.items.map(segmentView) };
    },

    async get(p: OrgPrincipal, envId: string, segmentId: string): Promise<SegmentView> {
      const env = await readableEnvironment(p, envId);
      const segment = await segmentStore(kysely, dialect).findVisible(p.org.id, segmentReach(env), segmentId);
      if (!segment) throw new NotFound();
      return segmentView(segment);
    },

    /** The segments among `ids` the environment can see, archived ones included; unknown ids are left out [CanAccessEnv]. */
    async byIds(p: OrgPrincipal, envId: string, segmentIds: string[]): Promise<SegmentView[]> {
      const env = await readableEnvironment(p, envId);
      const found = await segmentStore(kysely, dialect).visible(p.org.id, segmentReach(env), segmentIds);
      const byId = new Map(found.map((s) => [s.id, s]));
      return [...new Set(segmentIds)].flatMap((id) => (byId.has(id) ? [segmentView(byId.get(id)!)] : []));
    },

    async allTags(p: OrgPrincipal, envId: string): Promise<string[]> {
      const env = await readableEnvironment(p, envId);
      return segmentStore(kysely, dialect).allTags(p.org.id, segmentReach(env));
    },

    /** The flags of this environment whose rules name the segment [CanAccessEnv]. */
    async flagReferences(p: OrgPrincipal, envId: string, segmentId: string): ReturnType<SegmentDeps['flagReferences']['flagsNamingSegment']> {
      const env = await readableEnvironment(p, envId);
      const segment = await segmentStore(kysely, dialect).findVisible(p.org.id, segmentReach(env), segmentId);
      if (!segment) throw new NotFound();
      return deps.flagReferences.flagsNamingSegment(kysely, dialect, p.org.id, segment.id, env.id);
    },

    /** Checks CreateSegment on `…:segment/*` carrying the new segment's tags. */
    async create(p: OrgPrincipal, envId: string, input: CreateSegmentInput): Promise<SegmentView> {
      return inTransaction(async (trx) => {
        const env = await environment(trx, p, envId, true);
        const tags = normalizeTags(input.tags ?? []);
        requirePermission(p, 'CreateSegment', segmentRn(env, '*', tags));
        const type = input.type ?? 'environment-specific';
        const now = clock.now();
        const segment: SegmentRow = {
          id: ids.next(),
          envId: env.id,
          ...keyedFields(input),
          type,
          scopes: scopesOf(p.org.key, env, type, input.scopes),
          ...targeting(input.included ?? [], input.excluded ?? []),
          rules: [],
          tags,
          isArchived: false,
          createdAt: now,
          updatedAt: now,
        };
        try {
          await segmentStore(trx, dialect).insert(p.org.id, segment);
        } catch (err) {
          keyTaken(err);
        }
        await record(trx, p, 'CreateSegment', env, segment, null, segment);
        return segmentView(segment);
      });
    },

    rename: (p: OrgPrincipal, envId: string, id: string, name: string, o: ChangeOptions = {}) => mutate(p, envId, id, 'UpdateSegmentName', (s) => ({ ...s, name: requiredName(name) }), o),

    describe: (p: OrgPrincipal, envId: string, id: string, description: string, o: ChangeOptions = {}) => mutate(p, envId, id, 'UpdateSegmentDescription', (s) => ({ ...s, description }), o),

    /** Like flags: UpdateSegmentTags must hold for the segment as tagged now and as it would be tagged. */
    setTags: (p: OrgPrincipal, envId: string, id: string, tags: string[], o: ChangeOptions = {}) =>
      mutate(p, envId, id, 'UpdateSegmentTags', (s, env) => retagged(s, tags, (next) => requirePermission(p, 'UpdateSegmentTags', segmentRn(env, s.key, next))), o),

    /**
     * FeatBit's targeting PUT. A part left out stays as it is; each part that moves needs its action
     * (included/excluded → UpdateSegmentTargetingUsers, rules → UpdateSegmentRules).
     */
    setTargeting: (p: OrgPrincipal, envId: string, id: string, input: TargetingInput) =>
      mutate(
        p,
        envId,
        id,
        'UpdateSegmentTargeting',
        (s, env) => {
          const users = targeting(input.included ?? s.included, input.excluded ?? s.excluded);
          const rules = input.rules ? normalizeMatchRules(input.rules, nextId) : s.rules;
          const target = segmentRn(env, s.key, s.tags);
          for (const action of segmentTargetingActions(s, { ...users, rules })) requirePermission(p, action, target);
          checkRules(rules);
          return { ...s, ...users, rules };
        },
        { guardActions: TARGETING_ACTIONS, comment: input.comment, auditAction: targetingAuditAction },
      ),

    /** JSON Patch (RFC 6902) on the segment's editable fields; each field that moves needs its own action. */
    async patch(p: OrgPrincipal, envId: string, id: string, operations: PatchOperation[], o: ChangeOptions = {}): Promise<true> {
      return mutate(
        p,
        envId,
        id,
        'PatchSegment',
        (s, env) => {
          const { after, moved } = patchEditable(EditableSegment, editableOf(EditableSegment, s), operations);
          const tags = normalizeTags(after.tags);
          for (const field of moved) {
            requirePermission(p, SEGMENT_FIELD_ACTIONS[field], segmentRn(env, s.key, s.tags));
            if (field === 'tags') requirePermission(p, 'UpdateSegmentTags', segmentRn(env, s.key, tags));
          }
          checkRules(after.rules);
          return { ...s, name: requiredName(after.name), description: after.description, tags, ...targeting(after.included, after.excluded), rules: after.rules };
        },
        { guardActions: [...new Set(Object.values(SEGMENT_FIELD_ACTIONS))], comment: o.comment },
      );
    },

    /** A segment that a flag's rules name cannot be archived (422 SegmentIsBeingUsed, FeatBit's ArchiveSegment). */
    archive: (p: OrgPrincipal, envId: string, id: string, o: ChangeOptions = {}) =>
      mutate(
        p,
        envId,
        id,
        'ArchiveSegment',
        async (s, _env, trx) => {
          if (!s.isArchived && (await deps.flagReferences.flagsNamingSegment(trx, dialect, p.org.id, s.id)).length > 0) throw new BusinessRule('SegmentIsBeingUsed');
          return { ...s, isArchived: true };
        },
        { allowArchived: true, comment: o.comment },
      ),

    restore: (p: OrgPrincipal, envId: string, id: string, o: ChangeOptions = {}) =>
      mutate(p, envId, id, 'RestoreSegment', (s) => ({ ...s, isArchived: false }), { allowArchived: true, comment: o.comment }),

    /** Like a flag, a segment must be archived before it can be deleted (422 CannotDeleteUnArchivedSegment, FeatBit's code). */
    async remove(p: OrgPrincipal, envId: string, segmentId: string, o: ChangeOptions = {}): Promise<true> {
      return inTransaction(async (trx) => {
        const env = await environment(trx, p, envId);
        const store = segmentStore(trx, dialect);
        const segment = await store.find(p.org.id, env.id, segmentId, true);
        if (!segment) throw new NotFound();
        requirePermission(p, 'DeleteSegment', segmentRn(env, segment.key, segment.tags));
        if (!segment.isArchived) throw new BusinessRule('CannotDeleteUnArchivedSegment');
        await store.remove(p.org.id, segment.id);
        await record(trx, p, 'DeleteSegment', env, segment, segment, null, o.comment);
        return true as const;
      });
    },
  };
}

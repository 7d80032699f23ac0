// Rules for feature flags. Each change: find the environment and flag in the caller's organization
// (404), check the action on the flag's RN built from stored keys and stored tags (403), apply the
// flag's own rules (400/409/422), then write and audit in one transaction.
import { evaluate, type EvalUser } from '../evaluation/index.ts';
import { actorOf, permits, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { formatRn, rn, type Rn } from '../policy/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, Conflict, NotFound } from '../platform/errors.ts';
import type { DbTransaction } from '../platform/db.ts';
import { envRn, findEnvironmentRef, type EnvironmentRef } from '../environments/environment-read-model.ts';
import { normalizeTags, retagged } from '../projects/tags.ts';
import { editableOf, patchEditable } from '../platform/editable-document.ts';
import type { PatchOperation } from '../platform/json-patch.ts';
import { keyedFields, keyTaken, requiredName } from '../platform/keyed-fields.ts';
import { visibleSegments } from '../segments/segment-read-model.ts';
import { defaultFallthrough, referencedSegments, servedVariations, targetingActions, targetingErrors, wholeFallthroughVariation, type FlagTargeting } from '../targeting/targeting-model.ts';
import { normalizeTargeting, type FlagTargetingBody } from '../targeting/targeting-schemas.ts';
import { EditableFlag, FLAG_FIELD_ACTIONS } from './flag-patch.ts';
import { FlagReadCache } from './flag-read-cache.ts';
import { flagListExtras } from './flag-list-read-model.ts';
import { flagReadModel } from './flag-read-model.ts';
import { flagStore, type FlagFilter, type FlagRow } from './flag-store.ts';
import { defaultBooleanVariations, defaultServed, variationErrors, withIds, type VariationInput, type VariationType } from './flag-variations.ts';
import { featureFlagVm, flagView, type FeatureFlagVm, type FlagView } from './flag-view.ts';

export type FlagDeps = Pick<AppContext, 'kysely' | 'db' | 'clock' | 'ids' | 'audit' | 'config' | 'invalidate' | 'onInvalidate'>;

// flag-fast-read.ts names the view through this module.
export type { FlagView } from './flag-view.ts';

export interface CreateFlagInput {
  key: string;
  name: string;
  description?: string;
  isEnabled?: boolean;
  variationType?: VariationType;
  variations?: VariationInput[];
  enabledVariationId?: string;
  disabledVariationId?: string;
  tags?: string[];
}

/** What the audit log records of a flag; `diff` keeps only the fields that moved. Spelled out, so the order is fixed (sameFlag compares JSON). */
const snapshot = (f: FlagRow) => ({
  key: f.key,
  name: f.name,
  description: f.description,
  isEnabled: f.isEnabled,
  variationType: f.variationType,
  variations: f.variations,
  enabledVariationId: f.enabledVariationId,
  disabledVariationId: f.disabledVariationId,
  tags: f.tags,
  isArchived: f.isArchived,
  targetUsers: f.targetUsers,
  rules: f.rules,
  fallthrough: f.fallthrough,
  exptIncludeAllTargets: f.exptIncludeAllTargets,
});

/** One flag evaluated for one user, as an SDK would; `variation` is null when the flag serves that user nothing. */
export interface FlagEvaluationView {
  variation: { id: string; value: string } | null;
  reason: string;
  kind: string;
}

/** What every update route may carry: a note for the audit entry, and (where FeatBit has one) the revision the caller last read. */
export interface ChangeOptions {
  comment?: string;
  revision?: string;
}

/** The three targeting actions: a targeting change needs the one of each part it moves. */
const TARGETING_ACTIONS = ['UpdateFlagIndividualTargeting', 'UpdateFlagTargetingRules', 'UpdateFlagDefaultRule'];

/** The flag with new targeting. enabledVariationId follows the fallthrough while that serves one variation to everyone. */
const withTargeting = (f: FlagRow, t: FlagTargeting): FlagRow => ({ ...f, ...t, enabledVariationId: wholeFallthroughVariation(t.fallthrough) ?? f.enabledVariationId });

/** The audit entry of a targeting change is named after the part that moved, or UpdateFlagTargeting for several. */
const targetingAuditAction = (before: FlagRow, after: FlagRow): string => {
  const actions = targetingActions(before, after);
  return actions.length === 1 ? actions[0] : 'UpdateFlagTargeting';
};

const actorId = (p: OrgPrincipal): string => {
  const a = actorOf(p);
  return a.memberId ?? a.tokenId ?? '';
};

const flagRn = (env: EnvironmentRef, key: string, tags: readonly string[]): Rn => rn.flag(env.projectKey, env.key, key, tags);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const revisionOf = (f: FlagRow): string => f.revision;
const done = (): true => true;

function sameFlag(a: FlagRow, b: FlagRow): boolean {
  return JSON.stringify(snapshot(a)) === JSON.stringify(snapshot(b));
}

export function flagService(deps: FlagDeps) {
  const { kysely, clock, ids, audit } = deps;
  const dialect = deps.db.dialect;
  const nextId = () => ids.next();
  const reads = flagReadModel(deps.db);
  const cache = new FlagReadCache(deps.config.cacheRevalidateSeconds * 1000);
  deps.onInvalidate((e) => cache.invalidate(e));

  /** A write to the flags of `envId`; once committed, every instance forgets what it cached of them, before the response. */
  async function inTransaction<T>(envId: string, fn: (trx: DbTransaction) => Promise<T>): Promise<T> {
    const result = await kysely.transaction().execute(fn);
    await deps.invalidate({ kind: 'flags', envIds: [envId] });
    return result;
  }

  async function environment(db: DbTransaction | typeof kysely, p: OrgPrincipal, envId: string, lock = false): Promise<EnvironmentRef> {
    const env = await findEnvironmentRef(db, dialect, p.org.id, envId, lock);
    if (!env) throw new NotFound();
    return env;
  }

  async function record(
    trx: DbTransaction,
    p: OrgPrincipal,
    action: string,
    env: EnvironmentRef,
    flag: FlagRow,
    before: FlagRow | null,
    after: FlagRow | null,
    extra: Record<string, unknown> = {},
    comment = '',
  ) {
    await audit.record(trx, {
      comment,
      orgId: p.org.id,
      actor: actorOf(p),
      action,
      refType: 'flag',
      refId: flag.id,
      refKey: flag.key,
      rn: formatRn(flagRn(env, flag.key, flag.tags)),
      projectId: env.projectId,
      envId: env.id,
      before: before && snapshot(before),
      after: after && { ...snapshot(after), ...extra },
    });
  }

  /** Inserts a new flag; the key is unique per environment (422 KeyHasBeenUsed, as FeatBit). */
  async function insert(trx: DbTransaction, p: OrgPrincipal, flag: FlagRow) {
    try {
      await flagStore(trx, dialect).insert(p.org.id, flag);
    } catch (err) {
      keyTaken(err);
    }
  }

  /** Refuses (400) targeting that names unknown variations or segments the environment cannot use, or breaks FeatBit's rules. */
  async function checkTargeting(trx: DbTransaction, p: OrgPrincipal, env: EnvironmentRef, f: FlagRow, t: FlagTargeting) {
    const usable = await visibleSegments(trx, dialect, p.org.id, env, referencedSegments(t.rules));
    const known = new Set(usable.map((s) => s.id));
    const errors = targetingErrors(t, new Set(f.variations.map((v) => v.id)), (id) => known.has(id));
    if (errors.length) throw new BadRequest(...errors);
  }

  interface MutateOptions extends ChangeOptions {
    /** Archived flags are read-only except for these actions. */
    allowArchived?: boolean;
    /** Instead of requiring `action`: the check that lets the caller in at all (the change then checks its parts). */
    guard?: (flag: FlagRow, env: EnvironmentRef) => void;
    /** The audit entry's action when it depends on what moved (default: `action`). */
    auditAction?: (before: FlagRow, after: FlagRow) => string;
  }

  /**
   * One change to one flag. `change` returns the flag as it should become (it may throw a rule's
   * error); an unchanged flag writes nothing and records nothing. A changed one gets a new revision,
   * and an updatedAt later than the last by at least 1 ms (SDKs ignore an item that is not newer).
   */
  async function mutate(
    p: OrgPrincipal,
    envId: string,
    key: string,
    action: string,
    change: (flag: FlagRow, env: EnvironmentRef, trx: DbTransaction) => FlagRow | Promise<FlagRow>,
    opts: MutateOptions = {},
  ): Promise<FlagRow> {
    return inTransaction(envId, async (trx) => {
      const env = await environment(trx, p, envId);
      const store = flagStore(trx, dialect);
      const flag = await store.find(p.org.id, env.id, key, true);
      if (!flag) throw new NotFound();
      if (opts.guard) opts.guard(flag, env);
      else requirePermission(p, action, flagRn(env, flag.key, flag.tags));
      if (flag.isArchived && !opts.allowArchived) throw new BusinessRule('FlagArchived');
      if (opts.revision !== undefined && opts.revision !== flag.revision) throw new Conflict();
      const next = await change(flag, env, trx);
      if (sameFlag(flag, next)) return flag;
      const updated: FlagRow = { ...next, revision: ids.next(), updatorId: actorId(p), updatedAt: Math.max(clock.now(), flag.updatedAt + 1) };
      await store.update(p.org.id, updated);
      await record(trx, p, opts.auditAction?.(flag, updated) ?? action, env, updated, flag, updated, {}, opts.comment);
      return updated;
    });
  }

  /** Refuses (403) a caller holding none of `actions` on the flag. */
  const anyOf = (p: OrgPrincipal, actions: readonly string[]) => (flag: FlagRow, env: EnvironmentRef) => {
    const target = flagRn(env, flag.key, flag.tags);
    if (!actions.some((a) => permits(p.permission, a, target))) requirePermission(p, actions[0], target);
  };

  return {
    /** FeatBit's paged FeatureFlagVm list: each item with its creator, what it serves and its last change [CanAccessEnv]. */
    async list(p: OrgPrincipal, envId: string, filter: FlagFilter, pageIndex: number, pageSize: number): Promise<{ totalCount: number; items: FeatureFlagVm[] }> {
      const env = await environment(kysely, p, envId);
      requirePermission(p, 'CanAccessEnv', envRn(env));
      const page = await flagStore(kysely, dialect).list(p.org.id, env.id, filter, pageIndex, pageSize);
      const extras = await flagListExtras(kysely, p.org.id, page.items);
      return { totalCount: page.totalCount, items: page.items.map((f) => featureFlagVm(f, extras.creator(f), extras.lastChange(f))) };
    },

    /**
     * The hot read: from memory when cached (see flag-read-cache.ts), else one prepared statement fetches
     * both; the checks keep their order either way (404 environment → 403 CanAccessEnv → 404 flag).
     */
    /**
     * The flag as cached, when `p` may read it, with no database read and no promise; undefined when it is not
     * cached or `p` may not read it (then `get` decides, and answers the 403 or 404). For flag-fast-read.ts.
     */
    cached(p: OrgPrincipal, envId: string, key: string, now: number): FlagView | undefined {
      const cached = cache.get(p.org.id, envId, key, now);
      return cached && permits(p.permission, 'CanAccessEnv', cached.envRn) ? cached.view : undefined;
    },

    async get(p: OrgPrincipal, envId: string, key: string): Promise<FlagView> {
      const now = clock.now();
      const cached = cache.get(p.org.id, envId, key, now);
      if (cached) {
        requirePermission(p, 'CanAccessEnv', cached.envRn);
        return cached.view;
      }
      const stamp = cache.stamp();
      const found = await reads.find(p.org.id, envId, key);
      if (!found) throw new NotFound();
      // Reading needs the environment only, so check it before revealing whether the key exists.
      const target = envRn(found.env);
      requirePermission(p, 'CanAccessEnv', target);
      if (!found.flag) throw new NotFound();
      // Shared by every request that hits it: frozen so no one can change it for the others.
      const view = deepFreeze(flagView(found.flag));
      cache.put(envId, key, { orgId: p.org.id, envRn: deepFreeze(target), view, loadedAt: now }, stamp);
      return view;
    },

    /** Checks CreateFlag on `…:flag/*` carrying the new flag's tags, so tag-scoped create statements work. */
    async create(p: OrgPrincipal, envId: string, input: CreateFlagInput): Promise<FlagView> {
      return inTransaction(envId, async (trx) => {
        const env = await environment(trx, p, envId, true);
        const tags = normalizeTags(input.tags ?? []);
        requirePermission(p, 'CreateFlag', flagRn(env, '*', tags));
        const variationType = input.variationType ?? 'boolean';
        if (!input.variations && variationType !== 'boolean') throw new BadRequest('variations_is_required');
        const variations = input.variations ? withIds(input.variations, nextId) : defaultBooleanVariations(nextId);
        const errors = variationErrors(variationType, variations);
        if (errors.length) throw new BadRequest(...errors);
        const served = defaultServed(variationType, variations);
        const enabledVariationId = input.enabledVariationId ?? served.enabled;
        const disabledVariationId = input.disabledVariationId ?? served.disabled;
        const bad = [
          ...(variations.some((v) => v.id === enabledVariationId) ? [] : ['enabledVariationId_is_invalid']),
          ...(variations.some((v) => v.id === disabledVariationId) ? [] : ['disabledVariationId_is_invalid']),
        ];
        if (bad.length) throw new BadRequest(...bad);
        const now = clock.now();
        const flag: FlagRow = {
          id: ids.next(),
          envId: env.id,
          ...keyedFields(input),
          isEnabled: input.isEnabled ?? false,
          variationType,
          variations,
          enabledVariationId,
          disabledVariationId,
          revision: ids.next(),
          targetUsers: [],
          rules: [],
          fallthrough: defaultFallthrough(enabledVariationId),
          exptIncludeAllTargets: true,
          tags,
          isArchived: false,
          creatorId: actorId(p),
          updatorId: actorId(p),
          createdAt: now,
          updatedAt: now,
        };
        await insert(trx, p, flag);
        await record(trx, p, 'CreateFlag', env, flag, null, flag);
        return flagView(flag);
      });
    },

    /** CloneFlag on the source and CreateFlag on the collection with the clone's tags: both must hold. → true, as FeatBit. */
    async clone(p: OrgPrincipal, envId: string, sourceKey: string, input: { key: string; name: string; description?: string; tags?: string[] }): Promise<true> {
      return inTransaction(envId, async (trx) => {
        const env = await environment(trx, p, envId, true);
        const source = await flagStore(trx, dialect).find(p.org.id, env.id, sourceKey);
        if (!source) throw new NotFound();
        requirePermission(p, 'CloneFlag', flagRn(env, source.key, source.tags));
        const tags = normalizeTags(input.tags ?? source.tags);
        requirePermission(p, 'CreateFlag', flagRn(env, '*', tags));
        const now = clock.now();
        const flag: FlagRow = {
          ...source,
          id: ids.next(),
          key: input.key,
          name: requiredName(input.name),
          description: input.description ?? source.description,
          tags,
          isArchived: false,
          revision: ids.next(),
          creatorId: actorId(p),
          updatorId: actorId(p),
          createdAt: now,
          updatedAt: now,
        };
        await insert(trx, p, flag);
        await record(trx, p, 'CloneFlag', env, flag, null, flag, { clonedFrom: source.key });
        return true as const;
      });
    },

    // What each change answers is FeatBit's: the flag's revision after it (toggle, name, description, variations,
    // off variation, targeting), or true (tags, archive, restore), whether or not anything moved.

    toggle: (p: OrgPrincipal, envId: string, key: string, isEnabled: boolean, o: ChangeOptions = {}) =>
      mutate(p, envId, key, 'ToggleFlag', (f) => ({ ...f, isEnabled }), { comment: o.comment }).then(revisionOf),

    archive: (p: OrgPrincipal, envId: string, key: string, o: ChangeOptions = {}) =>
      mutate(p, envId, key, 'ArchiveFlag', (f) => ({ ...f, isArchived: true }), { allowArchived: true, comment: o.comment }).then(done),

    restore: (p: OrgPrincipal, envId: string, key: string, o: ChangeOptions = {}) =>
      mutate(p, envId, key, 'RestoreFlag', (f) => ({ ...f, isArchived: false }), { allowArchived: true, comment: o.comment }).then(done),

    rename: (p: OrgPrincipal, envId: string, key: string, name: string, o: ChangeOptions = {}) =>
      mutate(p, envId, key, 'UpdateFlagName', (f) => ({ ...f, name: requiredName(name) }), { comment: o.comment }).then(revisionOf),

    describe: (p: OrgPrincipal, envId: string, key: string, description: string, o: ChangeOptions = {}) =>
      mutate(p, envId, key, 'UpdateFlagDescription', (f) => ({ ...f, description }), { comment: o.comment }).then(revisionOf),

    /** Allowed only when UpdateFlagTags holds for the flag as tagged now AND as it would be tagged: nobody tags a flag out of a deny. */
    setTags: (p: OrgPrincipal, envId: string, key: string, tags: string[], o: ChangeOptions = {}) =>
      mutate(p, envId, key, 'UpdateFlagTags', (f, env) => retagged(f, tags, (next) => requirePermission(p, 'UpdateFlagTags', flagRn(env, f.key, next))), { comment: o.comment }).then(done),

    /** Replaces the variations (and optionally the type); the variations served anywhere must remain (422 VariationInUse). */
    setVariations: (p: OrgPrincipal, envId: string, key: string, input: { variationType?: VariationType; variations: VariationInput[] }, o: ChangeOptions = {}) =>
      mutate(
        p,
        envId,
        key,
        'UpdateFlagVariations',
        (f) => {
          const variationType = input.variationType ?? f.variationType;
          const variations = withIds(input.variations, nextId);
          const errors = variationErrors(variationType, variations);
          if (errors.length) throw new BadRequest(...errors);
          const kept = new Set(variations.map((v) => v.id));
          const used = [f.enabledVariationId, f.disabledVariationId, ...servedVariations(f)];
          if (!used.every((id) => kept.has(id))) throw new BusinessRule('VariationInUse');
          return { ...f, variationType, variations };
        },
        o,
      ).then(revisionOf),

    setOffVariation: (p: OrgPrincipal, envId: string, key: string, offVariationId: string, o: ChangeOptions = {}) =>
      mutate(
        p,
        envId,
        key,
        'UpdateFlagOffVariation',
        (f) => {
          if (!f.variations.some((v) => v.id === offVariationId)) throw new BadRequest('offVariationId_is_invalid');
          return { ...f, disabledVariationId: offVariationId };
        },
        o,
      ).then(revisionOf),

    /**
     * FeatBit's targeting PUT. The caller needs the action of each part that moves (targetUsers →
     * UpdateFlagIndividualTargeting, rules → UpdateFlagTargetingRules, fallthrough and
     * exptIncludeAllTargets → UpdateFlagDefaultRule), and at least one of them to get in at all.
     */
    setTargeting: (p: OrgPrincipal, envId: string, key: string, input: { revision: string; targeting: FlagTargetingBody; comment?: string }) =>
      mutate(
        p,
        envId,
        key,
        'UpdateFlagTargeting',
        async (f, env, trx) => {
          const t = normalizeTargeting(input.targeting, nextId, f);
          const target = flagRn(env, f.key, f.tags);
          for (const action of targetingActions(f, t)) requirePermission(p, action, target);
          await checkTargeting(trx, p, env, f, t);
          return withTargeting(f, t);
        },
        { guard: anyOf(p, TARGETING_ACTIONS), revision: input.revision, comment: input.comment, auditAction: targetingAuditAction },
      ).then(revisionOf),

    /**
     * JSON Patch (RFC 6902) on the flag's editable fields. Each field that moves is checked against its
     * own action (FLAG_FIELD_ACTIONS); the result must pass every rule the dedicated routes apply.
     */
    async patch(p: OrgPrincipal, envId: string, key: string, operations: PatchOperation[], o: ChangeOptions = {}): Promise<true> {
      await mutate(
        p,
        envId,
        key,
        'PatchFlag',
        async (f, env, trx) => {
          const { after, moved } = patchEditable(EditableFlag, editableOf(EditableFlag, f), operations);
          const tags = normalizeTags(after.tags);
          // Each moved field needs its own action; new tags are checked on the flag as it will be tagged too.
          for (const field of moved) {
            requirePermission(p, FLAG_FIELD_ACTIONS[field], flagRn(env, f.key, f.tags));
            if (field === 'tags') requirePermission(p, 'UpdateFlagTags', flagRn(env, f.key, tags));
          }
          const next: FlagRow = withTargeting({ ...f, ...after, name: requiredName(after.name), tags }, after);
          const bad = variationErrors(next.variationType, next.variations);
          const ids = new Set(next.variations.map((v) => v.id));
          if (!ids.has(next.enabledVariationId)) bad.push('enabledVariationId_is_invalid');
          if (!ids.has(next.disabledVariationId)) bad.push('disabledVariationId_is_invalid');
          if (bad.length) throw new BadRequest(...bad);
          await checkTargeting(trx, p, env, next, next);
          return next;
        },
        { guard: anyOf(p, [...new Set(Object.values(FLAG_FIELD_ACTIONS))]), comment: o.comment },
      );
      return true;
    },

    /**
     * The flag evaluated for `user` by the evaluation core (FeatBit's rules: off → off variation, targeted
     * users, first matching rule, fallthrough), with the segments its rules name [CanAccessEnv].
     */
    async evaluate(p: OrgPrincipal, envId: string, key: string, user: EvalUser): Promise<FlagEvaluationView> {
      const env = await environment(kysely, p, envId);
      requirePermission(p, 'CanAccessEnv', envRn(env));
      const flag = await flagStore(kysely, dialect).find(p.org.id, env.id, key);
      if (!flag) throw new NotFound();
      if (flag.isArchived) throw new BusinessRule('FlagArchived');
      const segments = await visibleSegments(kysely, dialect, p.org.id, env, referencedSegments(flag.rules), true);
      const byId = new Map(segments.map((s) => [s.id, s]));
      const result = evaluate(flag, user, (id) => byId.get(id));
      if (!result) return { variation: null, reason: 'no variation served', kind: 'none' };
      return { variation: { id: result.variation.id, value: result.variation.value }, reason: result.reason, kind: result.kind };
    },

    /** The distinct tags of the environment's unarchived flags [CanAccessEnv]. */
    async allTags(p: OrgPrincipal, envId: string): Promise<string[]> {
      const env = await environment(kysely, p, envId);
      requirePermission(p, 'CanAccessEnv', envRn(env));
      return flagStore(kysely, dialect).allTags(p.org.id, env.id);
    },

    /** Scheduled changes and change requests do not exist yet: always an empty list, once the flag is found [CanAccessEnv]. */
    async pendingChanges(p: OrgPrincipal, envId: string, key: string): Promise<never[]> {
      const env = await environment(kysely, p, envId);
      requirePermission(p, 'CanAccessEnv', envRn(env));
      if (!(await flagStore(kysely, dialect).find(p.org.id, env.id, key))) throw new NotFound();
      return [];
    },

    /** Only an archived flag can be deleted (422 CannotDeleteUnarchivedFeatureFlag, FeatBit's code). */
    async remove(p: OrgPrincipal, envId: string, key: string, o: ChangeOptions = {}): Promise<true> {
      return inTransaction(envId, async (trx) => {
        const env = await environment(trx, p, envId);
        const store = flagStore(trx, dialect);
        const flag = await store.find(p.org.id, env.id, key, true);
        if (!flag) throw new NotFound();
        requirePermission(p, 'DeleteFlag', flagRn(env, flag.key, flag.tags));
        if (!flag.isArchived) throw new BusinessRule('CannotDeleteUnarchivedFeatureFlag');
        await store.remove(p.org.id, flag.id);
        await record(trx, p, 'DeleteFlag', env, flag, flag, null, {}, o.comment);
        return true as const;
      });
    },
  };
}

// Rules for feature flags. Each change: find the environment and flag in the caller's organization
// (404), check the action on the flag's RN built from stored keys and stored tags (403), apply the
// flag's own rules (400/409/422), then write and audit in one transaction.
import type { Transaction } from 'kysely';
import { actorOf, permits, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { formatRn, rn, type Rn } from '../iam/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, Conflict, NotFound, isUniqueViolation } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import { envRn, findEnvironmentRef, type EnvironmentRef } from '../projects/environment-read-model.ts';
import { normalizeTags } from '../projects/tags.ts';
import { FlagReadCache } from './flag-read-cache.ts';
import { flagReadModel } from './flag-read-model.ts';
import { flagStore, type FlagFilter, type FlagRow } from './flag-store.ts';
import { defaultBooleanVariations, defaultServed, variationErrors, withIds, type VariationInput, type VariationType } from './flag-variations.ts';

export type FlagDeps = Pick<AppContext, 'kysely' | 'db' | 'clock' | 'ids' | 'audit' | 'config' | 'invalidate' | 'onInvalidate'>;

/** A flag as the API shows it: the stored flag, with its times as ISO strings. */
export type FlagView = Omit<FlagRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

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

export const flagView = (f: FlagRow): FlagView => ({ ...f, createdAt: new Date(f.createdAt).toISOString(), updatedAt: new Date(f.updatedAt).toISOString() });

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
});

const flagRn = (env: EnvironmentRef, key: string, tags: readonly string[]): Rn => rn.flag(env.projectKey, env.key, key, tags);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function requiredText(value: string, field: string): string {
  const v = value.trim();
  if (!v) throw new BadRequest(`${field}_is_required`);
  return v;
}

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
  async function inTransaction<T>(envId: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const result = await kysely.transaction().execute(fn);
    await deps.invalidate({ kind: 'flags', envIds: [envId] });
    return result;
  }

  async function environment(db: Transaction<Database> | typeof kysely, p: OrgPrincipal, envId: string, lock = false): Promise<EnvironmentRef> {
    const env = await findEnvironmentRef(db, dialect, p.org.id, envId, lock);
    if (!env) throw new NotFound();
    return env;
  }

  async function record(trx: Transaction<Database>, p: OrgPrincipal, action: string, env: EnvironmentRef, flag: FlagRow, before: FlagRow | null, after: FlagRow | null, extra: Record<string, unknown> = {}) {
    await audit.record(trx, {
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

  /** Inserts a new flag; the key is unique per environment (409). */
  async function insert(trx: Transaction<Database>, p: OrgPrincipal, flag: FlagRow) {
    try {
      await flagStore(trx, dialect).insert(p.org.id, flag);
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict();
      throw err;
    }
  }

  /**
   * One change to one flag. `change` returns the flag as it should become (it may throw a rule's
   * error); an unchanged flag writes nothing and records nothing. Archived flags are read-only
   * except for `allowArchived` actions.
   */
  async function mutate(p: OrgPrincipal, envId: string, key: string, action: string, change: (flag: FlagRow, env: EnvironmentRef) => FlagRow, allowArchived = false): Promise<FlagView> {
    return inTransaction(envId, async (trx) => {
      const env = await environment(trx, p, envId);
      const store = flagStore(trx, dialect);
      const flag = await store.find(p.org.id, env.id, key, true);
      if (!flag) throw new NotFound();
      requirePermission(p, action, flagRn(env, flag.key, flag.tags));
      if (flag.isArchived && !allowArchived) throw new BusinessRule('FlagArchived');
      const next = change(flag, env);
      if (sameFlag(flag, next)) return flagView(flag);
      const updated = { ...next, updatedAt: clock.now() };
      await store.update(p.org.id, updated);
      await record(trx, p, action, env, updated, flag, updated);
      return flagView(updated);
    });
  }

  return {
    async list(p: OrgPrincipal, envId: string, filter: FlagFilter, pageIndex: number, pageSize: number) {
      const env = await environment(kysely, p, envId);
      requirePermission(p, 'CanAccessEnv', envRn(env));
      const page = await flagStore(kysely, dialect).list(p.org.id, env.id, filter, pageIndex, pageSize);
      return { totalCount: page.totalCount, items: page.items.map(flagView) };
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
          key: input.key,
          name: requiredText(input.name, 'name'),
          description: input.description ?? '',
          isEnabled: input.isEnabled ?? false,
          variationType,
          variations,
          enabledVariationId,
          disabledVariationId,
          tags,
          isArchived: false,
          createdAt: now,
          updatedAt: now,
        };
        await insert(trx, p, flag);
        await record(trx, p, 'CreateFlag', env, flag, null, flag);
        return flagView(flag);
      });
    },

    /** CloneFlag on the source and CreateFlag on the collection with the clone's tags: both must hold. */
    async clone(p: OrgPrincipal, envId: string, sourceKey: string, input: { key: string; name: string; description?: string; tags?: string[] }): Promise<FlagView> {
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
          name: requiredText(input.name, 'name'),
          description: input.description ?? source.description,
          tags,
          isArchived: false,
          createdAt: now,
          updatedAt: now,
        };
        await insert(trx, p, flag);
        await record(trx, p, 'CloneFlag', env, flag, null, flag, { clonedFrom: source.key });
        return flagView(flag);
      });
    },

    toggle: (p: OrgPrincipal, envId: string, key: string, isEnabled: boolean) => mutate(p, envId, key, 'ToggleFlag', (f) => ({ ...f, isEnabled })),

    archive: (p: OrgPrincipal, envId: string, key: string) => mutate(p, envId, key, 'ArchiveFlag', (f) => ({ ...f, isArchived: true }), true),

    restore: (p: OrgPrincipal, envId: string, key: string) => mutate(p, envId, key, 'RestoreFlag', (f) => ({ ...f, isArchived: false }), true),

    rename: (p: OrgPrincipal, envId: string, key: string, name: string) => mutate(p, envId, key, 'UpdateFlagName', (f) => ({ ...f, name: requiredText(name, 'name') })),

    describe: (p: OrgPrincipal, envId: string, key: string, description: string) => mutate(p, envId, key, 'UpdateFlagDescription', (f) => ({ ...f, description })),

    /** Allowed only when UpdateFlagTags holds for the flag as tagged now AND as it would be tagged: nobody tags a flag out of a deny. */
    setTags: (p: OrgPrincipal, envId: string, key: string, tags: string[]) =>
      mutate(p, envId, key, 'UpdateFlagTags', (f, env) => {
        const next = normalizeTags(tags);
        requirePermission(p, 'UpdateFlagTags', flagRn(env, f.key, next));
        return { ...f, tags: next };
      }),

    /** Replaces the variations (and optionally the type); the on and off variations must survive (422 VariationInUse). */
    setVariations: (p: OrgPrincipal, envId: string, key: string, input: { variationType?: VariationType; variations: VariationInput[] }) =>
      mutate(p, envId, key, 'UpdateFlagVariations', (f) => {
        const variationType = input.variationType ?? f.variationType;
        const variations = withIds(input.variations, nextId);
        const errors = variationErrors(variationType, variations);
        if (errors.length) throw new BadRequest(...errors);
        const kept = new Set(variations.map((v) => v.id));
        if (!kept.has(f.enabledVariationId) || !kept.has(f.disabledVariationId)) throw new BusinessRule('VariationInUse');
        return { ...f, variationType, variations };
      }),

    setOffVariation: (p: OrgPrincipal, envId: string, key: string, offVariationId: string) =>
      mutate(p, envId, key, 'UpdateFlagOffVariation', (f) => {
        if (!f.variations.some((v) => v.id === offVariationId)) throw new BadRequest('offVariationId_is_invalid');
        return { ...f, disabledVariationId: offVariationId };
      }),

    /** Only an archived flag can be deleted (422 FlagNotArchived). */
    async remove(p: OrgPrincipal, envId: string, key: string): Promise<true> {
      return inTransaction(envId, async (trx) => {
        const env = await environment(trx, p, envId);
        const store = flagStore(trx, dialect);
        const flag = await store.find(p.org.id, env.id, key, true);
        if (!flag) throw new NotFound();
        requirePermission(p, 'DeleteFlag', flagRn(env, flag.key, flag.tags));
        if (!flag.isArchived) throw new BusinessRule('FlagNotArchived');
        await store.remove(p.org.id, flag.id);
        await record(trx, p, 'DeleteFlag', env, flag, flag, null);
        return true as const;
      });
    },
  };
}

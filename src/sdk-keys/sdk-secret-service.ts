// Rules for an environment's SDK keys. Each change: find the environment in the caller's organization (404), check
// FeatBit's action on the environment's RN (403), then find the key (404), change and audit in one transaction; a
// change that refuses a key (delete, rotate) drops it from every instance's cache before the response is sent.
import { actorOf, requirePermission, type OrgPrincipal } from '../auth/principal.ts';
import { formatRn } from '../policy/rn.ts';
import type { AppContext } from '../platform/context.ts';
import { BadRequest, BusinessRule, NotFound } from '../platform/errors.ts';
import type { DbTransaction } from '../platform/db.ts';
import { envRn, findEnvironmentRef, type EnvironmentRef } from '../environments/environment-read-model.ts';
import { mintSecret } from './environment-secrets.ts';
import { generateSdkSecret, sdkSecretHint, type SdkSecretType } from './sdk-key-format.ts';
import { sdkSecretStore, type SecretRow } from './sdk-secret-store.ts';
import { mintedView, secretView, type SecretView } from './sdk-secret-view.ts';

export type SdkSecretDeps = Pick<AppContext, 'kysely' | 'db' | 'clock' | 'ids' | 'audit' | 'digester' | 'invalidate'>;

export const MAX_GRACE_SECONDS = 86_400;
/** A bound on keys per environment, so a caller cannot grow one without limit. */
export const MAX_SECRETS_PER_ENV = 20;

/** Trimmed, 1–128 characters; otherwise a 400 with a stable code. */
export function secretName(input: string): string {
  const name = input.trim();
  if (name.length === 0) throw new BadRequest('name_is_required');
  if (name.length > 128) throw new BadRequest('name_is_invalid');
  return name;
}

// What the audit log keeps of a key: never the key, only its hint.
const snapshot = (s: SecretRow) => ({ name: s.name, type: s.type, hint: s.hint });

export function sdkSecretService(deps: SdkSecretDeps) {
  const { kysely, clock, ids, digester } = deps;
  const dialect = deps.db.dialect;

  const audit = (trx: DbTransaction, p: OrgPrincipal, action: string, env: EnvironmentRef, s: SecretRow, before: object | null, after: object | null) =>
    deps.audit.record(trx, {
      orgId: p.org.id,
      actor: actorOf(p),
      action,
      refType: 'env-secret',
      refId: s.id,
      refKey: s.name,
      rn: formatRn(envRn(env)),
      projectId: env.projectId,
      envId: env.id,
      before: before as Record<string, unknown> | null,
      after: after as Record<string, unknown> | null,
    });

  /** The environment (locked against a concurrent delete on PostgreSQL) once the caller holds every action on it. */
  async function environment(trx: DbTransaction, p: OrgPrincipal, envId: string, actions: string[]): Promise<EnvironmentRef> {
    const env = await findEnvironmentRef(trx, dialect, p.org.id, envId, true);
    if (!env) throw new NotFound();
    for (const action of actions) requirePermission(p, action, envRn(env));
    return env;
  }

  async function existing(trx: DbTransaction, p: OrgPrincipal, env: EnvironmentRef, id: string): Promise<SecretRow> {
    const s = await sdkSecretStore(trx, dialect).find(p.org.id, env.id, id, true);
    if (!s) throw new NotFound();
    return s;
  }

  return {
    async add(p: OrgPrincipal, envId: string, input: { name: string; type: SdkSecretType }): Promise<SecretView> {
      const now = clock.now();
      return kysely.transaction().execute(async (trx) => {
        // A key reads everything CanAccessEnv reads: minting one needs that too, or it would hand out more than the caller holds.
        const env = await environment(trx, p, envId, ['CreateEnvSecret', 'CanAccessEnv']);
        const name = secretName(input.name);
        const store = sdkSecretStore(trx);
        if ((await store.listForEnvironments(p.org.id, [env.id])).length >= MAX_SECRETS_PER_ENV) throw new BusinessRule('SecretLimitReached');
        const minted = mintSecret({ digester, ids }, p.org.id, env.id, name, input.type, now);
        await store.insert(minted.row);
        await audit(trx, p, 'CreateEnvSecret', env, minted.row, null, snapshot(minted.row));
        return mintedView(minted, now);
      });
    },

    async rename(p: OrgPrincipal, envId: string, id: string, input: { name: string }): Promise<SecretView> {
      const now = clock.now();
      return kysely.transaction().execute(async (trx) => {
        const env = await environment(trx, p, envId, ['UpdateEnvSecret']);
        const s = await existing(trx, p, env, id);
        const name = secretName(input.name);
        if (name === s.name) return secretView(s, now);
        const after = { ...s, name, updatedAt: now };
        await sdkSecretStore(trx).rename(p.org.id, s.id, name, now);
        await audit(trx, p, 'UpdateEnvSecret', env, s, snapshot(s), snapshot(after));
        return secretView(after, now);
      });
    },

    /**
     * A new key for the same secret; the old one keeps working for `graceSeconds` (0: stops now). It hands out a new
     * working key, so it takes what adding a key takes (CreateEnvSecret and CanAccessEnv) besides UpdateEnvSecret.
     */
    async rotate(p: OrgPrincipal, envId: string, id: string, graceSeconds: number): Promise<SecretView> {
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) throw new BadRequest('graceSeconds_is_invalid');
      const now = clock.now();
      const result = await kysely.transaction().execute(async (trx) => {
        const env = await environment(trx, p, envId, ['UpdateEnvSecret', 'CreateEnvSecret', 'CanAccessEnv']);
        const s = await existing(trx, p, env, id);
        const fresh = generateSdkSecret(s.type);
        const prevUntil = graceSeconds > 0 ? now + graceSeconds * 1000 : null;
        const after: SecretRow = {
          ...s,
          digest: digester.digest(fresh),
          hint: sdkSecretHint(fresh),
          value: s.type === 'client' ? fresh : null,
          prevDigest: prevUntil !== null ? s.digest : null,
          prevUntil,
          updatedAt: now,
        };
        await sdkSecretStore(trx).rotate(p.org.id, s.id, after, now);
        await audit(trx, p, 'RotateEnvSecret', env, s, snapshot(s), { ...snapshot(after), graceSeconds });
        return { env, view: mintedView({ row: after, value: fresh }, now), prevUntil };
      });
      // Every instance forgets the old key now and, once the grace ends, refuses it (and closes its sockets).
      await deps.invalidate({ kind: 'sdk-secrets', envIds: [result.env.id], secretId: id, reason: 'rotated', graceUntil: result.prevUntil });
      return result.view;
    },

    async remove(p: OrgPrincipal, envId: string, id: string): Promise<true> {
      const env = await kysely.transaction().execute(async (trx) => {
        const env = await environment(trx, p, envId, ['DeleteEnvSecret']);
        const s = await existing(trx, p, env, id);
        await sdkSecretStore(trx).remove(p.org.id, s.id);
        await audit(trx, p, 'DeleteEnvSecret', env, s, snapshot(s), null);
        return env;
      });
      await deps.invalidate({ kind: 'sdk-secrets', envIds: [env.id], secretId: id, reason: 'deleted', graceUntil: null });
      return true;
    },
  };
}

export type SdkSecretService = ReturnType<typeof sdkSecretService>;

// What the projects feature needs of SDK keys: mint the two every environment starts with, show an environment's
// keys, and remove them with the environment. Writes take the caller's transaction.
import type { Digester } from '../auth/credential-format.ts';
import type { Ids } from '../platform/clock.ts';
import { generateSdkSecret, sdkSecretHint, type SdkSecretType } from './sdk-key-format.ts';
import { sdkSecretStore, type Q, type SecretRow } from './sdk-secret-store.ts';
import { mintedView, secretView, type MintedSecret, type SecretView } from './sdk-secret-view.ts';

/** Every environment starts with one key of each type, named as FeatBit names them. */
const INITIAL_SECRETS: readonly { name: string; type: SdkSecretType }[] = [
  { name: 'Server Key', type: 'server' },
  { name: 'Client Key', type: 'client' },
];

/** A new key of `type`: the row to store (a keyed digest; the whole value only for a client key) and the value to show once. */
export function mintSecret(deps: { digester: Digester; ids: Ids }, orgId: string, envId: string, name: string, type: SdkSecretType, now: number): MintedSecret {
  const value = generateSdkSecret(type);
  const row: SecretRow = {
    id: deps.ids.next(),
    orgId,
    envId,
    name,
    type,
    digest: deps.digester.digest(value),
    hint: sdkSecretHint(value),
    value: type === 'client' ? value : null,
    prevDigest: null,
    prevUntil: null,
    createdAt: now,
    updatedAt: now,
  };
  return { row, value };
}

export function environmentSecrets(deps: { digester: Digester; ids: Ids }) {
  return {
    /** Stores the initial keys of a new environment and returns them whole (the response that creates them). */
    async createInitial(trx: Q, orgId: string, envId: string, now: number): Promise<SecretView[]> {
      const minted = INITIAL_SECRETS.map((s) => mintSecret(deps, orgId, envId, s.name, s.type, now));
      const store = sdkSecretStore(trx);
      for (const m of minted) await store.insert(m.row);
      return minted.map((m) => mintedView(m, now));
    },

    /** Each environment's keys as views (server keys as hints), by environment id. */
    async viewsByEnvironment(db: Q, orgId: string, envIds: string[], now: number): Promise<Map<string, SecretView[]>> {
      const byEnv = new Map<string, SecretView[]>(envIds.map((id) => [id, []]));
      for (const s of await sdkSecretStore(db).listForEnvironments(orgId, envIds)) byEnv.get(s.envId)?.push(secretView(s, now));
      return byEnv;
    },

    /** Before the environments are deleted; the caller publishes the revocation once committed. */
    async removeFor(trx: Q, orgId: string, envIds: string[]): Promise<void> {
      await sdkSecretStore(trx).removeForEnvironments(orgId, envIds);
    },
  };
}

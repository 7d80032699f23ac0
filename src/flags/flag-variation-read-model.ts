// Read model for flag insights: which variation ids each flag of some environments has, so that only evaluations
// of real flags and variations are ever stored (an SDK key holder cannot fill the table with made-up keys).
import type { Kysely } from 'kysely';
import type { Database } from '../platform/tables.ts';
import type { Variation } from './flag-variations.ts';

/** envId → flag key → its variation ids, for the flags (archived ones too) of `envIds`. */
export async function variationIdsByFlag(db: Kysely<Database>, envIds: readonly string[]): Promise<Map<string, Map<string, Set<string>>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  if (envIds.length === 0) return out;
  const rows = await db
    .selectFrom('feature_flags')
    .select(['env_id', 'key', 'variations'])
    .where('env_id', 'in', [...envIds])
    .execute();
  for (const r of rows) {
    const flags = out.get(r.env_id) ?? new Map<string, Set<string>>();
    flags.set(r.key, new Set((JSON.parse(r.variations) as Variation[]).map((v) => v.id)));
    out.set(r.env_id, flags);
  }
  return out;
}

// A flag as the API shows it: the whole flag (FeatBit's FeatureFlag) for one flag, FeatBit's FeatureFlagVm for list items.
import type { FlagRow } from './flag-store.ts';
import type { Variation } from './flag-variations.ts';

/** A flag as the API shows it: the stored flag, with its times as ISO strings. */
export type FlagView = Omit<FlagRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

export const flagView = (f: FlagRow): FlagView => ({ ...f, createdAt: new Date(f.createdAt).toISOString(), updatedAt: new Date(f.updatedAt).toISOString() });

/** FeatBit's UserVm: who created or last changed something. A service token shows as its id and name with the email "Access token". */
export interface UserVm {
  id: string;
  name: string;
  email: string;
}

/** FeatBit's LastChangeVm: the latest audit entry of a flag. */
export interface LastChangeVm {
  operator: UserVm;
  happenedAt: string;
  comment: string;
}

/** FeatBit's Serves: the values the flag can serve when on, and the value it serves when off. */
export interface Serves {
  enabledVariations: string[];
  disabledVariation: string;
}

/** A list item, as FeatBit's FeatureFlagVm (Application/FeatureFlags/FeatureFlagVm.cs). */
export interface FeatureFlagVm {
  id: string;
  name: string;
  description: string;
  key: string;
  isEnabled: boolean;
  variationType: string;
  variations: Variation[];
  createdAt: string;
  updatedAt: string;
  creator: UserVm | null;
  serves: Serves;
  tags: string[];
  lastChange: LastChangeVm | null;
}

const notEmpty = (rollout: readonly number[]) => rollout[1] - rollout[0] !== 0;

/**
 * FeatBit's FeatureFlag.Serves(): the values of the variations that targeted users, rules and the
 * fallthrough can serve (each once, in the flag's variation order), and the off variation's value.
 */
export function servesOf(f: FlagRow): Serves {
  const ids = new Set([
    ...f.targetUsers.filter((t) => t.keyIds.length > 0).map((t) => t.variationId),
    ...f.rules.flatMap((r) => r.variations.filter((v) => notEmpty(v.rollout)).map((v) => v.id)),
    ...f.fallthrough.variations.filter((v) => notEmpty(v.rollout)).map((v) => v.id),
  ]);
  return {
    enabledVariations: f.variations.filter((v) => ids.has(v.id)).map((v) => v.value),
    disabledVariation: f.variations.find((v) => v.id === f.disabledVariationId)?.value ?? '',
  };
}

export const featureFlagVm = (f: FlagRow, creator: UserVm | null, lastChange: LastChangeVm | null): FeatureFlagVm => ({
  id: f.id,
  name: f.name,
  description: f.description,
  key: f.key,
  isEnabled: f.isEnabled,
  variationType: f.variationType,
  variations: f.variations,
  createdAt: new Date(f.createdAt).toISOString(),
  updatedAt: new Date(f.updatedAt).toISOString(),
  creator,
  serves: servesOf(f),
  tags: f.tags,
  lastChange,
});

// What JSON Patch may change on a flag (PATCH /envs/{envId}/feature-flags/{key}), and the IAM action each field needs.
import { Type, type Static } from 'typebox';
import { Tag } from '../projects/tags.ts';
import { FallthroughView, TargetRuleView, TargetUserView } from '../targeting/targeting-schemas.ts';

const VariationId = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' });

/** The patchable document: anything else (id, key, revision, isArchived, times) is refused with path_is_invalid. */
export const EditableFlag = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.String({ maxLength: 2048 }),
  isEnabled: Type.Boolean(),
  variationType: Type.Union([Type.Literal('boolean'), Type.Literal('string'), Type.Literal('number'), Type.Literal('json')]),
  variations: Type.Array(Type.Object({ id: VariationId, name: Type.String({ maxLength: 128 }), value: Type.String({ maxLength: 65536 }) }, { additionalProperties: false }), { maxItems: 100 }),
  enabledVariationId: VariationId,
  disabledVariationId: VariationId,
  tags: Type.Array(Tag, { maxItems: 32 }),
  targetUsers: Type.Array(Type.Object(TargetUserView.properties, { additionalProperties: false }), { maxItems: 100 }),
  rules: Type.Array(TargetRuleView, { maxItems: 100 }),
  fallthrough: FallthroughView,
  exptIncludeAllTargets: Type.Boolean(),
});
export type EditableFlagFields = Static<typeof EditableFlag>;

/** The action each editable field needs when it moves (FeatBit's permission names). */
export const FLAG_FIELD_ACTIONS: Record<keyof EditableFlagFields, string> = {
  name: 'UpdateFlagName',
  description: 'UpdateFlagDescription',
  isEnabled: 'ToggleFlag',
  variationType: 'UpdateFlagVariations',
  variations: 'UpdateFlagVariations',
  enabledVariationId: 'UpdateFlagDefaultRule',
  disabledVariationId: 'UpdateFlagOffVariation',
  tags: 'UpdateFlagTags',
  targetUsers: 'UpdateFlagIndividualTargeting',
  rules: 'UpdateFlagTargetingRules',
  fallthrough: 'UpdateFlagDefaultRule',
  exptIncludeAllTargets: 'UpdateFlagDefaultRule',
};

// What JSON Patch may change on a segment (PATCH /envs/{envId}/segments/{id}), and the IAM action each field needs.
import { Type, type Static } from 'typebox';
import { Tag } from '../projects/tags.ts';
import { MatchRuleView } from '../targeting/targeting-schemas.ts';

const Users = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 10000 });

/** The patchable document: anything else (id, key, type, scopes, isArchived, times) is refused with path_is_invalid. */
export const EditableSegment = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.String({ maxLength: 2048 }),
  tags: Type.Array(Tag, { maxItems: 32 }),
  included: Users,
  excluded: Users,
  rules: Type.Array(MatchRuleView, { maxItems: 100 }),
});
export type EditableSegmentFields = Static<typeof EditableSegment>;

export const SEGMENT_FIELD_ACTIONS: Record<keyof EditableSegmentFields, string> = {
  name: 'UpdateSegmentName',
  description: 'UpdateSegmentDescription',
  tags: 'UpdateSegmentTags',
  included: 'UpdateSegmentTargetingUsers',
  excluded: 'UpdateSegmentTargetingUsers',
  rules: 'UpdateSegmentRules',
};

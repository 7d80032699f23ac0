// Tags of flags and segments. They appear inside RNs (`…:flag/checkout;beta,pay`), so they
// must never contain `:`, `;`, `,` or `/`; the pattern below admits none of them.
import { Type } from '../platform/schemas.ts';
import { BadRequest } from '../platform/errors.ts';

export const TAG_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
const TAG = new RegExp(TAG_PATTERN);

export const Tag = Type.String({ pattern: TAG_PATTERN });
export const TagList = Type.Array(Tag, { maxItems: 32 });

/** Stored and compared without duplicates, in the order given. */
export const normalizeTags = (tags: readonly string[]): string[] => [...new Set(tags)];

/**
 * `r` with new tags, once `mayTag` (which throws to refuse) allows them as they would be: a retag needs its action on the
 * resource as tagged now and as it would be tagged, so nobody tags a flag or segment out of a deny.
 */
export function retagged<R extends { tags: string[] }>(r: R, tags: readonly string[], mayTag: (next: string[]) => void): R {
  const next = normalizeTags(tags);
  mayTag(next);
  return { ...r, tags: next };
}

/** `?tags=a,b&tags=c` → [a, b, c]; a list keeps what carries all of them (FeatBit's filter). A malformed tag is a 400, not a silent miss. */
export function parseTagFilter(raw: readonly string[] | undefined): string[] {
  const tags = (raw ?? [])
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  if (!tags.every((t) => TAG.test(t))) throw new BadRequest('tags_is_invalid');
  return normalizeTags(tags);
}

/** The querystring schema of a tag filter: repeated or comma-separated. */
export const TagFilter = Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 32 }));

/**
 * The body of a PUT …/tags: the array itself (FeatBit's flags) or `{tags, comment?}` (FeatBit's segments).
 * One schema rather than a union, so a bad tag reports `tags_is_invalid` instead of every branch's error.
 */
export const TagsBody = Type.Unsafe<string[] | { tags: string[]; comment?: string }>({
  type: ['array', 'object'],
  items: Tag,
  maxItems: 32,
  properties: { tags: TagList, comment: Type.String({ maxLength: 1024 }) },
  required: ['tags'],
  additionalProperties: false,
});

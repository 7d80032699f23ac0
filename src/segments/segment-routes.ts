// HTTP for segments (FeatBit's paths: /envs/{envId}/segments/{segmentId}/…); rules live in segment-service.ts.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { BadRequest } from '../platform/errors.ts';
import { Description, Id, Key, Name, PageQuery, Paged, Type, optionalBody, responses } from '../platform/schemas.ts';
import { parseTagFilter, TagFilter, TagList, TagsBody } from '../projects/tags.ts';
import { MatchRuleView, MatchRules } from '../targeting/targeting-schemas.ts';
import { segmentService } from './segment-service.ts';

const UserKey = Type.String({ minLength: 1, maxLength: 256 });
const Users = Type.Array(UserKey, { maxItems: 10000 });
const Comment = Type.String({ maxLength: 1024 });
const CommentBody = optionalBody(Type.Object({ comment: Type.Optional(Comment) }, { additionalProperties: false }));
const SegmentTypeSchema = Type.Union([Type.Literal('environment-specific'), Type.Literal('shared')]);
const Scope = Type.String({ minLength: 1, maxLength: 300 });
const PatchOperations = Type.Array(
  Type.Object(
    { op: Type.String({ maxLength: 16 }), path: Type.String({ maxLength: 1024 }), from: Type.Optional(Type.String({ maxLength: 1024 })), value: Type.Optional(Type.Unknown()) },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 100 },
);

const Segment = Type.Object({
  id: Type.String(),
  envId: Type.String(),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  type: Type.String(),
  scopes: Type.Array(Type.String()),
  included: Type.Array(Type.String()),
  excluded: Type.Array(Type.String()),
  rules: Type.Array(MatchRuleView),
  tags: Type.Array(Type.String()),
  isArchived: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
/** What FeatBit's segment changes answer. */
const True = responses(Type.Boolean());
const FlagReference = Type.Object({ id: Type.String(), envId: Type.String(), name: Type.String(), key: Type.String() });

const EnvParams = Type.Object({ envId: Id });
const SegmentParams = Type.Object({ envId: Id, segmentId: Id });

export async function segmentRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const segments = segmentService(ctx);
  const tags = ['segments'];
  const base = '/envs/:envId/segments';

  app.get(
    base,
    {
      schema: {
        tags,
        summary:
          "List the environment's segments and its project's shared segments that cover it, most recently changed first (each item holds FeatBit's SegmentVm fields and the rest of the segment); name matches name or key, tags keeps segments carrying all of them, archived segments only with isArchived=true [CanAccessEnv]",
        params: EnvParams,
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), tags: TagFilter, isArchived: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(Segment)),
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { name: q.name?.trim() || undefined, tags: parseTagFilter(q.tags), isArchived: q.isArchived ?? false };
      return ok(await segments.list(orgPrincipalOf(request), request.params.envId, filter, q.pageIndex ?? 0, q.pageSize ?? 10));
    },
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary:
          "Create a segment; FeatBit's {type, name, key, description, scopes} or {key, name, description?, included?, excluded?, tags?}. A shared segment's scopes are its project's RN or RNs of its environments [CreateSegment on …:segment/* with its tags]",
        params: EnvParams,
        body: Type.Object(
          {
            key: Key,
            name: Name,
            description: Type.Optional(Description),
            type: Type.Optional(SegmentTypeSchema),
            scopes: Type.Optional(Type.Array(Scope, { maxItems: 100 })),
            included: Type.Optional(Users),
            excluded: Type.Optional(Users),
            tags: Type.Optional(TagList),
          },
          { additionalProperties: false },
        ),
        response: responses(Segment),
      },
    },
    async (request) => ok(await segments.create(orgPrincipalOf(request), request.params.envId, request.body)),
  );

  app.get(
    `${base}/by-ids`,
    {
      schema: {
        tags,
        summary: 'The segments with these ids (comma-separated or repeated) that the environment can use; unknown ids are left out [CanAccessEnv]',
        params: EnvParams,
        querystring: Type.Object({ ids: Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 100 }) }),
        response: responses(Type.Array(Segment)),
      },
    },
    async (request) => {
      const ids = request.query.ids
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean);
      if (ids.length > 100 || !ids.every((id) => /^[A-Za-z0-9-]{1,64}$/.test(id))) throw new BadRequest('ids_is_invalid');
      return ok(await segments.byIds(orgPrincipalOf(request), request.params.envId, ids));
    },
  );

  app.get(
    `${base}/all-tags`,
    { schema: { tags, summary: 'The distinct tags of the unarchived segments the environment can see [CanAccessEnv]', params: EnvParams, response: responses(Type.Array(Type.String())) } },
    async (request) => ok(await segments.allTags(orgPrincipalOf(request), request.params.envId)),
  );

  app.get(`${base}/:segmentId`, { schema: { tags, summary: 'A segment [CanAccessEnv]', params: SegmentParams, response: responses(Segment) } }, async (request) =>
    ok(await segments.get(orgPrincipalOf(request), request.params.envId, request.params.segmentId)),
  );

  app.get(
    `${base}/:segmentId/flag-references`,
    { schema: { tags, summary: "The environment's flags whose rules name the segment [CanAccessEnv]", params: SegmentParams, response: responses(Type.Array(FlagReference)) } },
    async (request) => ok(await segments.flagReferences(orgPrincipalOf(request), request.params.envId, request.params.segmentId)),
  );

  app.delete(
    `${base}/:segmentId`,
    { schema: { tags, summary: 'Delete an archived segment (422 CannotDeleteUnArchivedSegment otherwise) → true [DeleteSegment]', params: SegmentParams, body: CommentBody, response: True } },
    async (request) => ok(await segments.remove(orgPrincipalOf(request), request.params.envId, request.params.segmentId, { comment: request.body?.comment })),
  );

  app.put(
    `${base}/:segmentId/name`,
    {
      schema: {
        tags,
        summary: 'Rename a segment → true [UpdateSegmentName]',
        params: SegmentParams,
        body: Type.Object({ name: Name, comment: Type.Optional(Comment) }, { additionalProperties: false }),
        response: True,
      },
    },
    async (request) => ok(await segments.rename(orgPrincipalOf(request), request.params.envId, request.params.segmentId, request.body.name, { comment: request.body.comment })),
  );

  app.put(
    `${base}/:segmentId/description`,
    {
      schema: {
        tags,
        summary: "Set a segment's description → true [UpdateSegmentDescription]",
        params: SegmentParams,
        body: Type.Object({ description: Description, comment: Type.Optional(Comment) }, { additionalProperties: false }),
        response: True,
      },
    },
    async (request) => ok(await segments.describe(orgPrincipalOf(request), request.params.envId, request.params.segmentId, request.body.description, { comment: request.body.comment })),
  );

  app.put(
    `${base}/:segmentId/tags`,
    {
      schema: {
        tags,
        summary: "Replace a segment's tags; the body is {tags, comment?} (FeatBit) or the array → true [UpdateSegmentTags on the segment as tagged now and as it will be tagged]",
        params: SegmentParams,
        body: TagsBody,
        response: True,
      },
    },
    async (request) => {
      const body = request.body;
      const comment = Array.isArray(body) ? undefined : body.comment;
      return ok(await segments.setTags(orgPrincipalOf(request), request.params.envId, request.params.segmentId, Array.isArray(body) ? body : body.tags, { comment }));
    },
  );

  app.put(
    `${base}/:segmentId/targeting`,
    {
      schema: {
        tags,
        summary:
          'Replace the included and excluded users and the rules → true; a part left out stays as it is. Each part that changes needs its action: included/excluded [UpdateSegmentTargetingUsers], rules [UpdateSegmentRules]',
        params: SegmentParams,
        body: Type.Object({ included: Type.Optional(Users), excluded: Type.Optional(Users), rules: Type.Optional(MatchRules), comment: Type.Optional(Comment) }, { additionalProperties: false }),
        response: True,
      },
    },
    async (request) => ok(await segments.setTargeting(orgPrincipalOf(request), request.params.envId, request.params.segmentId, request.body)),
  );

  app.patch(
    `${base}/:segmentId`,
    {
      schema: {
        tags,
        summary: 'JSON Patch (RFC 6902) on name, description, tags, included, excluded, rules; each field that changes needs its own action → true',
        params: SegmentParams,
        body: PatchOperations,
        response: responses(Type.Boolean()),
      },
    },
    async (request) => ok(await segments.patch(orgPrincipalOf(request), request.params.envId, request.params.segmentId, request.body)),
  );

  app.put(
    `${base}/:segmentId/archive`,
    { schema: { tags, summary: 'Archive a segment → true; 422 SegmentIsBeingUsed while a flag names it [ArchiveSegment]', params: SegmentParams, body: CommentBody, response: True } },
    async (request) => ok(await segments.archive(orgPrincipalOf(request), request.params.envId, request.params.segmentId, { comment: request.body?.comment })),
  );

  app.put(
    `${base}/:segmentId/restore`,
    { schema: { tags, summary: 'Restore an archived segment → true [RestoreSegment]', params: SegmentParams, body: CommentBody, response: True } },
    async (request) => ok(await segments.restore(orgPrincipalOf(request), request.params.envId, request.params.segmentId, { comment: request.body?.comment })),
  );
}

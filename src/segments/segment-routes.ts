// HTTP for segments (FeatBit's paths: /envs/{envId}/segments/{segmentId}/…); rules live in segment-service.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Description, Id, Key, Name, PageQuery, Paged, Type, responses } from '../platform/schemas.ts';
import { parseTagFilter, TagFilter, TagList, TagsBody } from '../projects/tags.ts';
import { segmentService, type CreateSegmentInput } from './segment-service.ts';

const UserKey = Type.String({ minLength: 1, maxLength: 256 });
const Users = Type.Array(UserKey, { maxItems: 10000 });

const Segment = Type.Object({
  id: Type.String(),
  envId: Type.String(),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  included: Type.Array(Type.String()),
  excluded: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  isArchived: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const EnvParams = Type.Object({ envId: Id });
const SegmentParams = Type.Object({ envId: Id, segmentId: Id });

export async function segmentRoutes(app: FastifyInstance, ctx: AppContext) {
  const segments = segmentService(ctx);
  const tags = ['segments'];
  const base = '/envs/:envId/segments';
  const params = (request: { params: unknown }) => request.params as { envId: string; segmentId: string };

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'List segments; name matches name or key, tags is any-of, archived segments only with isArchived=true [CanAccessEnv]',
        params: EnvParams,
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), tags: TagFilter, isArchived: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: responses(Paged(Segment)),
      },
    },
    async (request) => {
      const q = request.query as { name?: string; tags?: string[]; isArchived?: boolean; pageIndex?: number; pageSize?: number };
      const filter = { name: q.name?.trim() || undefined, tags: parseTagFilter(q.tags), isArchived: q.isArchived ?? false };
      return ok(await segments.list(orgPrincipalOf(request), params(request).envId, filter, q.pageIndex ?? 0, q.pageSize ?? 10));
    },
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create a segment [CreateSegment on …:segment/* with its tags]',
        params: EnvParams,
        body: Type.Object(
          { key: Key, name: Name, description: Type.Optional(Description), included: Type.Optional(Users), excluded: Type.Optional(Users), tags: Type.Optional(TagList) },
          { additionalProperties: false },
        ),
        response: responses(Segment),
      },
    },
    async (request) => ok(await segments.create(orgPrincipalOf(request), params(request).envId, request.body as CreateSegmentInput)),
  );

  app.get(`${base}/:segmentId`, { schema: { tags, summary: 'A segment [CanAccessEnv]', params: SegmentParams, response: responses(Segment) } }, async (request) =>
    ok(await segments.get(orgPrincipalOf(request), params(request).envId, params(request).segmentId)),
  );

  app.delete(
    `${base}/:segmentId`,
    { schema: { tags, summary: 'Delete an archived segment (422 SegmentNotArchived otherwise) [DeleteSegment]', params: SegmentParams, response: responses(Type.Boolean()) } },
    async (request) => ok(await segments.remove(orgPrincipalOf(request), params(request).envId, params(request).segmentId)),
  );

  app.put(
    `${base}/:segmentId/name`,
    { schema: { tags, summary: 'Rename a segment [UpdateSegmentName]', params: SegmentParams, body: Type.Object({ name: Name }, { additionalProperties: false }), response: responses(Segment) } },
    async (request) => ok(await segments.rename(orgPrincipalOf(request), params(request).envId, params(request).segmentId, (request.body as { name: string }).name)),
  );

  app.put(
    `${base}/:segmentId/description`,
    {
      schema: {
        tags,
        summary: "Set a segment's description [UpdateSegmentDescription]",
        params: SegmentParams,
        body: Type.Object({ description: Description }, { additionalProperties: false }),
        response: responses(Segment),
      },
    },
    async (request) => ok(await segments.describe(orgPrincipalOf(request), params(request).envId, params(request).segmentId, (request.body as { description: string }).description)),
  );

  app.put(
    `${base}/:segmentId/tags`,
    {
      schema: {
        tags,
        summary: "Replace a segment's tags; the body is {tags} (FeatBit) or the array [UpdateSegmentTags on the segment as tagged now and as it will be tagged]",
        params: SegmentParams,
        body: TagsBody,
        response: responses(Segment),
      },
    },
    async (request) => {
      const body = request.body as string[] | { tags: string[] };
      return ok(await segments.setTags(orgPrincipalOf(request), params(request).envId, params(request).segmentId, Array.isArray(body) ? body : body.tags));
    },
  );

  app.put(
    `${base}/:segmentId/targeting`,
    {
      schema: {
        tags,
        summary: 'Replace the included and excluded users [UpdateSegmentTargetingUsers]',
        params: SegmentParams,
        body: Type.Object({ included: Users, excluded: Users }, { additionalProperties: false }),
        response: responses(Segment),
      },
    },
    async (request) => ok(await segments.setTargeting(orgPrincipalOf(request), params(request).envId, params(request).segmentId, request.body as { included: string[]; excluded: string[] })),
  );

  app.put(`${base}/:segmentId/archive`, { schema: { tags, summary: 'Archive a segment [ArchiveSegment]', params: SegmentParams, response: responses(Segment) } }, async (request) =>
    ok(await segments.archive(orgPrincipalOf(request), params(request).envId, params(request).segmentId)),
  );

  app.put(`${base}/:segmentId/restore`, { schema: { tags, summary: 'Restore an archived segment [RestoreSegment]', params: SegmentParams, response: responses(Segment) } }, async (request) =>
    ok(await segments.restore(orgPrincipalOf(request), params(request).envId, params(request).segmentId)),
  );
}

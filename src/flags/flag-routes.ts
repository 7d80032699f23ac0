// HTTP for feature flags (FeatBit's paths: /envs/{envId}/feature-flags/…); rules live in flag-service.ts.
import type { FastifyInstance } from 'fastify';
import { Value } from 'typebox/value';
import type { Static, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Description, Id, Key, Name, PageQuery, Paged, Type, optionalBody, responses } from '../platform/schemas.ts';
import { FallthroughView, FlagTargetingInput, TargetRuleView, TargetUserView } from '../targeting/targeting-schemas.ts';
import { parseTagFilter, TagFilter, TagList, TagsBody } from '../projects/tags.ts';
import { createFlagFastRead, type SerializedBody } from './flag-fast-read.ts';
import { flagService, type FlagView } from './flag-service.ts';
import { VARIATION_TYPES, type VariationInput, type VariationType } from './flag-variations.ts';

/** A note for the audit entry, accepted by every update route (FeatBit's ResourceChangeRequest). */
export const Comment = Type.String({ maxLength: 1024 });
const CommentBody = optionalBody(Type.Object({ comment: Type.Optional(Comment) }, { additionalProperties: false }));
/** FeatBit's revision: a GUID the caller read; a stale one is refused with 409 Conflict. */
const Revision = Type.String({ minLength: 1, maxLength: 64 });
/** FeatBit's end user: keyId and name are built in; anything else is a customized property. */
const EvalUserSchema = Type.Object(
  {
    keyId: Type.String({ minLength: 1, maxLength: 256 }),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    customizedProperties: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), value: Type.String({ maxLength: 65536 }) }, { additionalProperties: false }), { maxItems: 100 }),
    ),
  },
  { additionalProperties: false },
);
const PatchOperations = Type.Array(
  Type.Object(
    { op: Type.String({ maxLength: 16 }), path: Type.String({ maxLength: 1024 }), from: Type.Optional(Type.String({ maxLength: 1024 })), value: Type.Optional(Type.Unknown()) },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 100 },
);

const VariationId = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' });
const VariationTypeSchema = Type.Union(VARIATION_TYPES.map((t) => Type.Literal(t)));
const Variation = Type.Object({ id: Type.String(), name: Type.String(), value: Type.String() });
const VariationBody = Type.Object({ id: Type.Optional(VariationId), name: Type.String({ maxLength: 128 }), value: Type.String({ maxLength: 65536 }) }, { additionalProperties: false });
const Variations = Type.Array(VariationBody, { maxItems: 100 });

const Flag = Type.Object({
  id: Type.String(),
  envId: Type.String(),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  isEnabled: Type.Boolean(),
  variationType: Type.String(),
  variations: Type.Array(Variation),
  enabledVariationId: Type.String(),
  disabledVariationId: Type.String(),
  revision: Type.String(),
  targetUsers: Type.Array(TargetUserView),
  rules: Type.Array(TargetRuleView),
  fallthrough: FallthroughView,
  exptIncludeAllTargets: Type.Boolean(),
  tags: Type.Array(Type.String()),
  isArchived: Type.Boolean(),
  creatorId: Type.String(),
  updatorId: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const UserVm = Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() });
/** A list item: FeatBit's FeatureFlagVm. */
const FeatureFlagVm = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  key: Type.String(),
  isEnabled: Type.Boolean(),
  variationType: Type.String(),
  variations: Type.Array(Variation),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  creator: Type.Union([UserVm, Type.Null()]),
  serves: Type.Object({ enabledVariations: Type.Array(Type.String()), disabledVariation: Type.String() }),
  tags: Type.Array(Type.String()),
  lastChange: Type.Union([Type.Object({ operator: UserVm, happenedAt: Type.String(), comment: Type.String() }), Type.Null()]),
});
/** What FeatBit's field updates answer: the flag's revision after the change. */
const NewRevision = responses(Type.String({ description: "the flag's revision after the change" }));
const True = responses(Type.Boolean());
/** FeatBit's UI sends `isEnabled=` for "any": an empty value is no filter. */
const OptionalBoolean = Type.Optional(Type.Union([Type.Boolean(), Type.Literal('')]));

const EnvParams = Type.Object({ envId: Id });
const FlagParams = Type.Object({ envId: Id, key: Key });
const EvaluateBody = Type.Object({ user: EvalUserSchema }, { additionalProperties: false });
const EvaluationView = Type.Object({ variation: Type.Union([Type.Object({ id: Type.String(), value: Type.String() }), Type.Null()]), reason: Type.String(), kind: Type.String() });

export async function flagRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const flags = flagService(ctx);
  const tags = ['feature-flags'];
  const base = '/envs/:envId/feature-flags';

  app.get(
    base,
    {
      schema: {
        tags,
        summary:
          "List flags as FeatBit's FeatureFlagVm; name matches name or key, tags keeps flags carrying all of them, isEnabled= (empty) is no filter, archived flags only with isArchived=true; newest first, or by key with sortBy=key [CanAccessEnv]",
        params: EnvParams,
        querystring: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 256 })),
          tags: TagFilter,
          isEnabled: OptionalBoolean,
          isArchived: OptionalBoolean,
          sortBy: Type.Optional(Type.String({ maxLength: 64 })),
          ...PageQuery,
        }),
        response: responses(Paged(FeatureFlagVm)),
      },
    },
    async (request) => {
      const q = request.query;
      const filter = {
        name: q.name?.trim() || undefined,
        tags: parseTagFilter(q.tags),
        isEnabled: q.isEnabled === '' ? undefined : q.isEnabled,
        isArchived: q.isArchived === true,
        sortBy: q.sortBy,
      };
      return ok(await flags.list(orgPrincipalOf(request), request.params.envId, filter, q.pageIndex ?? 0, q.pageSize ?? 10));
    },
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create a flag; by default a boolean flag serving true when on and false when off; a taken key → 422 KeyHasBeenUsed [CreateFlag on …:flag/* with its tags]',
        params: EnvParams,
        body: Type.Object(
          {
            key: Key,
            name: Name,
            description: Type.Optional(Description),
            isEnabled: Type.Optional(Type.Boolean()),
            variationType: Type.Optional(VariationTypeSchema),
            variations: Type.Optional(Variations),
            enabledVariationId: Type.Optional(VariationId),
            disabledVariationId: Type.Optional(VariationId),
            tags: Type.Optional(TagList),
          },
          { additionalProperties: false },
        ),
        response: responses(Flag),
      },
    },
    async (request) => ok(await flags.create(orgPrincipalOf(request), request.params.envId, request.body)),
  );

  // The hot read. Its 200 names `data` as a Flag, not Flag | null: a union makes the serializer validate
  // the object against each branch on every response (about a microsecond here). And a cached flag view
  // (immutable, shared by every request that reads it) has its body serialized once, by this route's
  // own response schema, then sent as is.
  // Repeated reads with an access token are answered from those bodies before routing (flag-fast-read.ts).
  // A check added to this route must be added there too (or make it step aside): before-routing.test.ts compares them.
  const bodies = new WeakMap<FlagView, SerializedBody>();
  // It sends the serialized text itself, so its reply is untyped; its params are typed by FlagParams.
  untyped.get<{ Params: Static<typeof FlagParams> }>(
    `${base}/:key`,
    {
      schema: {
        tags,
        summary: 'A flag [CanAccessEnv]',
        params: FlagParams,
        response: { ...responses(Flag), 200: Type.Object({ success: Type.Boolean(), errors: Type.Array(Type.String()), data: Flag }) },
      },
    },
    async (request, reply) => {
      const { envId, key } = request.params;
      const view = await flags.get(orgPrincipalOf(request), envId, key);
      let body = bodies.get(view);
      if (body === undefined) {
        const text = reply.serialize(ok(view)) as string;
        body = { text, length: Buffer.byteLength(text) };
        if (Object.isFrozen(view)) bodies.set(view, body);
      }
      return reply.type('application/json; charset=utf-8').send(body.text);
    },
  );
  ctx.preRoute(createFlagFastRead({ prefix: app.prefix, auth: ctx.auth, flags, bodies, clock: ctx.clock, send: ctx.sendRaw }));

  app.put(
    `${base}/:key/toggle/:status`,
    {
      schema: {
        tags,
        summary: "Turn a flag on or off → the flag's revision [ToggleFlag]",
        params: Type.Object({ envId: Id, key: Key, status: Type.Union([Type.Literal('true'), Type.Literal('false')]) }),
        body: CommentBody,
        response: NewRevision,
      },
    },
    async (request) => {
      const { envId, key, status } = request.params;
      return ok(await flags.toggle(orgPrincipalOf(request), envId, key, status === 'true', { comment: request.body?.comment }));
    },
  );

  app.put(`${base}/:key/archive`, { schema: { tags, summary: 'Archive a flag → true [ArchiveFlag]', params: FlagParams, body: CommentBody, response: True } }, async (request) =>
    ok(await flags.archive(orgPrincipalOf(request), request.params.envId, request.params.key, { comment: request.body?.comment })),
  );

  app.put(`${base}/:key/restore`, { schema: { tags, summary: 'Restore an archived flag → true [RestoreFlag]', params: FlagParams, body: CommentBody, response: True } }, async (request) =>
    ok(await flags.restore(orgPrincipalOf(request), request.params.envId, request.params.key, { comment: request.body?.comment })),
  );

  app.delete(
    `${base}/:key`,
    { schema: { tags, summary: 'Delete an archived flag (422 CannotDeleteUnarchivedFeatureFlag otherwise) → true [DeleteFlag]', params: FlagParams, body: CommentBody, response: True } },
    async (request) => ok(await flags.remove(orgPrincipalOf(request), request.params.envId, request.params.key, { comment: request.body?.comment })),
  );

  app.put(
    `${base}/:key/name`,
    {
      schema: {
        tags,
        summary: "Rename a flag → the flag's revision [UpdateFlagName]",
        params: FlagParams,
        body: Type.Object({ name: Name, comment: Type.Optional(Comment) }, { additionalProperties: false }),
        response: NewRevision,
      },
    },
    async (request) => ok(await flags.rename(orgPrincipalOf(request), request.params.envId, request.params.key, request.body.name, { comment: request.body.comment })),
  );

  app.put(
    `${base}/:key/description`,
    {
      schema: {
        tags,
        summary: "Set a flag's description → the flag's revision [UpdateFlagDescription]",
        params: FlagParams,
        body: Type.Object({ description: Description, comment: Type.Optional(Comment) }, { additionalProperties: false }),
        response: NewRevision,
      },
    },
    async (request) => ok(await flags.describe(orgPrincipalOf(request), request.params.envId, request.params.key, request.body.description, { comment: request.body.comment })),
  );

  app.put(
    `${base}/:key/tags`,
    {
      schema: {
        tags,
        summary: "Replace a flag's tags; the body is the array (FeatBit) or {tags} → true [UpdateFlagTags on the flag as tagged now and as it will be tagged]",
        params: FlagParams,
        body: TagsBody,
        response: True,
      },
    },
    async (request) => {
      const body = request.body;
      const comment = Array.isArray(body) ? undefined : body.comment;
      return ok(await flags.setTags(orgPrincipalOf(request), request.params.envId, request.params.key, Array.isArray(body) ? body : body.tags, { comment }));
    },
  );

  app.put(
    `${base}/:key/variations`,
    {
      schema: {
        tags,
        summary:
          "Replace a flag's variations (and optionally its type) → the flag's revision; every variation served (on, off, targeting) must remain (422 VariationInUse); a stale revision → 409 [UpdateFlagVariations]",
        params: FlagParams,
        body: Type.Object(
          { variationType: Type.Optional(VariationTypeSchema), variations: Variations, revision: Type.Optional(Revision), comment: Type.Optional(Comment) },
          { additionalProperties: false },
        ),
        response: NewRevision,
      },
    },
    async (request) => {
      const { variationType, variations, revision, comment } = request.body;
      const input: { variationType?: VariationType; variations: VariationInput[] } = { variationType, variations };
      return ok(await flags.setVariations(orgPrincipalOf(request), request.params.envId, request.params.key, input, { revision, comment }));
    },
  );

  app.put(
    `${base}/:key/off-variation`,
    {
      schema: {
        tags,
        summary: "Choose the variation served when the flag is off → the flag's revision; a stale revision → 409 [UpdateFlagOffVariation]",
        params: FlagParams,
        body: Type.Object({ offVariationId: VariationId, revision: Type.Optional(Revision), comment: Type.Optional(Comment) }, { additionalProperties: false }),
        response: NewRevision,
      },
    },
    async (request) => {
      const { offVariationId, revision, comment } = request.body;
      return ok(await flags.setOffVariation(orgPrincipalOf(request), request.params.envId, request.params.key, offVariationId, { revision, comment }));
    },
  );

  app.put(
    `${base}/:key/targeting`,
    {
      schema: {
        tags,
        summary:
          "Replace a flag's targeting (FeatBit's body) → the flag's revision; a stale revision → 409. Each part that changes needs its action: targetUsers [UpdateFlagIndividualTargeting], rules [UpdateFlagTargetingRules], fallthrough and exptIncludeAllTargets [UpdateFlagDefaultRule]",
        params: FlagParams,
        body: Type.Object({ revision: Revision, targeting: FlagTargetingInput, comment: Type.Optional(Comment) }, { additionalProperties: false }),
        response: NewRevision,
      },
    },
    async (request) => ok(await flags.setTargeting(orgPrincipalOf(request), request.params.envId, request.params.key, request.body)),
  );

  app.patch(
    `${base}/:key`,
    {
      schema: {
        tags,
        summary:
          'JSON Patch (RFC 6902) on name, description, isEnabled, variationType, variations, enabledVariationId, disabledVariationId, tags, targetUsers, rules, fallthrough, exptIncludeAllTargets; each field that changes needs its own action → true',
        params: FlagParams,
        body: PatchOperations,
        response: responses(Type.Boolean()),
      },
    },
    async (request) => ok(await flags.patch(orgPrincipalOf(request), request.params.envId, request.params.key, request.body)),
  );

  app.post(
    `${base}/:key/evaluate`,
    {
      schema: {
        tags,
        summary: "The variation a user gets from the flag, with FeatBit's reason (an SDK's answer, computed on the server) [CanAccessEnv]",
        params: FlagParams,
        body: EvaluateBody,
        response: responses(EvaluationView),
      },
    },
    async (request) => ok(await flags.evaluate(orgPrincipalOf(request), request.params.envId, request.params.key, request.body.user)),
  );

  app.get(
    `${base}/all-tags`,
    { schema: { tags, summary: "The distinct tags of the environment's unarchived flags [CanAccessEnv]", params: EnvParams, response: responses(Type.Array(Type.String())) } },
    async (request) => ok(await flags.allTags(orgPrincipalOf(request), request.params.envId)),
  );

  app.get(
    `${base}/:key/pending-changes`,
    { schema: { tags, summary: 'Scheduled changes and change requests of a flag: none exist yet, so always [] [CanAccessEnv]', params: FlagParams, response: responses(Type.Array(Type.Unknown())) } },
    async (request) => ok(await flags.pendingChanges(orgPrincipalOf(request), request.params.envId, request.params.key)),
  );

  app.post(
    `${base}/clone/:key`,
    {
      schema: {
        tags,
        summary: "Copy a flag under a new key → true; description and tags default to the source's; a taken key → 422 KeyHasBeenUsed [CloneFlag on the source and CreateFlag on …:flag/*]",
        params: FlagParams,
        body: Type.Object({ key: Key, name: Name, description: Type.Optional(Description), tags: Type.Optional(TagList) }, { additionalProperties: false }),
        response: True,
      },
      // FeatBit's clone path has a static `clone` segment, so evaluating a flag keyed `clone`
      // (`POST …/feature-flags/clone/evaluate`) is routed here, as if cloning a flag keyed `evaluate`. A clone body
      // needs `key` and `name`; an evaluation body is exactly `{user}`: the one that is an evaluation is answered as
      // the evaluate route answers it (the same service call, so the same CanAccessEnv check and envelope).
      preValidation: async (request, reply) => {
        if (request.params.key !== 'evaluate' || !Value.Check(FlagParams, request.params) || !Value.Check(EvaluateBody, request.body)) return;
        const data = await flags.evaluate(orgPrincipalOf(request), request.params.envId, 'clone', request.body.user);
        // This route's response schema (and so its reply's type) is the clone's `true`: the evaluation's envelope goes
        // out already serialized, which Fastify sends as it is.
        const body: Static<typeof EvaluationView> = data;
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(ok(body)) as never);
      },
    },
    async (request) => ok(await flags.clone(orgPrincipalOf(request), request.params.envId, request.params.key, request.body)),
  );
}

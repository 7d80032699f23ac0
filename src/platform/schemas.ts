// TypeBox building blocks shared by route schemas (they also produce the OpenAPI document).
import { Type, type TSchema } from 'typebox';

export const Envelope = <T extends TSchema>(data: T) => Type.Object({ success: Type.Boolean(), errors: Type.Array(Type.String()), data: Type.Union([data, Type.Null()]) });

export const ErrorEnvelope = Type.Object({ success: Type.Literal(false), errors: Type.Array(Type.String()), data: Type.Null() });

export const Paged = <T extends TSchema>(item: T) => Type.Object({ totalCount: Type.Integer(), items: Type.Array(item) });

/** Larger pages are served at this size, never refused (FeatBit has no cap; scripts ask for big pages). */
export const MAX_PAGE_SIZE = 1000;

export const PageQuery = {
  pageIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, default: 10, description: `values above ${MAX_PAGE_SIZE} are served as ${MAX_PAGE_SIZE}` })),
};

/** A preHandler for every route: a validated pageSize above the cap becomes the cap, so each paged route gets the clamp. */
export function clampPageSize(request: { query: unknown }, _reply: unknown, done: () => void): void {
  const q = request.query as { pageSize?: unknown } | null | undefined;
  if (q && typeof q.pageSize === 'number' && q.pageSize > MAX_PAGE_SIZE) q.pageSize = MAX_PAGE_SIZE;
  done();
}

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });
export const Key = Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' });
export const Name = Type.String({ minLength: 1, maxLength: 128 });
export const Description = Type.String({ maxLength: 2048 });

/** An email as the API takes it (an account's, an invitee's); stored as normalizeEmail gives it. */
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** A policy statement as it crosses the API (policies' statements, tokens' permissions); policy/statement-input.ts checks the rest. */
export const StatementSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 64 })),
    resourceType: Type.String({ maxLength: 32 }),
    effect: Type.String({ maxLength: 8 }),
    actions: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }),
    resources: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 }),
  },
  { additionalProperties: false },
);

/** A body that may be omitted entirely (the handler sees undefined). */
export const optionalBody = <T extends TSchema>(schema: T): T => ({ ...schema, 'x-optional-body': true }) as T;

/** A response with no body at all (a 304, FeatBit's empty 200): the handler calls `reply.send()` with nothing. */
export const NoBody = Type.Unsafe<void>(Type.Null({ description: 'no body' }));

/** Responses named per status so the OpenAPI document lists the error envelope too. */
export const responses = <T extends TSchema>(data: T) => ({
  200: Envelope(data),
  '4xx': ErrorEnvelope,
  '5xx': ErrorEnvelope,
});

export { Type };

// The shape nearly every API route has, in one place: it acts in the caller's organization, answers its service's
// result in the envelope, and is documented under its feature's tags with the error envelopes beside its data.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ContextConfigDefault, FastifyInstance, FastifyRequest, FastifySchema, HTTPMethods, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TSchema } from 'typebox';
import { orgPrincipalOf } from './context.ts';
import { ok, type Envelope } from './envelope.ts';
import { responses } from './schemas.ts';

/** A route's schema without what every route of the feature shares: `response` is the data inside the envelope. */
export type RouteSpec = Omit<FastifySchema, 'tags' | 'response'> & { summary: string; response: TSchema };

/** Every such route answers the envelope; params, querystring and body the type provider takes from the schema. */
type Generic = { Reply: Envelope<unknown> };

/** The request as the type provider types it from the route's schema. */
export type SpecRequest<S extends RouteSpec> = FastifyRequest<Generic, RawServerDefault, RawRequestDefaultExpression, S, TypeBoxTypeProvider>;

type Answer<S extends RouteSpec> = (p: ReturnType<typeof orgPrincipalOf>, request: SpecRequest<S>) => Promise<unknown>;

/**
 * `route.get(url, spec, answer)` and the other methods declare a route whose handler is
 * `ok(await answer(orgPrincipalOf(request), request))`, with the schema `{ tags, ...spec, response: responses(spec.response) }`.
 */
export function orgRoutes(untyped: FastifyInstance, tags: string[]) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const method =
    (verb: HTTPMethods) =>
    <const S extends RouteSpec>(url: string, spec: S, answer: Answer<S>): void => {
      app.route<Generic, ContextConfigDefault, S>({
        method: verb,
        url,
        schema: { tags, ...spec, response: responses(spec.response) },
        handler: async (request) => ok(await answer(orgPrincipalOf(request), request)),
      });
    };
  return { get: method('GET'), post: method('POST'), put: method('PUT'), delete: method('DELETE'), patch: method('PATCH') };
}

/** The page a PageQuery asks for, with its defaults. */
export const pageRequest = (q: { pageIndex?: number; pageSize?: number }) => ({ pageIndex: q.pageIndex ?? 0, pageSize: q.pageSize ?? 10 });

// The OpenAPI document (GET /openapi.json): its settings, and what is done to the whole document once the routes
// built it, so client generators can use it (npm run lint:openapi checks it with Redocly's recommended rules).
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { OPERATION_IDS } from './operation-ids.ts';

type Json = unknown;
type Document = Record<string, Json> & { paths?: Record<string, Record<string, Json>> };

export const openApiOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: { title: 'Ensign REST API', version: '1.0.0', description: 'Feature flags, IAM and API access tokens. Every response is {success, errors, data}.' },
    // Relative: the server that serves this document, wherever it is deployed.
    servers: [{ url: '/', description: 'The Ensign server that serves this document' }],
    components: {
      securitySchemes: {
        accessToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'An access token (ens_pat_… / ens_svc_…), with or without "Bearer ", or a session (ens_ses_…) as Bearer.' },
        sdkKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: "An environment's SDK key (ens_srv_… / ens_cli_…), bare: the SDK protocol's public routes." },
      },
    },
    security: [{ accessToken: [] }],
  },
  transformObject: (input) => finishDocument(('openapiObject' in input ? input.openapiObject : input.swaggerObject) as Document),
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** The built document with each operation's id from OPERATION_IDS and tuples in OpenAPI 3.1's form; the input is not changed. */
export function finishDocument(document: Document): Document {
  const paths: Record<string, Record<string, Json>> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    paths[path] = {};
    for (const [method, operation] of Object.entries(item)) {
      const operationId = METHODS.has(method) ? OPERATION_IDS[`${method.toUpperCase()} ${path}`] : undefined;
      const withId = operationId ? { operationId, ...(operation as object) } : operation;
      paths[path][method] = withPrefixItems(withId);
    }
  }
  return { ...document, paths, components: withPrefixItems(document.components) as Json };
}

/**
 * TypeBox writes a tuple as draft-07 did (`items: [a, b]`, `additionalItems: false`); OpenAPI 3.1 schemas are
 * JSON Schema 2020-12, where that is `prefixItems: [a, b]`, `items: false`. The route schemas keep the old form,
 * which Fastify's validator and serializer read; only the document is rewritten, as a copy.
 */
function withPrefixItems(value: Json): Json {
  if (Array.isArray(value)) return value.map(withPrefixItems);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) copy[key] = withPrefixItems(child);
  if (Array.isArray(copy.items)) {
    copy.prefixItems = copy.items;
    copy.items = copy.additionalItems ?? true;
    delete copy.additionalItems;
  }
  return copy;
}

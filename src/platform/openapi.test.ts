import { describe, expect, it } from 'vitest';
import { finishDocument } from './openapi.ts';

describe('finishDocument', () => {
  it('writes a TypeBox tuple as OpenAPI 3.1 does (prefixItems), leaving the input as it was', () => {
    const tuple = { type: 'array', items: [{ type: 'number' }, { type: 'number' }], additionalItems: false, minItems: 2 };
    const input = { paths: { '/x': { get: { responses: { 200: { content: { 'application/json': { schema: { type: 'object', properties: { rollout: tuple } } } } } } } } } };
    const before = structuredClone(input);
    const out = finishDocument(input) as any;
    expect(out.paths['/x'].get.responses[200].content['application/json'].schema.properties.rollout).toEqual({
      type: 'array',
      prefixItems: [{ type: 'number' }, { type: 'number' }],
      items: false,
      minItems: 2,
    });
    expect(input).toEqual(before);
  });

  it("keeps a plain array's items", () => {
    const out = finishDocument({ components: { schemas: { Tags: { type: 'array', items: { type: 'string' } } } } }) as any;
    expect(out.components.schemas.Tags).toEqual({ type: 'array', items: { type: 'string' } });
  });

  it('gives a known operation its id and leaves an unknown one without', () => {
    const out = finishDocument({ paths: { '/api/v1/access-tokens': { post: { summary: 's' }, parameters: [] }, '/nowhere': { get: {} } } }) as any;
    expect(out.paths['/api/v1/access-tokens'].post).toEqual({ operationId: 'createAccessToken', summary: 's' });
    expect(out.paths['/api/v1/access-tokens'].parameters).toEqual([]);
    expect(out.paths['/nowhere'].get.operationId).toBeUndefined();
  });
});

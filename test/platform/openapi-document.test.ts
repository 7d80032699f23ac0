// The OpenAPI document is fit for client generators: every operation has its stable id from the one table
// (src/platform/operation-ids.ts), no id is used twice, and the table names no route that is gone.
// A new route without an id fails here: add it to the table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_IDS } from '../../src/platform/operation-ids.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe.each(backends)('OpenAPI document (%s)', (backend) => {
  let t: TestApp;
  let operations: { key: string; operationId: string | undefined }[];

  beforeAll(async () => {
    t = await makeApp(backend);
    const res = await t.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    operations = Object.entries(res.body.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, operationId: item[m].operationId })),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives every operation the operationId its table entry names', () => {
    expect(operations.length).toBeGreaterThan(100);
    const missing = operations.filter((o) => OPERATION_IDS[o.key] === undefined).map((o) => o.key);
    expect(missing, 'routes without an entry in src/platform/operation-ids.ts').toEqual([]);
    for (const o of operations) expect(o.operationId, o.key).toBe(OPERATION_IDS[o.key]);
  });

  it('uses each operationId once, as a camelCase identifier', () => {
    const ids = operations.map((o) => o.operationId).filter((id) => id !== undefined);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
  });

  it('lists no route in the table that the app does not serve', () => {
    const served = new Set(operations.map((o) => o.key));
    expect(Object.keys(OPERATION_IDS).filter((key) => !served.has(key))).toEqual([]);
  });

  it('names a server, so generated clients have a base URL', async () => {
    const res = await t.call('GET', '/openapi.json');
    expect(res.body.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });
});

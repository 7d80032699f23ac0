// Unique-key races answer 409 or pick the next free key, never 500, on both databases.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

describe.each(backends)('unique-key races (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
  });
  afterEach(async () => t.close());

  it('concurrent creates of organizations with one name all succeed, each with its own key', async () => {
    const res = await Promise.all(Array.from({ length: 8 }, () => t.call('POST', '/api/v1/organizations', { auth: owner.auth, body: { name: 'Same Name' } })));
    expect(res.map((r) => r.status)).toEqual(Array(8).fill(200));
    const keys = res.map((r) => r.body.data.key);
    expect(new Set(keys).size).toBe(8);
    expect(keys).toContain('same-name');
  });

  it('concurrent creates of one policy key: one 200, the rest 422 KeyHasBeenUsed (as a taken key is answered)', async () => {
    const res = await Promise.all(Array.from({ length: 6 }, () => as(t, owner)('POST', '/policies', { name: 'P', key: 'same-key' })));
    expect(res.map((r) => r.status).sort()).toEqual([200, 422, 422, 422, 422, 422]);
    for (const r of res.filter((x) => x.status === 422)) expect(r.body.errors).toEqual(['KeyHasBeenUsed']);
    expect(expectOk(await as(t, owner)('GET', '/policies?name=P&pageSize=100')).items.filter((p: any) => p.key === 'same-key')).toHaveLength(1);
  });

  it('concurrent creates of one token name: one 200, the rest 422 NameHasBeenUsed', async () => {
    const res = await Promise.all(Array.from({ length: 6 }, () => as(t, owner)('POST', '/access-tokens', { name: 'same', type: 'Personal', permissions: [] })));
    const statuses = res.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 422, 422, 422, 422, 422]);
    for (const r of res.filter((x) => x.status === 422)) expect(r.body.errors).toEqual(['NameHasBeenUsed']);
    const same = expectOk(await as(t, owner)('GET', '/access-tokens?name=same&pageSize=100')).items.filter((x: any) => x.name === 'same');
    expect(same.map((x: any) => x.id)).toEqual([res.find((r) => r.status === 200)!.body.data.id]);
  });
});

// A mistyped resource pattern is refused when a policy or a token is saved (400, nothing created), so a deny that
// could never match anything is never silently ineffective.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const MISTYPED = ['project/web app:env/prod', 'organization/Acme', 'env/prod', 'project/*:env/*:flag/*;be ta', 'project/web:flag/checkout'];

describe.each(backends)('resource patterns (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let o: ReturnType<typeof as>;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
    o = as(t, owner);
  });
  afterEach(async () => t.close());
  const count = async (table: 'policies' | 'access_tokens') =>
    Number(
      (
        await t.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.each(MISTYPED)('%s is refused in a policy and in a token, and nothing is saved', async (pattern) => {
    const policies = await count('policies');
    const tokens = await count('access_tokens');
    const deny = { resourceType: '*', effect: 'deny', actions: ['*'], resources: [pattern] };
    const policy = await o('POST', '/policies', { name: 'p', key: 'p', statements: [deny] });
    expect(policy.status).toBe(400);
    expect(policy.body).toEqual({ success: false, errors: ['resource_is_invalid'], data: null });
    const existing = expectOk(await o('POST', '/policies', { name: 'q', key: 'q' }));
    const edit = await o('PUT', `/policies/${existing.id}/statements`, [deny]);
    expect(edit.status).toBe(400);
    const token = await o('POST', '/access-tokens', { name: 't', type: 'Service', permissions: [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: [pattern] }] });
    expect(token.status).toBe(400);
    expect(await count('policies')).toBe(policies + 1);
    expect(await count('access_tokens')).toBe(tokens);
    expect(expectOk(await o('GET', `/policies/${existing.id}`)).statements).toEqual([]);
  });
});

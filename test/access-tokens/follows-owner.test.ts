// The source document's own example, and revocation that takes effect for the very next request.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, createPolicy, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

describe.each(backends)('personal tokens follow their owner (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let o: ReturnType<typeof as>;
  let prodEnvId: string;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
    o = as(t, owner);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    prodEnvId = project.environments.find((e: any) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${prodEnvId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
  });
  afterEach(async () => t.close());

  it('the source document example: ManageFeatureFlag taken away → Forbidden; given back → works again', async () => {
    const base = await createPolicy(t, owner, [
      { resourceType: 'access-token', effect: 'allow', actions: ['ManagePersonalAccessTokens', 'ListAccessTokens'], resources: ['access-token/*'] },
      { resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] },
      { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] },
    ]);
    const flags = await createPolicy(t, owner, [{ resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/*:env/*:flag/*'] }]);
    const member = await addMember(t, owner, { policyIds: [base, flags] });
    const pat = expectOk(await as(t, member)('POST', '/access-tokens', { name: 'my-script', type: 'Personal', permissions: [] }));
    const toggle = (on: boolean) => t.call('PUT', `/api/v1/envs/${prodEnvId}/feature-flags/checkout/toggle/${on}`, { auth: pat.secret });

    expect((await toggle(true)).status).toBe(200);
    expectOk(await o('PUT', `/members/${member.memberId}/remove-policy/${flags}`));
    const denied = await toggle(false);
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ success: false, errors: ['Forbidden'], data: null });
    expect(expectOk(await o('GET', `/envs/${prodEnvId}/feature-flags/checkout`)).isEnabled).toBe(true);
    // Reading still works: only the flag permission went away.
    expect((await t.call('GET', `/api/v1/envs/${prodEnvId}/feature-flags/checkout`, { auth: pat.secret })).status).toBe(200);
    expectOk(await o('PUT', `/members/${member.memberId}/add-policy/${flags}`));
    expect((await toggle(false)).status).toBe(200);
  });

  it("a narrowed personal token stays within both its own statements and its owner's", async () => {
    const member = await addMember(t, owner, {
      statements: [
        { resourceType: 'access-token', effect: 'allow', actions: ['ManagePersonalAccessTokens'], resources: ['access-token/*'] },
        { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] },
        { resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/*:env/*:flag/*'] },
      ],
    });
    const pat = expectOk(
      await as(t, member)('POST', '/access-tokens', {
        name: 'read-only',
        type: 'Personal',
        permissions: [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] }],
      }),
    );
    expect((await t.call('GET', `/api/v1/envs/${prodEnvId}/feature-flags/checkout`, { auth: pat.secret })).status).toBe(200);
    expect((await t.call('PUT', `/api/v1/envs/${prodEnvId}/feature-flags/checkout/toggle/true`, { auth: pat.secret })).status).toBe(403);
  });

  it("a policy edit narrows a member's tokens and sessions for the very next request", async () => {
    const policy = await createPolicy(t, owner, [
      { resourceType: 'access-token', effect: 'allow', actions: ['ManagePersonalAccessTokens'], resources: ['access-token/*'] },
      { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/*:flag/*'] },
    ]);
    const member = await addMember(t, owner, { policyIds: [policy] });
    const pat = expectOk(await as(t, member)('POST', '/access-tokens', { name: 'p', type: 'Personal', permissions: [] }));
    const viaToken = () => t.call('PUT', `/api/v1/envs/${prodEnvId}/feature-flags/checkout/toggle/true`, { auth: pat.secret });
    const viaSession = () => as(t, member)('PUT', `/envs/${prodEnvId}/feature-flags/checkout/toggle/true`);
    expect((await viaToken()).status).toBe(200);
    expect((await viaSession()).status).toBe(200);
    expectOk(
      await o('PUT', `/policies/${policy}/statements`, [
        { resourceType: 'access-token', effect: 'allow', actions: ['ManagePersonalAccessTokens'], resources: ['access-token/*'] },
        { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/dev:flag/*'] },
      ]),
    );
    expect((await viaToken()).status).toBe(403);
    expect((await viaSession()).status).toBe(403);
  });
});

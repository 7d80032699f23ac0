// "Why was this refused?": POST /iam/explain, and the refusal that tells the caller what to ask about.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, as, builtinPolicyId, createPolicy, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { memoryLog } from '../support/memory-log.ts';

const READ_ENVS = { resourceType: 'env' as const, effect: 'allow' as const, actions: ['CanAccessEnv'], resources: ['project/*:env/*'] };
const ALL_FLAGS = { resourceType: 'flag' as const, effect: 'allow' as const, actions: ['ManageFeatureFlag'], resources: ['project/*:env/*:flag/*'] };
const NO_PROD_TOGGLE = { resourceType: 'flag' as const, effect: 'deny' as const, actions: ['ToggleFlag'], resources: ['project/web:env/prod'] };
const LIST_TOKENS = {
  resourceType: 'access-token' as const,
  effect: 'allow' as const,
  actions: ['ListAccessTokens', 'ManagePersonalAccessTokens', 'ManageServiceAccessTokens'],
  resources: ['access-token/*'],
};
const TOGGLE_PROD = 'project/web:env/prod:flag/checkout';

describe.each(backends)('POST /iam/explain (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let o: ReturnType<typeof as>;
  let prodEnvId: string;
  const log = memoryLog('info');
  beforeEach(async () => {
    t = await makeApp(backend, { logger: log.options, logLevel: 'info' });
    owner = await setupOwner(t);
    o = as(t, owner);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    prodEnvId = project.environments.find((e: any) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${prodEnvId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
  });
  afterEach(async () => t.close());

  const explain = (who: { auth: string; orgId?: string }, body: Record<string, unknown>) => as(t, who)('POST', '/iam/explain', body);

  it('a member asking about themselves gets the deciding policy and statement; a deny names the deny', async () => {
    const base = await createPolicy(t, owner, [READ_ENVS, ALL_FLAGS]);
    const guard = await createPolicy(t, owner, [NO_PROD_TOGGLE]);
    const m = await addMember(t, owner, { policyIds: [base, guard] });
    const dev = expectOk(await explain(m, { action: 'ToggleFlag', resource: 'project/web:env/dev:flag/checkout' }));
    expect(dev).toEqual({ allowed: true, reason: expect.stringContaining('statement 2 of policy'), deciding: { layer: 'member', policyId: base, statementIndex: 1 }, limitedBy: null });
    const prod = expectOk(await explain(m, { action: 'ToggleFlag', resource: TOGGLE_PROD }));
    expect(prod).toMatchObject({ allowed: false, limitedBy: 'deny', deciding: { layer: 'member', policyId: guard, statementIndex: 0 } });
    const none = expectOk(await explain(m, { action: 'DeleteProject', resource: 'project/web' }));
    expect(none).toMatchObject({ allowed: false, limitedBy: 'no-allow', deciding: null });
    // The same member named explicitly is still "themselves".
    expect(expectOk(await explain(m, { member: m.memberId, action: 'ToggleFlag', resource: TOGGLE_PROD })).limitedBy).toBe('deny');
  });

  it('explaining another member needs CanManageIAM; without it the answer is 403 and says nothing about the member', async () => {
    const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });
    const other = await addMember(t, owner, { statements: [READ_ENVS] });
    for (const member of [other.memberId, 'no-such-member']) {
      const res = await explain(dev, { member, action: 'CanAccessEnv', resource: 'project/web:env/prod' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: false, errors: ['Forbidden'], data: null });
    }
    expect(expectOk(await explain(owner, { member: other.memberId, action: 'CanAccessEnv', resource: 'project/web:env/prod' })).allowed).toBe(true);
    expect((await explain(owner, { member: 'no-such-member', action: 'CanAccessEnv', resource: 'project/web:env/prod' })).status).toBe(404);
  });

  it('members and tokens of another organization are 404, even to its own Owner asking from here', async () => {
    const other = expectOk(await t.call('POST', '/api/v1/organizations', { auth: owner.auth, body: { name: 'Other' } }));
    const inOther = as(t, { auth: owner.auth, orgId: other.id });
    const foreign = expectOk(await inOther('POST', '/access-tokens', { name: 'foreign', type: 'Service', permissions: [ALL_FLAGS] }));
    const foreignMembers = expectOk(await inOther('GET', '/members?pageSize=100'));
    for (const body of [{ token: foreign.id }, { member: foreignMembers.items[0].id }]) {
      const res = await explain(owner, { ...body, action: 'ToggleFlag', resource: TOGGLE_PROD });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, errors: ['ResourceNotFound'], data: null });
    }
  });

  it('a narrowed personal token is limited by its own statements ("token"); one that follows its owner in full has only its owner\'s layer', async () => {
    const policy = await createPolicy(t, owner, [LIST_TOKENS, READ_ENVS, ALL_FLAGS]);
    const m = await addMember(t, owner, { policyIds: [policy] });
    const readOnly = expectOk(await as(t, m)('POST', '/access-tokens', { name: 'read-only', type: 'Personal', permissions: [READ_ENVS] }));
    const full = expectOk(await as(t, m)('POST', '/access-tokens', { name: 'full', type: 'Personal', permissions: [] }));
    const tokenSays = expectOk(await explain({ auth: readOnly.secret }, { action: 'ToggleFlag', resource: TOGGLE_PROD }));
    expect(tokenSays).toMatchObject({ allowed: false, limitedBy: 'token', deciding: null });
    // Enforcement agrees.
    expect((await t.call('PUT', `/api/v1/envs/${prodEnvId}/feature-flags/checkout/toggle/true`, { auth: readOnly.secret })).status).toBe(403);

    // The owner loses flags: a token following them in full has nothing else to allow it.
    const narrower = await createPolicy(t, owner, [LIST_TOKENS, READ_ENVS]);
    expectOk(await o('PUT', `/members/${m.memberId}/add-policy/${narrower}`));
    expectOk(await o('PUT', `/members/${m.memberId}/remove-policy/${policy}`));
    const ownerSays = expectOk(await explain({ auth: full.secret }, { action: 'ToggleFlag', resource: TOGGLE_PROD }));
    expect(ownerSays).toMatchObject({ allowed: false, limitedBy: 'no-allow' });
    const wide = expectOk(await explain(owner, { token: readOnly.id, action: 'CanAccessEnv', resource: 'project/web:env/prod' }));
    expect(wide).toMatchObject({ allowed: true, deciding: { layer: 'token', policyId: null, statementIndex: 0 } });
  });

  it('a token whose owner may not do it is limited by "owner", and the owner\'s policies are named only to who may read them', async () => {
    const ownerPolicy = await createPolicy(t, owner, [LIST_TOKENS, READ_ENVS, ALL_FLAGS]);
    const m = await addMember(t, owner, { policyIds: [ownerPolicy] });
    const pat = expectOk(await as(t, m)('POST', '/access-tokens', { name: 'flags', type: 'Personal', permissions: [READ_ENVS, ALL_FLAGS] }));
    const guard = await createPolicy(t, owner, [NO_PROD_TOGGLE]);
    expectOk(await o('PUT', `/members/${m.memberId}/add-policy/${guard}`));

    // The token itself is narrowed, so it is not its owner: the owner's deny decides, unnamed.
    const itself = expectOk(await explain({ auth: pat.secret }, { action: 'ToggleFlag', resource: TOGGLE_PROD }));
    expect(itself).toMatchObject({ allowed: false, limitedBy: 'deny', deciding: null });
    expect(JSON.stringify(itself)).not.toContain(guard);
    // Someone who lists tokens but does not manage IAM: the same, unnamed.
    const lister = await addMember(t, owner, { statements: [LIST_TOKENS] });
    const listed = expectOk(await explain(lister, { token: pat.id, action: 'ToggleFlag', resource: TOGGLE_PROD }));
    expect(listed).toMatchObject({ allowed: false, limitedBy: 'deny', deciding: null });
    expect(JSON.stringify(listed)).not.toContain(guard);
    // The owner herself (a session) and an IAM manager see which policy.
    for (const who of [m, owner]) {
      expect(expectOk(await explain(who, { token: pat.id, action: 'ToggleFlag', resource: TOGGLE_PROD }))).toMatchObject({ deciding: { layer: 'owner', policyId: guard, statementIndex: 0 } });
    }
    // Without ListAccessTokens nobody may ask about another token.
    const noList = await addMember(t, owner, { statements: [READ_ENVS] });
    expect((await explain(noList, { token: pat.id, action: 'ToggleFlag', resource: TOGGLE_PROD })).status).toBe(403);

    // The owner loses the flag policy: limitedBy owner.
    expectOk(await o('PUT', `/members/${m.memberId}/remove-policy/${ownerPolicy}`));
    expectOk(await o('PUT', `/members/${m.memberId}/add-policy/${await createPolicy(t, owner, [LIST_TOKENS, READ_ENVS])}`));
    expect(expectOk(await explain(owner, { token: pat.id, action: 'ToggleFlag', resource: 'project/web:env/dev:flag/checkout' }))).toMatchObject({
      allowed: false,
      limitedBy: 'owner',
      deciding: null,
    });
  });

  it('an inactive token, or one whose owner left, is refused whatever its statements say', async () => {
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: [ALL_FLAGS] }));
    expect(expectOk(await explain(owner, { token: svc.id, action: 'ToggleFlag', resource: TOGGLE_PROD })).allowed).toBe(true);
    expectOk(await o('PUT', `/access-tokens/${svc.id}/deactivate`));
    expect(expectOk(await explain(owner, { token: svc.id, action: 'ToggleFlag', resource: TOGGLE_PROD }))).toMatchObject({
      allowed: false,
      limitedBy: 'token',
      reason: expect.stringContaining('inactive'),
    });
    const m = await addMember(t, owner, { statements: [LIST_TOKENS, ALL_FLAGS] });
    const pat = expectOk(await as(t, m)('POST', '/access-tokens', { name: 'pat', type: 'Personal', permissions: [] }));
    expectOk(await o('DELETE', `/members/${m.memberId}`));
    expect(expectOk(await explain(owner, { token: pat.id, action: 'ToggleFlag', resource: TOGGLE_PROD }))).toMatchObject({ allowed: false, limitedBy: 'token' });
  });

  it('inline policies need no permission at all, and are validated like saved ones', async () => {
    const nobody = await addMember(t, owner, { statements: [READ_ENVS] });
    const res = expectOk(await explain(nobody, { policies: [{ id: 'draft', name: 'Draft', statements: [ALL_FLAGS, NO_PROD_TOGGLE] }], action: 'ToggleFlag', resource: TOGGLE_PROD }));
    expect(res).toMatchObject({ allowed: false, limitedBy: 'deny', deciding: { layer: 'policies', policyId: 'draft', statementIndex: 1 } });
    const bad = [
      [{ policies: [{ statements: [{ ...READ_ENVS, actions: ['Fly'] }] }], action: 'CanAccessEnv', resource: 'project/a:env/b' }, 'action_is_invalid'],
      [{ action: 'Fly', resource: 'project/a' }, 'action_is_invalid'],
      [{ action: 'CanAccessEnv', resource: 'project:env' }, 'resource_is_invalid'],
      [{ member: nobody.memberId, token: 'x', action: 'CanAccessEnv', resource: 'project/a:env/b' }, 'subject_is_invalid'],
      [{ action: 'CanAccessEnv' }, 'resource_is_required'],
    ] as const;
    for (const [body, code] of bad) {
      const r = await explain(nobody, body);
      expect(r.status, code).toBe(400);
      expect(r.body.errors).toContain(code);
    }
  });

  it("a refused permission check answers FeatBit's Forbidden body, names the check in headers, and logs it under the request id", async () => {
    const m = await addMember(t, owner, { statements: [READ_ENVS] });
    const pat = expectOk(await o('POST', '/access-tokens', { name: 'reader', type: 'Service', permissions: [READ_ENVS] }));
    for (const auth of [m.auth, pat.secret]) {
      const res = await t.call('PUT', `/api/v1/envs/${prodEnvId}/feature-flags/checkout/toggle/true`, { auth, headers: { organization: owner.orgId } });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: false, errors: ['Forbidden'], data: null });
      const id = res.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['ensign-refused-action']).toBe('ToggleFlag');
      expect(res.headers['ensign-refused-resource']).toBe(TOGGLE_PROD);
      const line = log.lines().find((l) => l.reqId === id && l.msg === 'permission refused');
      expect(line).toMatchObject({ refused: { action: 'ToggleFlag', resource: TOGGLE_PROD } });
      expect(JSON.stringify(line)).not.toContain(pat.secret);
      // What the headers name is exactly what explain answers about.
      const why = expectOk(await explain({ auth, orgId: owner.orgId }, { action: res.headers['ensign-refused-action'], resource: res.headers['ensign-refused-resource'] }));
      expect(why).toMatchObject({ allowed: false, limitedBy: 'no-allow' });
    }
    // A refusal by the credential itself (an inactive token) carries the request id too.
    expectOk(await o('PUT', `/access-tokens/${pat.id}/deactivate`));
    const inactive = await t.call('GET', '/api/v1/projects', { auth: pat.secret });
    expect(inactive.status).toBe(403);
    expect(inactive.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.lines().some((l) => l.reqId === inactive.headers['x-request-id'] && l.res?.statusCode === 403)).toBe(true);
  });
});

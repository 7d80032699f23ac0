// Each test is an attack on the token rules; each asserts the refusal AND that nothing changed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Statement } from '../../src/policy/statement.ts';
import { addMember, as, builtinPolicyId, expectOk, login, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const ENV_READ: Omit<Statement, 'id'> = { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] };
const TOGGLE_PROD: Omit<Statement, 'id'> = { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/prod:flag/*'] };
const ALL_FLAGS: Omit<Statement, 'id'> = { resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/*:env/*:flag/*'] };

describe.each(backends)('token attacks (%s)', (backend) => {
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

  const tokenCount = async () =>
    Number(
      (
        await t.db.kysely
          .selectFrom('access_tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const tokenRow = (id: string) => t.db.kysely.selectFrom('access_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  const toggle = (auth: string, on: boolean) => t.call('PUT', `/api/v1/envs/${prodEnvId}/feature-flags/checkout/toggle/${on}`, { auth });
  const forbidden = { success: false, errors: ['Forbidden'], data: null };

  it('a service token wider than its creator is refused and not created', async () => {
    const narrow = await addMember(t, owner, {
      statements: [{ resourceType: 'access-token', effect: 'allow', actions: ['ManageServiceAccessTokens'], resources: ['access-token/*'] }, ENV_READ, TOGGLE_PROD],
    });
    const before = await tokenCount();
    for (const permissions of [[ALL_FLAGS], [{ ...TOGGLE_PROD, resources: ['project/web:env/*:flag/*'] }], [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }]]) {
      const res = await as(t, narrow)('POST', '/access-tokens', { name: `wide-${Math.random()}`, type: 'Service', permissions });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: false, errors: ['Forbidden', 'PermissionsExceedCreator'], data: null });
    }
    expect(await tokenCount()).toBe(before);
    // Within what the creator holds, it works.
    expectOk(await as(t, narrow)('POST', '/access-tokens', { name: 'ok', type: 'Service', permissions: [TOGGLE_PROD] }));
  });

  it('a token cannot mint a wider token, nor a personal token that follows its owner in full', async () => {
    const pat = expectOk(
      await o('POST', '/access-tokens', {
        name: 'narrow',
        type: 'Personal',
        permissions: [{ resourceType: 'access-token', effect: 'allow', actions: ['ManageServiceAccessTokens', 'ManagePersonalAccessTokens'], resources: ['access-token/*'] }, TOGGLE_PROD],
      }),
    );
    const before = await tokenCount();
    const wider = await t.call('POST', '/api/v1/access-tokens', { auth: pat.secret, body: { name: 'wider', type: 'Service', permissions: [ALL_FLAGS] } });
    expect(wider.status).toBe(403);
    expect(wider.body.errors).toEqual(['Forbidden', 'PermissionsExceedCreator']);
    const followAll = await t.call('POST', '/api/v1/access-tokens', { auth: pat.secret, body: { name: 'everything', type: 'Personal', permissions: [] } });
    expect(followAll.status).toBe(403);
    expect(await tokenCount()).toBe(before);
    expectOk(await t.call('POST', '/api/v1/access-tokens', { auth: pat.secret, body: { name: 'same', type: 'Service', permissions: [TOGGLE_PROD] } }));
  });

  it('a service token cannot create a personal token (it has no person)', async () => {
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }] }));
    const before = await tokenCount();
    const res = await t.call('POST', '/api/v1/access-tokens', { auth: svc.secret, body: { name: 'p', type: 'Personal', permissions: [] } });
    expect(res.status).toBe(403);
    expect(await tokenCount()).toBe(before);
  });

  it('a personal token stops working when its owner leaves, and cannot be reactivated even if they rejoin', async () => {
    const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')], email: 'dev@example.com' });
    const pat = expectOk(await as(t, dev)('POST', '/access-tokens', { name: 'dev-pat', type: 'Personal', permissions: [] }));
    expect((await toggle(pat.secret, true)).status).toBe(200);
    expectOk(await o('DELETE', `/members/${dev.memberId}`));
    const res = await toggle(pat.secret, false);
    expect(res.status).toBe(403);
    expect(res.body).toEqual(forbidden);
    expect(await tokenRow(pat.id)).toMatchObject({ status: 'Inactive', inactive_reason: 'OwnerRemoved' });
    // Rejoining (invited again, accepted with the same account) does not revive the token.
    const again = expectOk(await o('POST', '/members', { email: 'dev@example.com', name: 'dev', policyIds: [await builtinPolicyId(t, owner, 'owner')] }));
    expectOk(await t.call('POST', '/api/v1/invitations/redeem', { auth: await login(t, 'dev@example.com', 'member-password'), body: { code: again.invitation.code } }));
    expect(again.member.id).not.toBe(dev.memberId);
    const activate = await o('PUT', `/access-tokens/${pat.id}/activate`);
    expect(activate.status).toBe(422);
    expect(activate.body.errors).toEqual(['TokenOwnerNotMember']);
    expect((await toggle(pat.secret, false)).status).toBe(403);
    expect(await tokenRow(pat.id)).toMatchObject({ status: 'Inactive', inactive_reason: 'OwnerRemoved' });
  });

  it('deactivated, removed, expired and pre-reset secrets are all refused', async () => {
    const mk = async (name: string) => expectOk(await o('POST', '/access-tokens', { name, type: 'Service', permissions: [ENV_READ, TOGGLE_PROD] }));
    const deactivated = await mk('d');
    expectOk(await o('PUT', `/access-tokens/${deactivated.id}/deactivate`));
    expect((await toggle(deactivated.secret, true)).body).toEqual(forbidden);
    const removed = await mk('r');
    expectOk(await o('DELETE', `/access-tokens/${removed.id}`));
    expect((await toggle(removed.secret, true)).status).toBe(401);
    const reset = await mk('s');
    const fresh = expectOk(await o('POST', `/access-tokens/${reset.id}/reset`, { graceSeconds: 0 }));
    expect((await toggle(reset.secret, true)).status).toBe(401);
    expect((await toggle(fresh.secret, true)).status).toBe(200);
    const flag = expectOk(await o('GET', `/envs/${prodEnvId}/feature-flags/checkout`));
    expect(flag.isEnabled).toBe(true);
  });

  it('renaming a token cannot change its permissions', async () => {
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: [TOGGLE_PROD] }));
    const before = await tokenRow(svc.id);
    for (const body of [
      { name: 'svc2', permissions: [ALL_FLAGS] },
      { name: 'svc2', type: 'Personal' },
      { name: 'svc2', statements: [ALL_FLAGS] },
    ]) {
      const res = await o('PUT', `/access-tokens/${svc.id}`, body);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual(['TokenPermissionsAreImmutable']);
    }
    expect(await tokenRow(svc.id)).toEqual(before);
  });

  it("a Developer cannot deactivate, rename, reset or remove another member's personal token; an administrator may only deactivate or remove it", async () => {
    const devPolicy = await builtinPolicyId(t, owner, 'developer');
    const alice = await addMember(t, owner, { policyIds: [devPolicy] });
    const bob = await addMember(t, owner, { policyIds: [devPolicy] });
    const admin = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'administrator')] });
    const pat = expectOk(await as(t, alice)('POST', '/access-tokens', { name: 'alice-pat', type: 'Personal', permissions: [] }));
    const before = await tokenRow(pat.id);
    const b = as(t, bob);
    for (const [method, path, body] of [
      ['PUT', '/deactivate'],
      ['PUT', '/activate'],
      ['PUT', '/toggle'],
      ['PUT', '', { name: 'mine now' }],
      ['POST', '/reset', {}],
      ['DELETE', ''],
    ] as const) {
      const res = await b(method, `/access-tokens/${pat.id}${path}`, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual(forbidden);
    }
    expect(await tokenRow(pat.id)).toEqual(before);
    // Bob sees that he may do nothing to it.
    expect(expectOk(await b('GET', `/access-tokens/${pat.id}`)).allowedOperations).toEqual([]);
    const a = as(t, admin);
    expect((await a('PUT', `/access-tokens/${pat.id}`, { name: 'renamed' })).status).toBe(403);
    expect((await a('POST', `/access-tokens/${pat.id}/reset`, {})).status).toBe(403);
    expect(expectOk(await a('PUT', `/access-tokens/${pat.id}/deactivate`)).status).toBe('Inactive');
    expect((await a('PUT', `/access-tokens/${pat.id}/activate`)).status).toBe(403);
    expect(expectOk(await a('DELETE', `/access-tokens/${pat.id}`))).toBe(true);
  });

  it('ids from another organization are 404, and an Organization header cannot move a token into another organization', async () => {
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }] }));
    const other = expectOk(await t.call('POST', '/api/v1/organizations', { auth: owner.auth, body: { name: 'Other' } }));
    const inOther = as(t, { auth: owner.auth, orgId: other.id });
    const foreign = expectOk(await inOther('POST', '/access-tokens', { name: 'foreign', type: 'Service', permissions: [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }] }));
    const before = await tokenRow(foreign.id);
    for (const [method, path] of [
      ['GET', ''],
      ['PUT', '/deactivate'],
      ['DELETE', ''],
      ['POST', '/reset'],
    ] as const) {
      const res = await o(method, `/access-tokens/${foreign.id}${path}`, method === 'POST' ? {} : undefined);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, errors: ['ResourceNotFound'], data: null });
    }
    expect(await tokenRow(foreign.id)).toEqual(before);
    const listed = await t.call('GET', '/api/v1/access-tokens', { auth: svc.secret, headers: { organization: other.id } });
    expect(listed.body.data.items.map((i: any) => i.name)).toEqual(['svc']);
    expect((await t.call('GET', `/api/v1/access-tokens/${foreign.id}`, { auth: svc.secret, headers: { organization: other.id } })).status).toBe(404);
  });

  it('a forged token with a valid prefix but a bad checksum is refused without touching the database', async () => {
    const svc = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: [TOGGLE_PROD] }));
    const forged = svc.secret.slice(0, -1) + (svc.secret.endsWith('A') ? 'B' : 'A');
    // With the database closed, any query would be a 500: a 401 proves none was made.
    await t.db.close();
    for (const credential of [forged, `Bearer ${forged}`, `ens_pat_${'a'.repeat(38)}`, 'ens_svc_short']) {
      const res = await toggle(credential, true);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, errors: ['Unauthorized'], data: null });
    }
  });

  it('the secret never appears in any later response, the audit log, the log or the database files', async () => {
    const logs: string[] = [];
    const stream = { write: (line: string) => logs.push(line) };
    await t.close();
    t = await makeApp(backend, { logger: { level: 'trace', stream, redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' } } });
    owner = await setupOwner(t);
    o = as(t, owner);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    prodEnvId = project.environments.find((e: any) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${prodEnvId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
    const responses: string[] = [];
    const record = async (p: Promise<{ body: any }>) => {
      const r = await p;
      responses.push(JSON.stringify(r.body));
      return r;
    };
    const created = expectOk(await o('POST', '/access-tokens', { name: 'svc', type: 'Service', permissions: [ENV_READ, TOGGLE_PROD] }));
    const reset = expectOk(await o('POST', `/access-tokens/${created.id}/reset`, { graceSeconds: 30 }));
    const secrets = [created.secret, reset.secret];
    for (const s of secrets) {
      await record(toggle(s, true));
      await record(t.call('GET', `/api/v1/envs/${prodEnvId}/feature-flags/checkout`, { auth: `Bearer ${s}` }));
    }
    await record(o('GET', '/access-tokens'));
    await record(o('GET', `/access-tokens/${created.id}`));
    await record(o('PUT', `/access-tokens/${created.id}`, { name: 'renamed' }));
    await record(o('PUT', `/access-tokens/${created.id}/deactivate`));
    await record(o('GET', '/audit-logs?pageSize=100'));
    const audit = await t.db.kysely.selectFrom('audit_logs').selectAll().execute();
    const tokens = await t.db.kysely.selectFrom('access_tokens').selectAll().execute();
    await t.app.ctx.usage.flush(Date.now() + 120_000);
    const haystacks = [responses.join('\n'), JSON.stringify(audit), JSON.stringify(tokens), logs.join('\n')];
    if (backend === 'sqlite') {
      for (const f of readdirSync(t.dataDir).filter((n) => n.startsWith('ensign.db'))) haystacks.push(readFileSync(join(t.dataDir, f)).toString('latin1'));
    }
    expect(logs.length).toBeGreaterThan(10);
    for (const s of secrets) {
      for (const h of haystacks) {
        expect(h.includes(s)).toBe(false);
        // Not even the random part alone.
        expect(h.includes(s.slice(8, 40))).toBe(false);
      }
    }
  });
});

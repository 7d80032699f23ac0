// POST /access-tokens/lookup: a secret → its token's metadata, only inside the caller's organization, never the secret.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCredential } from '../../src/auth/credential-format.ts';
import { addMember, as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const READ_ENV = [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] }];

describe.each(backends)('token lookup by value (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
  });
  afterEach(async () => t.close());

  const lookup = (s: { auth: string; orgId?: string }, token: unknown) => as(t, s)('POST', '/access-tokens/lookup', { token });
  const mint = async (name: string, s: Session = owner) => expectOk(await as(t, s)('POST', '/access-tokens', { name, type: 'Service', permissions: READ_ENV }));

  it("answers the token's metadata (the route is not taken by /access-tokens/:id) and never its secret", async () => {
    const tok = await mint('deploy-bot');
    const res = await lookup(owner, tok.secret);
    const view = expectOk(res);
    expect(view).toMatchObject({ id: tok.id, name: 'deploy-bot', type: 'Service', status: 'Active', matchedSecret: 'current' });
    expect(view.token).toBe(`${tok.secret.slice(0, 8)}…${tok.secret.slice(-4)}`);
    expect(JSON.stringify(res.body)).not.toContain(tok.secret);
    expect(JSON.stringify(res.body)).not.toContain(tok.secret.slice(8, 40));
  });

  it('finds a token by its previous secret during a reset grace period, and says so', async () => {
    const tok = await mint('rotating');
    const reset = expectOk(await as(t, owner)('POST', `/access-tokens/${tok.id}/reset`, { graceSeconds: 600 }));
    expect(expectOk(await lookup(owner, tok.secret))).toMatchObject({ id: tok.id, matchedSecret: 'previous' });
    expect(expectOk(await lookup(owner, reset.secret))).toMatchObject({ id: tok.id, matchedSecret: 'current' });
  });

  it("another organization's token is a 404, like an unknown one: the caller learns nothing about it", async () => {
    const other = expectOk(await as(t, owner)('POST', '/organizations', { name: 'Globex' }));
    const theirs = await mint('globex-bot', { ...owner, orgId: other.id });
    const unknown = await lookup(owner, generateCredential('Service'));
    const foreign = await lookup(owner, theirs.secret);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(unknown.body);
    // In its own organization the same owner finds it.
    expect(expectOk(await lookup({ ...owner, orgId: other.id }, theirs.secret)).id).toBe(theirs.id);
  });

  it('a malformed or wrong-checksum string is a 404; a missing or odd body is a 400', async () => {
    const tok = await mint('x');
    for (const bad of ['nope', tok.secret.slice(0, -1) + (tok.secret.endsWith('Z') ? 'Y' : 'Z'), `ens_ses_${tok.secret.slice(8)}`]) {
      expect((await lookup(owner, bad)).status, bad).toBe(404);
    }
    expect((await as(t, owner)('POST', '/access-tokens/lookup', {})).status).toBe(400);
    expect((await lookup(owner, 42)).status).toBe(400);
  });

  it('needs ListAccessTokens: a member without it gets 403, even for their own token', async () => {
    const dev = await addMember(t, owner, {
      statements: [{ resourceType: 'access-token', effect: 'allow', actions: ['ManageServiceAccessTokens'], resources: ['access-token/*'] }, ...READ_ENV] as any,
    });
    const own = await mint('dev-bot', dev);
    const res = await lookup(dev, own.secret);
    expect(res.status).toBe(403);
    // A token that can only read flags cannot use lookup to learn about tokens either.
    expect((await t.call('POST', '/api/v1/access-tokens/lookup', { auth: own.secret, body: { token: own.secret } })).status).toBe(403);
  });

  it('searches like the list does: a caller allowed only one token gets 403; a token denied to the caller is a 404', async () => {
    const a = await mint('a');
    const b = await mint('b');
    const one = await addMember(t, owner, { statements: [{ resourceType: 'access-token', effect: 'allow', actions: ['ListAccessTokens'], resources: [`access-token/${a.id}`] }] as any });
    expect((await lookup(one, a.secret)).status).toBe(403);
    const allButB = await addMember(t, owner, {
      statements: [
        { resourceType: 'access-token', effect: 'allow', actions: ['ListAccessTokens'], resources: ['access-token/*'] },
        { resourceType: 'access-token', effect: 'deny', actions: ['ListAccessTokens'], resources: [`access-token/${b.id}`] },
      ] as any,
    });
    expect(expectOk(await lookup(allButB, a.secret)).id).toBe(a.id);
    expect((await lookup(allButB, b.secret)).status).toBe(404);
  });
});

// Leak → revocation: GitHub's signed secret-scanning alerts deactivate the listed tokens (Leaked), in any organization,
// before the answer; everything that is not a good alert is refused with nothing changed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checksum, generateCredential, randomBase62 } from '../../src/auth/credential-format.ts';
import { ALERTS_PER_MINUTE } from '../../src/secret-scanning/secret-scanning-routes.ts';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { alertBody, gitHubSigner, keysOf } from '../support/secret-scanning.ts';

const ALERTS = '/api/public/secret-scanning/alerts';
const LIST_TOKENS = [{ resourceType: 'access-token', effect: 'allow', actions: ['ListAccessTokens'], resources: ['access-token/*'] }];

/** A string of an Ensign token's shape whose checksum is wrong. */
function wrongChecksum(prefix = 'ens_svc_'): string {
  const head = prefix + randomBase62(32);
  const right = checksum(head);
  let tail = randomBase62(6);
  while (tail === right) tail = randomBase62(6);
  return head + tail;
}

describe.each(backends)('secret-scanning alerts (%s)', (backend) => {
  const signer = gitHubSigner();
  let t: TestApp;
  let owner: Session;
  const ownerCall = () => as(t, owner);

  /** Everything an alert could change: every token row and the size of the audit log. */
  async function state() {
    const tokens = await t.db.kysely.selectFrom('access_tokens').selectAll().orderBy('id').execute();
    const audit = await t.db.kysely
      .selectFrom('audit_logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { tokens, audit: Number(audit.n) };
  }

  async function token(name: string, session: Session = owner) {
    return expectOk(await as(t, session)('POST', '/access-tokens', { name, type: 'Service', permissions: LIST_TOKENS }));
  }
  const works = async (secret: string) => (await t.call('GET', '/api/v1/access-tokens?pageSize=1', { auth: secret })).status;
  const post = (body: string, headers = signer.headers(body)) => t.call('POST', ALERTS, { body, headers });

  beforeEach(async () => {
    t = await makeApp(backend, { secretScanningKeys: keysOf(signer) });
    owner = await setupOwner(t);
  });
  afterEach(async () => t.close());

  it("a signed alert deactivates the token (Leaked) before answering, audits where it was found, and answers in GitHub's format", async () => {
    const tok = await token('ci-deploy');
    expect(await works(tok.secret)).toBe(200);
    const body = alertBody([tok.secret], 'https://github.com/octocat/hello/blob/abc/.env', 'commit');
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ token_raw: tok.secret, token_type: 'ensign_access_token', label: 'true_positive' }]);
    expect(await works(tok.secret)).toBe(403);
    expect(expectOk(await ownerCall()('GET', `/access-tokens/${tok.id}`))).toMatchObject({ status: 'Inactive', inactiveReason: 'Leaked' });
    const audit = expectOk(await ownerCall()('GET', `/audit-logs?refType=access-token&refId=${tok.id}`));
    const entry = audit.items.find((e: any) => e.action === 'DeactivateAccessToken');
    expect(entry.actor).toMatchObject({ kind: 'system', memberName: 'GitHub secret scanning', tokenId: null });
    expect(entry.changes.after).toMatchObject({ status: 'Inactive', inactiveReason: 'Leaked', leak: { url: 'https://github.com/octocat/hello/blob/abc/.env', source: 'commit' } });
    expect(entry.comment).toBe('Leaked (commit): https://github.com/octocat/hello/blob/abc/.env');
    expect(JSON.stringify(audit)).not.toContain(tok.secret);
  });

  it('a Leaked token cannot be activated (its secret is public) until a reset replaces the secret, with no grace for the public one', async () => {
    const tok = await token('leaked-then-reset');
    expect((await post(alertBody([tok.secret]))).status).toBe(200);
    const before = await state();
    const view = expectOk(await ownerCall()('GET', `/access-tokens/${tok.id}`));
    expect(view.allowedOperations).not.toContain('activate');
    for (const [method, path] of [
      ['PUT', `/access-tokens/${tok.id}/activate`],
      ['PUT', `/access-tokens/${tok.id}/toggle`],
    ] as const) {
      const res = await ownerCall()(method, path);
      expect({ path, status: res.status, errors: res.body.errors }).toEqual({ path, status: 422, errors: ['TokenLeakedResetFirst'] });
    }
    expect(await state()).toEqual(before);
    expect(await works(tok.secret)).toBe(403);

    // A reset asked with a grace period still ends the public secret at once; the token stays Inactive, no longer Leaked.
    const reset = expectOk(await ownerCall()('POST', `/access-tokens/${tok.id}/reset`, { graceSeconds: 3600 }));
    expect(reset).toMatchObject({ status: 'Inactive', inactiveReason: 'Deactivated' });
    expect(expectOk(await ownerCall()('GET', `/access-tokens/${tok.id}`)).allowedOperations).toContain('activate');
    expectOk(await ownerCall()('PUT', `/access-tokens/${tok.id}/activate`));
    expect(await works(reset.secret)).toBe(200);
    expect(await works(tok.secret)).toBe(401);
  });

  it('a token of another organization is revoked too: the leak is public whoever owns it', async () => {
    const other = expectOk(await ownerCall()('POST', '/organizations', { name: 'Globex' }));
    const inOther = await token('globex-ci', { ...owner, orgId: other.id });
    const mine = await token('acme-ci');
    const res = await post(alertBody([inOther.secret]));
    expect(res.status).toBe(200);
    expect(await works(inOther.secret)).toBe(403);
    expect(await works(mine.secret)).toBe(200);
    const view = expectOk(await as(t, { ...owner, orgId: other.id })('GET', `/access-tokens/${inOther.id}`));
    expect(view).toMatchObject({ status: 'Inactive', inactiveReason: 'Leaked' });
  });

  it('a replayed body changes nothing further: same answer, no new audit entry, the token stays Leaked', async () => {
    const tok = await token('replayed');
    const body = alertBody([tok.secret]);
    const headers = signer.headers(body);
    const first = await post(body, headers);
    const after = await state();
    const replay = await post(body, headers);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await state()).toEqual(after);
  });

  it('a bad signature is refused (401) with nothing changed, and the token keeps working', async () => {
    const tok = await token('target');
    const body = alertBody([tok.secret]);
    const forger = gitHubSigner(signer.keyId); // the right key id, the wrong private key
    const before = await state();
    for (const headers of [
      forger.headers(body),
      signer.headers(alertBody([tok.secret], 'https://github.com/elsewhere')), // a signature over other bytes
      { ...signer.headers(body), 'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl' },
      { 'content-type': 'application/json' }, // no signature at all
    ]) {
      const res = await post(body, headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, errors: ['Unauthorized'], data: null });
    }
    expect(await state()).toEqual(before);
    expect(await works(tok.secret)).toBe(200);
  });

  it('an unknown key id is refused exactly like a bad signature, with nothing changed', async () => {
    const tok = await token('target');
    const stranger = gitHubSigner('0000000000000000000000000000000000000000000000000000000000000000');
    const body = alertBody([tok.secret]);
    const before = await state();
    const res = await post(body, stranger.headers(body));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, errors: ['Unauthorized'], data: null });
    expect(await state()).toEqual(before);
    expect(await works(tok.secret)).toBe(200);
  });

  it('a body of 1,000 tokens revokes the real ones among them and answers each, in order', async () => {
    const real = [await token('one'), await token('two'), await token('three')];
    const fakes = Array.from({ length: 997 }, (_, i) => generateCredential(i % 2 ? 'Personal' : 'Service'));
    const listed = [...fakes.slice(0, 400), real[0].secret, ...fakes.slice(400, 800), real[1].secret, ...fakes.slice(800), real[2].secret];
    expect(listed.length).toBe(1000);
    const res = await post(alertBody(listed));
    expect(res.status).toBe(200);
    expect(res.body.map((f: any) => f.token_raw)).toEqual(listed);
    expect(res.body.every((f: any) => f.label === 'true_positive')).toBe(true);
    for (const r of real) expect(await works(r.secret)).toBe(403);
  });

  it('strings that are not Ensign tokens are labelled false positives and never reach the database', async () => {
    const tok = await token('bystander');
    const digest = vi.spyOn(t.app.ctx.digester, 'digest');
    const strings = ['ghp_notours', wrongChecksum(), wrongChecksum('ens_pat_'), tok.secret.slice(0, -1) + (tok.secret.endsWith('A') ? 'B' : 'A'), ''];
    const before = await state();
    const res = await post(alertBody(strings));
    expect(res.status).toBe(200);
    expect(res.body.map((f: any) => f.label)).toEqual(strings.map(() => 'false_positive'));
    // No digest computed means no look-up: the database never saw these strings.
    expect(digest).not.toHaveBeenCalled();
    expect(await state()).toEqual(before);
  });

  it('the answer reveals nothing about which tokens exist: a well-formed unknown token is answered like a real one', async () => {
    const tok = await token('real');
    const unknown = generateCredential('Service');
    const res = await post(alertBody([tok.secret, unknown]));
    expect(res.body.map((f: any) => [f.label, f.token_type])).toEqual([
      ['true_positive', 'ensign_access_token'],
      ['true_positive', 'ensign_access_token'],
    ]);
  });

  it('the previous secret of a reset token, still in its grace period, revokes the token too', async () => {
    const tok = await token('rotating');
    const reset = expectOk(await ownerCall()('POST', `/access-tokens/${tok.id}/reset`, { graceSeconds: 3600 }));
    expect(await works(tok.secret)).toBe(200);
    await post(alertBody([tok.secret]));
    // The leaked secret's grace is over (it is no credential at all now), and the token itself is Leaked.
    expect(await works(tok.secret)).toBe(401);
    expect(await works(reset.secret)).toBe(403);
    expect(expectOk(await ownerCall()('GET', `/access-tokens/${tok.id}`))).toMatchObject({ status: 'Inactive', inactiveReason: 'Leaked' });
  });

  it('is rate-limited per client address; a refused request changes nothing', async () => {
    const tok = await token('target');
    for (let i = 0; i < ALERTS_PER_MINUTE; i++) expect((await post('[]', { 'content-type': 'application/json' })).status).toBe(401);
    const before = await state();
    const res = await post(alertBody([tok.secret]));
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(await state()).toEqual(before);
    expect(await works(tok.secret)).toBe(200);
  });

  it('a body over the limit or of another content type is refused unread, with nothing changed', async () => {
    const tok = await token('target');
    const before = await state();
    const huge = alertBody([tok.secret, ...Array.from({ length: 20_000 }, () => 'x'.repeat(200))]);
    expect((await post(huge)).status).toBe(413);
    const text = alertBody([tok.secret]);
    expect((await post(text, { ...signer.headers(text), 'content-type': 'text/plain' })).status).toBe(415);
    expect(await state()).toEqual(before);
  });

  it('a signed body that is not an alert list is a 400 with nothing changed', async () => {
    const tok = await token('target');
    const before = await state();
    for (const body of ['{"token":"x"}', `[{"type":"t"}]`, 'not json', `[{"token":${JSON.stringify(tok.secret)},"type":1}]`]) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(res.body.success).toBe(false);
    }
    expect(await state()).toEqual(before);
  });
});

describe.each(backends)('secret-scanning alerts, not configured (%s)', (backend) => {
  it('the endpoint does not exist (404) when SECRET_SCANNING_KEYS is unset, and nothing changes', async () => {
    const t = await makeApp(backend);
    try {
      const owner = await setupOwner(t);
      const tok = expectOk(await as(t, owner)('POST', '/access-tokens', { name: 'x', type: 'Service', permissions: LIST_TOKENS }));
      const signer = gitHubSigner();
      const body = alertBody([tok.secret]);
      const res = await t.call('POST', ALERTS, { body, headers: signer.headers(body) });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, errors: ['ResourceNotFound'], data: null });
      expect((await t.call('GET', '/api/v1/access-tokens?pageSize=1', { auth: tok.secret })).status).toBe(200);
      const openapi = (await t.call('GET', '/openapi.json')).body;
      expect(Object.keys(openapi.paths)).not.toContain(ALERTS);
    } finally {
      await t.close();
    }
  });
});

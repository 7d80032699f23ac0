// Two app instances on one PostgreSQL schema (as behind a load balancer): deleting or rotating an SDK key through A
// refuses it on B, and B's resolver tells B's listeners (the SDK socket holders) so they can close those sockets.
// The grace end of a rotation is noticed by B's own timer, from the notification or from a lookup of the old key.
// Needs PG_URL; without it the tests are skipped.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SdkSecretRevocation } from '../../src/sdk-keys/sdk-secret-resolver.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { PG_URL, makeApp, type TestApp } from '../support/harness.ts';
import { as, expectOk, setupOrg, type Api } from '../support/resource-fixtures.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once an event matching `match` has been heard; fails after a generous wait (not a timing claim). */
async function heard(events: SdkSecretRevocation[], match: Partial<SdkSecretRevocation>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (events.some((e) => Object.entries(match).every(([k, v]) => e[k as keyof SdkSecretRevocation] === v))) return;
    await sleep(25);
  }
  throw new Error(`never heard ${JSON.stringify(match)}; heard ${JSON.stringify(events)}`);
}

describe.skipIf(!PG_URL)('SDK key revocation reaches every instance (postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  let clock: FakeClock;
  let owner: Api;
  let envId: string;
  let projectId: string;
  let server: { id: string; value: string };
  let client: { id: string; value: string };
  const events: SdkSecretRevocation[] = [];

  beforeEach(async () => {
    clock = new FakeClock();
    const shared = { pgSchema: `t_${randomBytes(6).toString('hex')}`, secret: `shared-${randomBytes(12).toString('hex')}`, clock };
    a = await makeApp('postgres', shared);
    b = await makeApp('postgres', shared);
    const org = await setupOrg(a);
    owner = as(a, org.owner);
    const p = expectOk(await owner('POST', '/projects', { key: 'web', name: 'Web' }));
    projectId = p.id;
    const prod = p.environments.find((e: any) => e.key === 'prod');
    envId = prod.id;
    [server, client] = prod.secrets;
    events.length = 0;
    b.app.ctx.sdkSecrets.onRevoked((e) => events.push(e));
    // B knows both keys (and has them cached) before anything changes.
    expect(await b.app.ctx.sdkSecrets.resolve(server.value, clock.now())).toMatchObject({ secretId: server.id, envId });
    expect(await b.app.ctx.sdkSecrets.resolve(client.value, clock.now())).toMatchObject({ secretId: client.id, envId });
  });
  afterEach(async () => {
    await b?.close();
    await a?.close();
  });

  it('a key deleted through A is refused by B and B announces it', async () => {
    expectOk(await owner('DELETE', `/envs/${envId}/secrets/${server.id}`));
    await heard(events, { secretId: server.id, reason: 'deleted' });
    expect(await b.app.ctx.sdkSecrets.resolve(server.value, clock.now())).toBeNull();
    expect(await b.app.ctx.sdkSecrets.resolve(client.value, clock.now())).not.toBeNull();
  });

  it('a key rotated through A with a grace period works on B until the grace ends; then B refuses it and announces it', async () => {
    const rotated = expectOk(await owner('POST', `/envs/${envId}/secrets/${server.id}/rotate`, { graceSeconds: 30 }));
    await heard(events, { secretId: server.id, reason: 'rotated' });
    events.length = 0;
    expect(await b.app.ctx.sdkSecrets.resolve(server.value, clock.now())).toMatchObject({ validUntil: clock.now() + 30_000 });
    expect(await b.app.ctx.sdkSecrets.resolve(rotated.value, clock.now())).toMatchObject({ validUntil: null });
    clock.advance(30_000);
    // Nobody calls B here: its own timer notices the grace end.
    await heard(events, { secretId: server.id, reason: 'rotated' });
    expect(await b.app.ctx.sdkSecrets.resolve(server.value, clock.now())).toBeNull();
    expect(await b.app.ctx.sdkSecrets.resolve(rotated.value, clock.now())).not.toBeNull();
  });

  it('an instance that only learns of a rotation from a lookup still announces its grace end', async () => {
    // C starts after the rotation: it missed the notification, and learns of the grace from the old key's lookup.
    const rotated = expectOk(await owner('POST', `/envs/${envId}/secrets/${server.id}/rotate`, { graceSeconds: 30 }));
    const c = await makeApp('postgres', { pgSchema: a.db.pgSchema, secret: a.app.ctx.config.secret, clock });
    try {
      const heardOnC: SdkSecretRevocation[] = [];
      c.app.ctx.sdkSecrets.onRevoked((e) => heardOnC.push(e));
      expect(await c.app.ctx.sdkSecrets.resolve(server.value, clock.now())).not.toBeNull();
      heardOnC.length = 0;
      clock.advance(30_000);
      await heard(heardOnC, { secretId: server.id, reason: 'rotated' });
      expect(await c.app.ctx.sdkSecrets.resolve(server.value, clock.now())).toBeNull();
      expect(await c.app.ctx.sdkSecrets.resolve(rotated.value, clock.now())).not.toBeNull();
    } finally {
      // Not c.close(): that would drop the schema A and B still use.
      await c.app.close();
      await c.db.close();
      rmSync(c.dataDir, { recursive: true, force: true });
    }
  });

  it('an environment deleted through A: B refuses all of its keys and announces it', async () => {
    expectOk(await owner('DELETE', `/projects/${projectId}/envs/${envId}`));
    await heard(events, { envId, secretId: null, reason: 'deleted' });
    expect(await b.app.ctx.sdkSecrets.resolve(server.value, clock.now())).toBeNull();
    expect(await b.app.ctx.sdkSecrets.resolve(client.value, clock.now())).toBeNull();
  });
});

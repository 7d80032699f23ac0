// Two Ensign instances on one PostgreSQL schema (as behind a load balancer): a change made through A reaches an SDK
// connected to B, as a streamed patch; a key deleted through A closes B's socket. Needs PG_URL; skipped otherwise.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { IFbClient } from '@featbit/node-server-sdk';
import { encodeStreamingToken } from '../../src/sdk-keys/streaming-token.ts';
import { PG_URL, makeApp, type TestApp } from '../support/harness.ts';
import { expectOk } from '../support/resource-fixtures.ts';
import { eventually, rawSocket, sdkUser, serverSdk, targetingFixture, withOrg, type Served } from './sdk-support.ts';

describe.skipIf(!PG_URL)('SDK changes across instances (postgres)', () => {
  let a: Served;
  let b: TestApp;
  let sdk: IFbClient | null = null;
  afterEach(async () => {
    await sdk?.close();
    sdk = null;
    if (b) {
      // Not b.close(): that drops the schema A still uses.
      await b.app.close();
      await b.db.close();
      rmSync(b.dataDir, { recursive: true, force: true });
    }
    await a?.t.close();
  });

  async function twoInstances() {
    const shared = { pgSchema: `t_${randomBytes(6).toString('hex')}`, secret: `shared-${randomBytes(12).toString('hex')}` };
    const ta = await makeApp('postgres', shared);
    await ta.app.listen({ host: '127.0.0.1', port: 0 });
    a = await withOrg(ta);
    await targetingFixture(a);
    b = await makeApp('postgres', shared);
    await b.app.listen({ host: '127.0.0.1', port: 0 });
    const portB = (b.app.server.address() as { port: number }).port;
    // The same organization and keys, reached through B's socket.
    return { ...a, t: b, port: portB, http: `http://127.0.0.1:${portB}`, ws: `ws://127.0.0.1:${portB}` } as Served;
  }

  it('a toggle and a targeting change made through A reach a server SDK streaming from B', async () => {
    const onB = await twoInstances();
    sdk = serverSdk(onB, 'streaming');
    await sdk.waitForInitialization();
    expect(await sdk.stringVariation('checkout', sdkUser('bob'), 'fallback')).toBe('new-checkout');
    expectOk(await a.owner('PUT', `/envs/${a.envId}/feature-flags/checkout/toggle/false`));
    await eventually('B pushes the toggle made on A', async () => (await sdk!.stringVariation('checkout', sdkUser('bob'), 'fallback')) === 'old-checkout');
    const staff = expectOk(await a.owner('GET', `/envs/${a.envId}/segments?name=staff`)).items[0];
    expectOk(await a.owner('PUT', `/envs/${a.envId}/feature-flags/checkout/toggle/true`));
    expectOk(await a.owner('PUT', `/envs/${a.envId}/segments/${staff.id}/targeting`, { included: [...staff.included, 'newcomer'] }));
    await eventually('B pushes the segment edit made on A', async () => (await sdk!.stringVariation('checkout', sdkUser('newcomer'), 'fallback')) === 'vip-checkout');
  });

  it('a key deleted through A closes its socket on B with 4003', async () => {
    const onB = await twoInstances();
    const r = rawSocket(`${onB.ws}/streaming?type=server&token=${encodeStreamingToken(a.server.value, Date.now())}`);
    try {
      expect(await r.opened).toBe(true);
      expectOk(await a.owner('DELETE', `/envs/${a.envId}/secrets/${a.server.id}`));
      expect((await r.closed).code).toBe(4003);
    } finally {
      r.ws.terminate();
    }
  });
});

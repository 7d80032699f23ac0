// FeatBit's own node server SDK reports its evaluations to Ensign: its event processor posts to
// `${eventsUri}/api/public/insight/track` with the server key, and the flag page's read shows them.
// The flag is made through the REST API and reaches the SDK over Ensign's streaming endpoint (src/sdk/).
import { FbClientBuilder, UserBuilder, type IFbClient } from '@featbit/node-server-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { as, expectOk, setupOrg, type Api } from '../support/resource-fixtures.ts';

describe.each(backends)("the node server SDK's events reach the flag's insights (%s)", (backend) => {
  let t: TestApp;
  let owner: Api;
  let sdk: IFbClient | null = null;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = as(t, (await setupOrg(t)).owner);
  });
  afterEach(async () => {
    await sdk?.close();
    sdk = null;
    await t.close();
  });

  it('counts each user the SDK evaluated for, per variation, once the SDK flushes', async () => {
    const p = expectOk(await owner('POST', '/projects', { key: 'web', name: 'Web' }));
    const prod = p.environments.find((e: any) => e.key === 'prod');
    const serverKey = prod.secrets.find((s: any) => s.type === 'server').value;
    const created = expectOk(await owner('POST', `/envs/${prod.id}/feature-flags`, { key: 'checkout', name: 'Checkout', isEnabled: true }));
    // Two variations served: the targeted user gets the off one, everyone else the fallthrough (on).
    expectOk(
      await owner('PUT', `/envs/${prod.id}/feature-flags/checkout/targeting`, {
        revision: created.revision,
        targeting: { targetUsers: [{ variationId: created.disabledVariationId, keyIds: ['vip'] }], rules: [], fallthrough: { variations: [{ id: created.enabledVariationId, rollout: [0, 1] }] } },
      }),
    );

    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    sdk = new FbClientBuilder().sdkKey(serverKey).streamingUri(address.replace('http', 'ws')).eventsUri(address).flushInterval(3_600_000).logLevel('none').build();
    await sdk.waitForInitialization();

    // Streaming delivered the flag with its targeting.
    expect((await sdk.boolVariationDetail('checkout', new UserBuilder('vip').name('vip').build(), true)).value).toBe(false);
    const served = { vip: created.disabledVariationId, other: created.enabledVariationId };
    for (const key of ['alice', 'bob', 'carol', 'vip']) await sdk.boolVariation('checkout', new UserBuilder(key).name(key).build(), false);
    // The SDK sends one event per distinct (user, flag, variation) of a flush: alice again adds nothing.
    await sdk.boolVariation('checkout', new UserBuilder('alice').name('alice').build(), false);
    expect(await sdk.flush()).toBe(true);

    const insights = expectOk(await owner('GET', `/envs/${prod.id}/feature-flags/checkout/insights`));
    const counts = insights.series[insights.series.length - 1].counts;
    const expected: Record<string, number> = {};
    for (const id of [served.other, served.other, served.other, served.vip]) expected[id] = (expected[id] ?? 0) + 1;
    expect(counts).toEqual(expected);
    expect(insights.lastEvaluatedAt).not.toBeNull();
  });
});

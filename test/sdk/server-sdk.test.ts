// FeatBit's node server SDK (unchanged, 1.3.0) against Ensign on a real socket, streaming and polling: the variations it
// evaluates from what Ensign sends (on/off, individual targeting, a rule, a segment, a percentage rollout whose buckets
// match Ensign's own evaluation for 10,000 users), and changes made through the REST API reaching it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IFbClient } from '@featbit/node-server-sdk';
import { evaluate } from '../../src/evaluation/index.ts';
import { backends } from '../support/harness.ts';
import { expectOk } from '../support/resource-fixtures.ts';
import { EXPECTED_CHECKOUT, eventually, sdkUser, serve, serverSdk, targetingFixture, user, type Served } from './sdk-support.ts';

describe.each(backends)('node server SDK against Ensign (%s)', (backend) => {
  let s: Served;
  let sdk: IFbClient | null = null;
  beforeEach(async () => {
    s = await serve(backend);
    await targetingFixture(s);
  });
  afterEach(async () => {
    await sdk?.close();
    sdk = null;
    await s.t.close();
  });

  describe.each(['streaming', 'polling'] as const)('%s', (mode) => {
    it('evaluates targeting, rules, segments and on/off like Ensign, and sees a toggle and a segment edit made through REST', async () => {
      sdk = serverSdk(s, mode);
      await sdk.waitForInitialization();
      for (const [keyId, props, expected] of EXPECTED_CHECKOUT) {
        expect({ keyId, value: await sdk.stringVariation('checkout', sdkUser(keyId, props), 'fallback') }).toEqual({ keyId, value: expected });
      }
      expect(await sdk.stringVariation('no-such-flag', sdkUser('bob'), 'fallback')).toBe('fallback');

      // Several unchanged polls first: from the second on, SDK 1.3.0 revalidates with its ETag alone (no Authorization),
      // which must neither refuse it nor freeze it.
      if (mode === 'polling') await new Promise((r) => setTimeout(r, 600));
      expectOk(await s.owner('PUT', `/envs/${s.envId}/feature-flags/checkout/toggle/false`));
      await eventually('the SDK sees the flag off', async () => (await sdk!.stringVariation('checkout', sdkUser('bob'), 'fallback')) === 'old-checkout');
      expectOk(await s.owner('PUT', `/envs/${s.envId}/feature-flags/checkout/toggle/true`));
      await eventually('the SDK sees the flag on again', async () => (await sdk!.stringVariation('checkout', sdkUser('bob'), 'fallback')) === 'new-checkout');

      // A segment edit: "newcomer" joins staff (the flag naming it is touched; both reach the SDK).
      const staff = expectOk(await s.owner('GET', `/envs/${s.envId}/segments?name=staff`)).items[0];
      expectOk(await s.owner('PUT', `/envs/${s.envId}/segments/${staff.id}/targeting`, { included: [...staff.included, 'newcomer'] }));
      await eventually('the SDK sees the segment edit', async () => (await sdk!.stringVariation('checkout', sdkUser('newcomer'), 'fallback')) === 'vip-checkout');
    });

    it('buckets 10,000 users of a percentage rollout exactly as Ensign evaluates them', async () => {
      sdk = serverSdk(s, mode);
      await sdk.waitForInitialization();
      const flag = expectOk(await s.owner('GET', `/envs/${s.envId}/feature-flags/rollout`));
      const counts: Record<string, number> = { a: 0, b: 0 };
      const mismatches: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        const keyId = `user-${i}`;
        const ours = evaluate(flag, user(keyId), () => undefined)!.variation.value;
        const theirs = await sdk.stringVariation('rollout', sdkUser(keyId), 'fallback');
        counts[theirs] = (counts[theirs] ?? 0) + 1;
        if (ours !== theirs) mismatches.push(`${keyId}: ensign ${ours}, sdk ${theirs}`);
      }
      expect(mismatches).toEqual([]);
      // Both buckets are used, roughly 30 / 70 (a loose sanity bound, not the property under test).
      expect(counts.a).toBeGreaterThan(2500);
      expect(counts.b).toBeGreaterThan(6500);
    });
  });
});

// FeatBit's browser SDK (@featbit/js-client-sdk 4.2.15, unchanged) against Ensign, run in Node with two shims: the
// `ws` package as the global WebSocket, and an in-memory localStorage. It identifies a user, reads the variation
// Ensign evaluated for that user, switches user with identify(), and sees a toggle made through REST arrive.
import WebSocket from 'ws';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../support/harness.ts';
import { expectOk } from '../support/resource-fixtures.ts';
import { eventually, serve, targetingFixture, type Served } from './sdk-support.ts';

class MemoryStorage {
  private items = new Map<string, string>();
  getItem = (k: string) => this.items.get(k) ?? null;
  setItem = (k: string, v: string) => void this.items.set(k, String(v));
  removeItem = (k: string) => void this.items.delete(k);
  clear = () => this.items.clear();
  key = (i: number) => [...this.items.keys()][i] ?? null;
  get length() {
    return this.items.size;
  }
}

describe.each(backends)('js client SDK against Ensign (%s)', (backend) => {
  let s: Served;
  let sdk: any = null;
  beforeAll(() => {
    const g = globalThis as Record<string, unknown>;
    g.WebSocket ??= WebSocket;
    g.localStorage ??= new MemoryStorage();
  });
  beforeEach(async () => {
    s = await serve(backend);
    await targetingFixture(s);
  });
  afterEach(async () => {
    await sdk?.close();
    sdk = null;
    await s.t.close();
  });

  it('identifies a user, reads the variation Ensign evaluated for it, re-identifies, and sees a toggle arrive', async () => {
    const { FbClientBuilder, UserBuilder } = await import('@featbit/js-client-sdk');
    const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
    const alice = new UserBuilder('alice').name('alice').custom('country', 'NL').build();
    sdk = new FbClientBuilder().sdkKey(s.client.value).streamingUri(s.ws).eventsUri(s.http).user(alice).disableEvents(true).logger(quiet).build();
    await sdk.waitForInitialization();
    await eventually("alice's variation", () => sdk.stringVariation('checkout', 'fallback') === 'vip-checkout');
    expect(sdk.stringVariation('rollout', 'fallback')).toMatch(/^[ab]$/);

    await sdk.identify(new UserBuilder('bob').name('bob').custom('country', 'DE').build());
    await eventually("bob's variation after identify", () => sdk.stringVariation('checkout', 'fallback') === 'new-checkout');

    expectOk(await s.owner('PUT', `/envs/${s.envId}/feature-flags/checkout/toggle/false`));
    await eventually('the toggle reaches the client SDK', () => sdk.stringVariation('checkout', 'fallback') === 'old-checkout');
  });
});

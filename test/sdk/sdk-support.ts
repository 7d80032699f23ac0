// Helpers for the SDK protocol tests: an app listening on a real socket with an organization, a project and its
// environment's SDK keys; the targeting fixture every SDK test reads; raw WebSocket clients; bounded waits.
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { FbClientBuilder, UserBuilder, DataSyncModeEnum, type IFbClient, type IUser } from '@featbit/node-server-sdk';
import { makeApp, type Backend, type TestApp } from '../support/harness.ts';
import { as, builder, expectOk, setupOrg, type Api } from '../support/resource-fixtures.ts';

export interface Served {
  t: TestApp;
  port: number;
  http: string;
  ws: string;
  owner: Api;
  b: ReturnType<typeof builder>;
  envId: string;
  projectId: string;
  server: { id: string; value: string };
  client: { id: string; value: string };
}

export async function serve(backend: Backend, overrides: Parameters<typeof makeApp>[1] = {}): Promise<Served> {
  const t = await makeApp(backend, overrides);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return withOrg(t);
}

/** An organization with project "web" on an app that already listens. */
export async function withOrg(t: TestApp): Promise<Served> {
  const port = (t.app.server.address() as AddressInfo).port;
  const org = await setupOrg(t);
  const owner = as(t, org.owner);
  const p = expectOk(await owner('POST', '/projects', { key: 'web', name: 'Web' }));
  const prod = p.environments.find((e: any) => e.key === 'prod');
  const server = prod.secrets.find((s: any) => s.type === 'server');
  const client = prod.secrets.find((s: any) => s.type === 'client');
  return { t, port, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, owner, b: builder(owner), envId: prod.id, projectId: p.id, server, client };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a truthy value; fails after a generous bound (a liveness check, not a timing claim). */
export async function eventually<T>(what: string, check: () => T | Promise<T>, tries = 400, every = 25): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await sleep(every);
  }
  throw new Error(`never: ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

export const user = (keyId: string, props: Record<string, string> = {}) => ({ keyId, name: keyId, customizedProperties: Object.entries(props).map(([name, value]) => ({ name, value })) });

/**
 * A user for the SDK. It always carries an `email`: SDK 1.3.0 throws on `EndsWith` over a missing attribute (a known
 * quirk, spec 05), and the fixture's segment has an EndsWith rule on email.
 */
export function sdkUser(keyId: string, props: Record<string, string> = {}): IUser {
  let u = new UserBuilder(keyId).name(keyId);
  for (const [k, v] of Object.entries({ email: `${keyId}@example.test`, ...props })) u = u.custom(k, v);
  return u.build();
}

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** FeatBit's node server SDK pointed at Ensign; events are sent (a 404 there must not matter) unless disabled. */
export function serverSdk(s: Served, mode: 'streaming' | 'polling', sdkKey = s.server.value): IFbClient {
  let builder = new FbClientBuilder()
    .sdkKey(sdkKey)
    .eventsUri(s.http)
    .logger(quiet as never)
    .disableEvents(true);
  builder = mode === 'streaming' ? builder.streamingUri(s.ws) : builder.dataSyncMode(DataSyncModeEnum.POLLING).pollingUri(s.http).pollingInterval(100);
  return builder.build();
}

/**
 * The targeting fixture: flag "checkout" (string; alice targeted; segment "staff" by id, email domain and
 * exclusion; a Dutch rule; fallthrough "on") and flag "rollout" (fallthrough split 30 / 70 between a and b).
 */
export async function targetingFixture(s: Served) {
  const { owner, b, envId } = s;
  const segment = await b.segment(envId, 'staff', { included: ['s-in'], excluded: ['x-out'] });
  expectOk(await owner('PUT', `/envs/${envId}/segments/${segment.id}/targeting`, { rules: [{ id: 'sr', name: 'domain', conditions: [{ property: 'email', op: 'EndsWith', value: '@acme.test' }] }] }));
  const f = await b.flag(envId, 'checkout', {
    variationType: 'string',
    variations: [
      { id: 'on', name: 'On', value: 'new-checkout' },
      { id: 'off', name: 'Off', value: 'old-checkout' },
      { id: 'vip', name: 'VIP', value: 'vip-checkout' },
      { id: 'nl', name: 'NL', value: 'dutch-checkout' },
    ],
    enabledVariationId: 'on',
    disabledVariationId: 'off',
    isEnabled: true,
  });
  expectOk(
    await owner('PUT', `/envs/${envId}/feature-flags/checkout/targeting`, {
      revision: f.revision,
      targeting: {
        targetUsers: [{ variationId: 'vip', keyIds: ['alice'] }],
        rules: [
          { id: 'r-staff', name: 'staff', conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([segment.id]) }], variations: [{ id: 'vip', rollout: [0, 1] }] },
          { id: 'r-nl', name: 'Dutch users', conditions: [{ property: 'country', op: 'Equal', value: 'NL' }], variations: [{ id: 'nl', rollout: [0, 1] }] },
        ],
        fallthrough: f.fallthrough,
      },
    }),
  );
  const r = await b.flag(envId, 'rollout', {
    variationType: 'string',
    variations: [
      { id: 'a', name: 'A', value: 'a' },
      { id: 'b', name: 'B', value: 'b' },
    ],
    enabledVariationId: 'a',
    disabledVariationId: 'b',
    isEnabled: true,
  });
  expectOk(
    await owner('PUT', `/envs/${envId}/feature-flags/rollout/targeting`, {
      revision: r.revision,
      targeting: {
        targetUsers: [],
        rules: [],
        fallthrough: {
          dispatchKey: null,
          includedInExpt: true,
          variations: [
            { id: 'a', rollout: [0, 0.3] },
            { id: 'b', rollout: [0.3, 1] },
          ],
        },
      },
    }),
  );
  return { segment };
}

/** What the fixture serves each named user (the variation values). */
export const EXPECTED_CHECKOUT: [string, Record<string, string>, string][] = [
  ['alice', { country: 'NL' }, 'vip-checkout'], // targeted
  ['s-in', {}, 'vip-checkout'], // in the segment by id
  ['dave', { email: 'dave@acme.test' }, 'vip-checkout'], // in the segment by its rule
  ['x-out', { email: 'x@acme.test', country: 'NL' }, 'dutch-checkout'], // excluded from the segment; the Dutch rule
  ['bob', { country: 'DE' }, 'new-checkout'], // fallthrough
];

export interface RawSocket {
  ws: WebSocket;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<boolean>;
  send(message: object): void;
  /** The next message matching `match` (already received or yet to come). */
  next(match: (m: any) => boolean): Promise<any>;
}

export function rawSocket(url: string): RawSocket {
  const ws = new WebSocket(url);
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const opened = new Promise<boolean>((resolve) => {
    ws.on('open', () => resolve(true));
    ws.on('close', () => resolve(false));
  });
  return {
    ws,
    messages,
    closed,
    opened,
    send: (m) => ws.send(JSON.stringify(m)),
    next: (match) => eventually('a matching message', () => messages.find(match)),
  };
}

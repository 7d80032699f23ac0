// Who keeps a streaming connection, and who may open one: a socket silent past SDK_IDLE_TIMEOUT_SECONDS is closed
// (a ping keeps it), and the per-address limit on upgrades counts the client by the TRUST_PROXY rule, the same as
// sign-in throttling: a trusted proxy's X-Forwarded-For names the client, anyone else's is ignored.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeStreamingToken } from '../../src/sdk-keys/streaming-token.ts';
import { CLOSE_IDLE } from '../../src/sdk/sdk-hub.ts';
import { openSdkSockets, sdkServiceOf } from '../../src/sdk/sdk-service.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { backends } from '../support/harness.ts';
import { eventually, rawSocket, serve, type RawSocket, type Served } from './sdk-support.ts';

describe.each(backends)('streaming connections (%s)', (backend) => {
  let s: Served;
  const sockets: RawSocket[] = [];
  const open = (at = Date.now()) => {
    const r = rawSocket(`${s.ws}/streaming?type=server&token=${encodeStreamingToken(s.server.value, at)}`);
    sockets.push(r);
    return r;
  };
  /** The HTTP status an upgrade gets from the address in `forwardedFor` (101 when the socket opens). */
  const upgrade = (forwardedFor?: string) =>
    new Promise<number>((resolve, reject) => {
      const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
      const ws = new WebSocket(`${s.ws}/streaming?type=server&token=${encodeStreamingToken(s.server.value, Date.now())}`, { headers });
      ws.on('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
    });
  afterEach(async () => {
    for (const r of sockets.splice(0)) r.ws.terminate();
    await s?.t.close();
  });

  describe('idle timeout (SDK_IDLE_TIMEOUT_SECONDS)', () => {
    it('closes a socket that sent nothing for the timeout with a normal close (the SDK reconnects); a ping keeps one open', async () => {
      const clock = new FakeClock(Date.now());
      s = await serve(backend, { clock, sdkIdleTimeoutSeconds: 60 });
      const silent = open(clock.now());
      const pinging = open(clock.now());
      expect(await silent.opened).toBe(true);
      expect(await pinging.opened).toBe(true);
      await eventually('both sockets registered', () => openSdkSockets(s.t.app.ctx).get(s.envId) === 2);
      clock.advance(40_000);
      pinging.send({ messageType: 'ping' });
      expect(await pinging.next((m) => m.messageType === 'pong')).toBeTruthy();
      clock.advance(20_000);
      // 60 s of silence for one, 20 s for the other: the instance's own sweep closes the silent one.
      expect(await silent.closed).toEqual({ code: CLOSE_IDLE, reason: 'idle timeout' });
      expect(sdkServiceOf(s.t.app.ctx)!.hub.closeIdle()).toBe(0);
      pinging.send({ messageType: 'ping' });
      expect(await pinging.next((m) => m.messageType === 'pong' && pinging.messages.filter((x) => x.messageType === 'pong').length === 2)).toBeTruthy();
      await eventually('the silent socket forgotten', () => openSdkSockets(s.t.app.ctx).get(s.envId) === 1);
    });

    it('0 never closes a socket', async () => {
      const clock = new FakeClock(Date.now());
      s = await serve(backend, { clock, sdkIdleTimeoutSeconds: 0 });
      const r = open(clock.now());
      expect(await r.opened).toBe(true);
      clock.advance(7 * 86_400_000);
      expect(sdkServiceOf(s.t.app.ctx)!.hub.closeIdle()).toBe(0);
      r.send({ messageType: 'ping' });
      expect(await r.next((m) => m.messageType === 'pong')).toBeTruthy();
    });
  });

  describe('per-address limit on upgrades (RATE_LIMIT_PER_MINUTE) and TRUST_PROXY', () => {
    it('behind a trusted proxy, the client the proxy names is limited, not the proxy: others behind it still connect', async () => {
      s = await serve(backend, { rateLimitPerMinute: 3, trustProxy: '127.0.0.1' }); // the test connects from 127.0.0.1: the proxy
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await upgrade('203.0.113.7'));
      expect(statuses).toEqual([101, 101, 101, 429]);
      expect(await upgrade('198.51.100.20')).toBe(101);
    });

    it("an entry the client forged ahead of the proxy's own is ignored: the address the trusted proxy saw is the one limited", async () => {
      s = await serve(backend, { rateLimitPerMinute: 3, trustProxy: '127.0.0.1' });
      const statuses: number[] = [];
      // The client writes X-Forwarded-For: <anything>; the proxy appends the address it saw (203.0.113.7), an untrusted hop.
      for (let i = 0; i < 4; i++) statuses.push(await upgrade(`10.9.8.${i}, 203.0.113.7`));
      expect(statuses).toEqual([101, 101, 101, 429]);
    });

    it('from a peer that is not a trusted proxy, X-Forwarded-For is ignored: a client cannot pick the address it is limited by', async () => {
      for (const trustProxy of [false, '10.0.0.0/8'] as const) {
        s = await serve(backend, { rateLimitPerMinute: 3, trustProxy });
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push(await upgrade(`203.0.113.${i}`));
        expect(statuses, String(trustProxy)).toEqual([101, 101, 101, 429]);
        expect(await upgrade(), String(trustProxy)).toBe(429);
        await s.t.close();
      }
    });
  });
});

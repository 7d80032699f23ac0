// FeatBit's streaming endpoint, `GET /streaming?type=server|client&token=T`, as WebSockets (ws) on the app's own HTTP
// server. The upgrade never reaches Fastify, so its URL (with the token) is never in a request log. A refused
// connection is accepted and then closed with 4003, as FeatBit does (the SDKs do not retry after 4003).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_GOING_AWAY, CLOSE_REFUSED, type SdkHub, type SdkSocket } from './sdk-hub.ts';
import type { SdkService } from './sdk-service.ts';

export const STREAMING_PATH = '/streaming';
/** How often sockets past the idle timeout are looked for: they close between N and N + 1 s of silence. */
export const IDLE_SWEEP_MS = 1000;
// Text frames, never compressed (perMessageDeflate is off).
const SEND_TEXT = { binary: false, compress: false, fin: true } as const;

/** A complete server-to-client text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked, 7, 7+16 or 7+64 bit length). */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

// Shared messages (a change's patch, a snapshot's full data-sync, the pong) arrive as Buffers: each is framed once
// and written to every socket as one buffer, one write call, with nothing encoded or allocated per socket.
const frames = new WeakMap<Buffer, Buffer>();
function frameOf(payload: Buffer): Buffer {
  let frame = frames.get(payload);
  if (frame === undefined) frames.set(payload, (frame = textFrame(payload)));
  return frame;
}
/** An SDK's messages are small (a data-sync carries one user). */
const MAX_MESSAGE_BYTES = 64 * 1024;

const ignore = () => undefined;

/** One SDK's socket, as the hub sees it. */
class WsSdkSocket implements SdkSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly raw: Duplex,
  ) {}

  send(message: string | Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // A shared message goes as one whole frame straight onto the TCP socket that ws owns: safe because ws sends
    // synchronously here (no compression, no Blobs, so its queue is always empty) and every frame is written whole.
    if (typeof message === 'string') this.ws.send(message, SEND_TEXT);
    else this.raw.write(frameOf(message));
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}

function reject(socket: Duplex, status: number, text: string, extra = '') {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

export interface StreamingOptions {
  /** The client's address, by the TRUST_PROXY rule (platform/client-address.ts): the per-address limit counts it. */
  clientAddress(req: IncomingMessage): string;
  onError(err: unknown): void;
}

export function attachStreaming(server: Server, sdk: SdkService, { clientAddress, onError }: StreamingOptions): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });
  // The open sockets, each with the hub's handle of its connection.
  const sockets = new Map<WebSocket, ReturnType<SdkHub['open']>>();
  let closing = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignore);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path !== STREAMING_PATH || closing) return reject(socket, closing ? 503 : 404, closing ? 'Service Unavailable' : 'Not Found');
    const limited = sdk.addressLimited(clientAddress(req));
    if (limited) return reject(socket, 429, 'Too Many Requests', `Retry-After: ${limited.retryAfterSeconds}\r\n`);
    const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    sdk
      .acceptStreaming(params.get('type'), params.get('token'))
      .catch((err) => {
        onError(err);
        return null;
      })
      .then((key) => {
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (!key || closing) return ws.close(closing ? CLOSE_GOING_AWAY : CLOSE_REFUSED, closing ? 'shutting down' : 'invalid request');
          const handle = sdk.hub.open({ type: key.type, envId: key.envId, orgId: key.orgId, secretId: key.secretId, secret: key.secret, socket: new WsSdkSocket(ws, socket) });
          sockets.set(ws, handle);
          ws.on('message', onWsMessage);
          ws.on('error', ignore);
          ws.on('close', onWsClose);
        });
      });
  };
  // Shared by every socket (`this` is the WebSocket): a connection adds no closures of its own.
  function onWsMessage(this: WebSocket, data: Buffer, isBinary: boolean) {
    if (!isBinary) sockets.get(this)?.onMessage(data.toString());
  }
  function onWsClose(this: WebSocket) {
    sockets.get(this)?.onClose();
    sockets.delete(this);
  }
  server.on('upgrade', onUpgrade);
  const idleSweep = setInterval(() => sdk.hub.closeIdle(), IDLE_SWEEP_MS);
  idleSweep.unref();

  return {
    close() {
      closing = true;
      clearInterval(idleSweep);
      server.off('upgrade', onUpgrade);
      for (const ws of sockets.keys()) ws.close(CLOSE_GOING_AWAY, 'shutting down');
      // Sockets that do not finish the closing handshake soon are cut.
      const cut = setTimeout(() => {
        for (const ws of sockets.keys()) ws.terminate();
      }, 1000);
      cut.unref();
    },
  };
}

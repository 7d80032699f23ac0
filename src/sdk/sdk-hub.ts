// The open SDK sockets of this instance, by environment: answers their messages (data-sync, ping), pushes every change
// of their environment as a patch, and closes those whose SDK key stops working. Transport-agnostic: a connection is
// anything with send/close (sdk-streaming.ts attaches WebSockets).
import { createHash } from 'node:crypto';
import type { ClientFlag, EvalUser } from '../evaluation/index.ts';
import type { SdkSecretResolver, SdkSecretRevocation } from '../sdk-keys/sdk-secret-resolver.ts';
import type { SdkSecretType } from '../sdk-keys/sdk-key-format.ts';
import { PONG_BYTES, changedItems, clientFlags, clientMessage, itemsSince, parseUser, serverMessage, syncTimestamp, type EnvSnapshot, type SdkFlag } from './sdk-payloads.ts';
import type { SdkReadModel } from './sdk-read-model.ts';

/** FeatBit's close code for a refused connection; the SDKs never reconnect after it. */
export const CLOSE_REFUSED = 4003;
/** Going away (the instance shuts down): the SDKs reconnect, to another instance. */
export const CLOSE_GOING_AWAY = 1001;
/** A socket silent past the idle timeout: a normal close, so a live SDK reconnects (only 4003 stops it). */
export const CLOSE_IDLE = 1000;

/** Sockets written per turn of the event loop during a push. */
export const PUSH_SLICE = 1000;

export interface SdkSocket {
  /** A message: a string, or the UTF-8 bytes of one (a push encodes its text once for every socket). */
  send(text: string | Buffer): void;
  close(code: number, reason: string): void;
}

export interface SdkConnection {
  readonly socket: SdkSocket;
  readonly type: SdkSecretType;
  readonly envId: string;
  readonly orgId: string;
  readonly secretId: string;
  /** The SDK key itself, to ask the resolver again after a rotation. Never logged. */
  readonly secret: string;
  /** A client SDK's user, from its latest data-sync. */
  user: EvalUser | null;
  /** The user as text, computed once per data-sync: client SDKs whose users are alike share one evaluated patch. */
  userKey: string;
  /** When the SDK last sent anything (deps.now()); a ping is enough. */
  lastSeen: number;
}

export interface SdkHub {
  /** Registers an accepted socket; returns the handler of its messages and the function to call when it closes. */
  open(conn: Omit<SdkConnection, 'user' | 'userKey' | 'lastSeen'>): { onMessage(text: string): void; onClose(): void };
  /** Open sockets per environment on this instance. */
  socketCounts(): Map<string, number>;
  /** Open sockets of one environment (or of all) on this instance. */
  socketCount(envId?: string): number;
  /** Pushes the difference between two snapshots of an environment (the read model's onChange). */
  pushChange(envId: string, before: EnvSnapshot | null, after: EnvSnapshot | null): void;
  /** Closes every socket (shutdown). */
  closeAll(code: number, reason: string): void;
  /** Closes the sockets that sent nothing for the idle timeout (none when it is 0); returns how many. */
  closeIdle(): number;
}

export interface SdkHubDeps {
  readModel: SdkReadModel;
  resolver: Pick<SdkSecretResolver, 'resolve' | 'onRevoked'>;
  now(): number;
  /** A socket that sends nothing for this long is closed by closeIdle(); 0: never. */
  idleTimeoutMs: number;
  onError(err: unknown, what: string): void;
}

/** A server SDK's data-sync answer, encoded once: the same bytes (and ETag) for every socket and every poll that asks. */
export interface EncodedSync {
  bytes: Buffer;
  etag: string;
}

/** Distinct timestamps answered per snapshot (FIFO): SDKs in step ask with the same few; a stranger cannot grow it. */
const MAX_CACHED_SYNCS = 32;
const encodedSyncs = new WeakMap<EnvSnapshot, Map<number, EncodedSync>>();

/**
 * The data-sync answer for a server SDK at `timestamp`, from memory after the first time per snapshot: serialized,
 * UTF-8 encoded and hashed once. Every timestamp at or past the snapshot's newest item has the same (empty) answer.
 */
export function serverSync(s: EnvSnapshot, timestamp: number): EncodedSync {
  const key = timestamp !== 0 && timestamp >= s.latest ? Infinity : timestamp;
  let bySince = encodedSyncs.get(s);
  if (!bySince) encodedSyncs.set(s, (bySince = new Map()));
  let encoded = bySince.get(key);
  if (encoded === undefined) {
    const { eventType, flags, segments } = itemsSince(s, timestamp);
    const bytes = Buffer.from(serverMessage(eventType, flags, segments));
    encoded = { bytes, etag: `"${createHash('sha1').update(bytes).digest('base64url')}"` };
    if (bySince.size >= MAX_CACHED_SYNCS) bySince.delete(bySince.keys().next().value!);
    bySince.set(key, encoded);
  }
  return encoded;
}

/** The data-sync answer for a client SDK's `user` at `timestamp`. */
export function clientSync(s: EnvSnapshot, user: EvalUser, timestamp: number): string {
  const { eventType, flags } = itemsSince(s, timestamp);
  return clientMessage(eventType, user, clientFlags(flags, user, s.segmentOf));
}

export function createSdkHub(deps: SdkHubDeps): SdkHub {
  const byEnv = new Map<string, Set<SdkConnection>>();

  const send = (conn: SdkConnection, text: string | Buffer) => {
    try {
      conn.socket.send(text);
    } catch (err) {
      deps.onError(err, 'sending to an SDK socket failed');
    }
  };
  const refuse = (conn: SdkConnection, reason: string) => {
    try {
      conn.socket.close(CLOSE_REFUSED, reason);
    } catch (err) {
      deps.onError(err, 'closing an SDK socket failed');
    }
  };

  async function dataSync(conn: SdkConnection, data: unknown) {
    const d = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
    const timestamp = syncTimestamp(d.timestamp);
    if (conn.type === 'client') {
      const user = parseUser(d.user);
      // FeatBit's client data-sync needs a user; a message without one (or with a malformed one) is ignored.
      if (!user) return;
      conn.user = user;
      conn.userKey = JSON.stringify(user);
    }
    const snapshot = await deps.readModel.get(conn.envId, conn.orgId);
    if (!snapshot || !byEnv.get(conn.envId)?.has(conn)) return;
    send(conn, conn.type === 'server' ? serverSync(snapshot, timestamp).bytes : clientSync(snapshot, conn.user!, timestamp));
  }

  function onMessage(conn: SdkConnection, text: string) {
    conn.lastSeen = deps.now();
    let message: { messageType?: unknown; data?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!message || typeof message !== 'object') return;
    if (message.messageType === 'ping') return send(conn, PONG_BYTES);
    if (message.messageType === 'data-sync') dataSync(conn, message.data).catch((err) => deps.onError(err, 'an SDK data-sync failed'));
  }

  function pushChange(envId: string, before: EnvSnapshot | null, after: EnvSnapshot | null) {
    const conns = byEnv.get(envId);
    if (!conns || conns.size === 0 || !before || !after) return;
    const changed = changedItems(before, after);
    if (changed.flags.length === 0 && changed.segments.length === 0) return;
    // Built once per change and shared by every server SDK of the environment.
    const forServers = Buffer.from(serverMessage('patch', changed.flags, changed.segments));
    // Client SDKs: their user's results for the changed flags only; users with the same attributes share one string.
    const forUsers = new Map<string, string>();
    const clientPatch = (user: EvalUser, key: string, flags: readonly SdkFlag[]) => {
      let text = forUsers.get(key);
      if (text === undefined) {
        const evaluated: ClientFlag[] = clientFlags(flags, user, after.segmentOf);
        text = evaluated.length > 0 ? clientMessage('patch', user, evaluated) : '';
        forUsers.set(key, text);
      }
      return text;
    };
    // In slices, yielding between them: requests (and other environments' pushes) are not held behind 10,000 writes.
    const targets = [...conns];
    const sendSlice = (from: number) => {
      const to = Math.min(from + PUSH_SLICE, targets.length);
      for (let i = from; i < to; i++) {
        const conn = targets[i];
        if (!conns.has(conn)) continue;
        if (conn.type === 'server') send(conn, forServers);
        else if (conn.user && changed.flags.length > 0) {
          const text = clientPatch(conn.user, conn.userKey, changed.flags);
          if (text) send(conn, text);
        }
      }
      if (to < targets.length) setImmediate(() => sendSlice(to));
    };
    sendSlice(0);
  }

  // Revocations: a deleted key (or environment) closes its sockets at once; after a rotation's grace end, or when
  // notifications may have been missed, each affected socket's key is asked again (once per distinct key).
  async function recheck(conns: SdkConnection[]) {
    const byKey = new Map<string, SdkConnection[]>();
    for (const c of conns) byKey.set(c.secret, [...(byKey.get(c.secret) ?? []), c]);
    await Promise.all(
      [...byKey].map(async ([secret, group]) => {
        let resolved: Awaited<ReturnType<typeof deps.resolver.resolve>>;
        try {
          resolved = await deps.resolver.resolve(secret, deps.now());
        } catch (err) {
          // The database is unreachable: keep the sockets; the next event or the bounded fallback asks again.
          return deps.onError(err, 'an SDK key could not be checked again');
        }
        for (const c of group) if (!resolved || resolved.envId !== c.envId || resolved.type !== c.type) refuse(c, 'SDK key revoked');
      }),
    );
  }

  deps.resolver.onRevoked((event: SdkSecretRevocation) => {
    const all = [...byEnv.values()].flatMap((s) => [...s]);
    if (event.reason === 'deleted') {
      for (const c of all) if (event.secretId ? c.secretId === event.secretId : c.envId === event.envId) refuse(c, 'SDK key revoked');
      return;
    }
    const affected = event.reason === 'rotated' ? all.filter((c) => c.secretId === event.secretId) : all;
    if (affected.length > 0) void recheck(affected);
  });

  return {
    open(init) {
      const conn: SdkConnection = { ...init, user: null, userKey: '', lastSeen: deps.now() };
      let set = byEnv.get(conn.envId);
      if (!set) byEnv.set(conn.envId, (set = new Set()));
      set.add(conn);
      return {
        onMessage: (text) => onMessage(conn, text),
        onClose: () => {
          const s = byEnv.get(conn.envId);
          s?.delete(conn);
          if (s && s.size === 0) byEnv.delete(conn.envId);
        },
      };
    },
    socketCounts: () => new Map([...byEnv].map(([envId, s]) => [envId, s.size])),
    socketCount: (envId) => (envId === undefined ? [...byEnv.values()].reduce((n, s) => n + s.size, 0) : (byEnv.get(envId)?.size ?? 0)),
    pushChange,
    closeIdle() {
      if (deps.idleTimeoutMs <= 0) return 0;
      const before = deps.now() - deps.idleTimeoutMs;
      let closed = 0;
      for (const [envId, s] of byEnv) {
        for (const c of s) {
          if (c.lastSeen > before) continue;
          // Forgotten now, not when the closing handshake ends: it gets no more pushes and is not closed twice.
          s.delete(c);
          closed++;
          try {
            c.socket.close(CLOSE_IDLE, 'idle timeout');
          } catch (err) {
            deps.onError(err, 'closing an idle SDK socket failed');
          }
        }
        if (s.size === 0) byEnv.delete(envId);
      }
      return closed;
    },
    closeAll(code, reason) {
      for (const s of byEnv.values())
        for (const c of s) {
          try {
            c.socket.close(code, reason);
          } catch {
            // already gone
          }
        }
    },
  };
}

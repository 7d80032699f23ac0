// The SDK protocol's rules: which SDK key may connect or poll (FeatBit's RequestValidator), and what each gets.
// Owns this instance's read model (sdk-read-model.ts) and socket hub (sdk-hub.ts), fed by the invalidation bus.
import { RateLimiter } from '../auth/rate-limit.ts';
import type { EvalUser } from '../evaluation/index.ts';
import type { AppContext } from '../platform/context.ts';
import { TooManyRequests, Unauthorized } from '../platform/errors.ts';
import type { ResolvedSdkSecret } from '../sdk-keys/sdk-secret-resolver.ts';
import type { SdkSecretType } from '../sdk-keys/sdk-key-format.ts';
import { decodeStreamingToken } from '../sdk-keys/streaming-token.ts';
import { clientSync, createSdkHub, serverSync, type EncodedSync, type SdkHub } from './sdk-hub.ts';
import { syncTimestamp } from './sdk-payloads.ts';
import { createSdkReadModel, type SdkReadModel } from './sdk-read-model.ts';
import { createPollEtags } from './poll-etag.ts';
import { sdkStore } from './sdk-store.ts';

export type SdkDeps = Pick<AppContext, 'db' | 'clock' | 'sdkSecrets' | 'onInvalidate' | 'config'>;
export interface ErrorLog {
  error(obj: object, msg: string): void;
}

export interface SdkService {
  hub: SdkHub;
  readModel: SdkReadModel;
  /** The SDK key of a poll (its Authorization header) if it is a working key of `type`; 401 otherwise, 429 past a limit. */
  authorize(authorization: string | undefined, type: SdkSecretType, address: string): Promise<ResolvedSdkSecret>;
  /** A streaming connection's key, or null: the token must decode (±30 s), its key resolve, and its type be `type`. */
  acceptStreaming(type: unknown, token: unknown): Promise<(ResolvedSdkSecret & { secret: string }) | null>;
  /** Past the per-address limit: refuse before any lookup. */
  addressLimited(address: string): TooManyRequests | null;
  /** The data-sync message as bytes and its ETag, both computed once per snapshot and timestamp. */
  serverLatest(key: ResolvedSdkSecret, timestamp: unknown): Promise<EncodedSync>;
  /**
   * A server SDK's poll, whole: the key from Authorization or, when the SDK revalidates without it, from its sealed
   * ETag (poll-etag.ts); 304 when the body is the one that ETag describes, else the body and a new sealed ETag.
   */
  serverPoll(
    authorization: string | undefined,
    ifNoneMatch: string | undefined,
    address: string,
    timestamp: unknown,
  ): Promise<{ notModified: true } | { notModified: false; bytes: Buffer; etag: string }>;
  clientLatest(key: ResolvedSdkSecret, user: EvalUser, timestamp: unknown): Promise<string>;
}

// The services of each app, for whoever needs to count sockets (the benchmark) or wait for reloads (tests).
const services = new WeakMap<object, SdkService>();
export const sdkServiceOf = (ctx: object): SdkService | undefined => services.get(ctx);

/** Open SDK sockets per environment on this instance (the benchmark counts with it). */
export function openSdkSockets(ctx: object): Map<string, number> {
  return services.get(ctx)?.hub.socketCounts() ?? new Map();
}

/** One per app: registered under `ctx`, so that `openSdkSockets(ctx)` finds it. */
export function sdkService(ctx: SdkDeps, log: ErrorLog): SdkService {
  const store = sdkStore(ctx.db);
  const pollEtags = createPollEtags(ctx.config.secret);
  // Per SDK key and per address, like API credentials (configurable: RATE_LIMIT_PER_MINUTE; 0 disables).
  const limiter = ctx.config.rateLimitPerMinute > 0 ? new RateLimiter(ctx.config.rateLimitPerMinute) : null;
  let hub: SdkHub | null = null;
  const readModel = createSdkReadModel({
    load: (envId, orgId) => store.loadEnvironment(envId, orgId),
    eager: (envId) => (hub?.socketCount(envId) ?? 0) > 0,
    onChange: (envId, before, after) => hub?.pushChange(envId, before, after),
    onError: (err, envId) => log.error({ err, envId }, 'reloading flags for SDKs failed'),
  });
  hub = createSdkHub({
    readModel,
    resolver: ctx.sdkSecrets,
    now: () => ctx.clock.now(),
    idleTimeoutMs: ctx.config.sdkIdleTimeoutSeconds * 1000,
    onError: (err, what) => log.error({ err }, what),
  });
  ctx.onInvalidate((event) => readModel.invalidate(event));

  const addressLimited = (address: string): TooManyRequests | null => {
    if (!limiter) return null;
    const d = limiter.hit(`a:${address}`, ctx.clock.now());
    return d.allowed ? null : new TooManyRequests(d.retryAfterSeconds, limiter.limit);
  };

  const service: SdkService = {
    hub,
    readModel,
    addressLimited,

    async authorize(authorization, type, address) {
      const limited = addressLimited(address);
      if (limited) throw limited;
      const now = ctx.clock.now();
      // Malformed, unknown, revoked and wrong-type keys all get the same 401; the resolver refuses malformed ones
      // before any lookup.
      const key = typeof authorization === 'string' && authorization.length <= 512 ? await ctx.sdkSecrets.resolve(authorization.trim(), now) : null;
      if (!key || key.type !== type) throw new Unauthorized();
      if (limiter) {
        const d = limiter.hit(`k:${key.secretId}`, now);
        if (!d.allowed) throw new TooManyRequests(d.retryAfterSeconds, limiter.limit);
      }
      return key;
    },

    async acceptStreaming(type, token) {
      if (type !== 'server' && type !== 'client') return null;
      const now = ctx.clock.now();
      const decoded = decodeStreamingToken(token, now);
      if (!decoded) return null;
      const key = await ctx.sdkSecrets.resolve(decoded.secret, now);
      if (!key || key.type !== type) return null;
      return { ...key, secret: decoded.secret };
    },

    async serverLatest(key, timestamp) {
      const snapshot = await readModel.get(key.envId, key.orgId);
      // The environment vanished between the lookup and now: its keys are gone too.
      if (!snapshot) throw new Unauthorized();
      return serverSync(snapshot, syncTimestamp(timestamp));
    },

    async serverPoll(authorization, ifNoneMatch, address, timestamp) {
      const previous = typeof ifNoneMatch === 'string' ? pollEtags.open(ifNoneMatch) : null;
      const given = typeof authorization === 'string' && authorization.trim() !== '' ? authorization.trim() : undefined;
      const secret = given ?? previous?.secret;
      const key = await service.authorize(secret, 'server', address);
      const sync = await service.serverLatest(key, timestamp);
      if (previous && previous.bodyTag === sync.etag) return { notModified: true };
      return { notModified: false, bytes: sync.bytes, etag: pollEtags.seal(secret!, sync.etag) };
    },

    async clientLatest(key, user, timestamp) {
      const snapshot = await readModel.get(key.envId, key.orgId);
      if (!snapshot) throw new Unauthorized();
      return clientSync(snapshot, user, syncTimestamp(timestamp));
    },
  };
  services.set(ctx, service);
  return service;
}

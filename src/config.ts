// Environment → typed, validated Config, once.
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | null; // null = embedded SQLite under dataDir
  secret: string;
  logLevel: string;
  sessionTtlSeconds: number;
  rateLimitPerMinute: number; // per credential; 0 disables
  cacheRevalidateSeconds: number;
  webDir: string;
  secureCookies: boolean;
  /** Fastify's trustProxy: false (the socket address is the client), or the proxies whose X-Forwarded-For to believe. */
  trustProxy: boolean | number | string;
  /** An SDK socket that sends nothing (not even a ping) for this long is closed; 0 never closes one. */
  sdkIdleTimeoutSeconds: number;
  /** GitHub's secret-scanning signing keys (SECRET_SCANNING_KEYS); absent or null turns the leak-alert endpoint off. */
  secretScanningKeys?: SecretScanningKey[] | null;
}

/** One entry of the key document GitHub publishes for secret scanning, its PEM parsed once. */
export interface SecretScanningKey {
  id: string;
  key: KeyObject;
  isCurrent: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.DATA_DIR ?? './data');
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  const port = intFrom(env.PORT, 8080, 'PORT', 0, 65535);
  let secret = env.ENSIGN_SECRET ?? '';
  if (!secret) {
    if (databaseUrl) throw new ConfigError('ENSIGN_SECRET is required with DATABASE_URL (PostgreSQL): every instance must share it.');
    secret = secretFromDataDir(dataDir);
  }
  if (secret.length < 16) throw new ConfigError('ENSIGN_SECRET must be at least 16 characters.');
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir,
    databaseUrl,
    secret,
    logLevel: env.LOG_LEVEL ?? 'info',
    sessionTtlSeconds: intFrom(env.SESSION_TTL_SECONDS, 12 * 3600, 'SESSION_TTL_SECONDS', 60, 30 * 86400),
    rateLimitPerMinute: intFrom(env.RATE_LIMIT_PER_MINUTE, 60_000, 'RATE_LIMIT_PER_MINUTE', 0, 10_000_000),
    cacheRevalidateSeconds: intFrom(env.CACHE_REVALIDATE_SECONDS, 5, 'CACHE_REVALIDATE_SECONDS', 1, 3600),
    webDir: resolve(env.WEB_DIR ?? 'web/dist'),
    secureCookies: env.SECURE_COOKIES === 'true',
    trustProxy: trustProxyFrom(env.TRUST_PROXY),
    sdkIdleTimeoutSeconds: idleTimeoutFrom(env.SDK_IDLE_TIMEOUT_SECONDS),
    secretScanningKeys: secretScanningKeysFrom(env.SECRET_SCANNING_KEYS),
  };
}

const PROXY_ENTRY = /^(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?)$/;

/**
 * TRUST_PROXY: unset (no proxy), a hop count (`1`: the nearest proxy), or a comma-separated list of proxy
 * addresses, CIDR ranges or proxy-addr names (`loopback`, `10.0.0.0/8`). `true` believes any client's
 * X-Forwarded-For, which lets anyone pick the address they are throttled by: only behind a proxy that every
 * request must pass through.
 */
function trustProxyFrom(text: string | undefined): boolean | number | string {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return intFrom(value, 0, 'TRUST_PROXY', 1, 32);
  const entries = value.split(',').map((e) => e.trim());
  if (!entries.every((e) => PROXY_ENTRY.test(e)))
    throw new ConfigError('TRUST_PROXY must be true, a hop count, or a comma-separated list of addresses, CIDR ranges or loopback/linklocal/uniquelocal.');
  return entries.join(',');
}

/** The SDKs ping every 18 s: a shorter timeout would close healthy sockets. */
export const MIN_SDK_IDLE_TIMEOUT_SECONDS = 20;

/** SDK_IDLE_TIMEOUT_SECONDS: 60 unless set; 0 (never) or 20 to 86,400. */
function idleTimeoutFrom(text: string | undefined): number {
  const n = intFrom(text, 60, 'SDK_IDLE_TIMEOUT_SECONDS', 0, 86_400);
  if (n !== 0 && n < MIN_SDK_IDLE_TIMEOUT_SECONDS) throw new ConfigError(`SDK_IDLE_TIMEOUT_SECONDS must be 0 (never) or from ${MIN_SDK_IDLE_TIMEOUT_SECONDS} to 86400: the SDKs ping every 18 s.`);
  return n;
}

/**
 * SECRET_SCANNING_KEYS: GitHub's key document (`{"public_keys": [{"key_identifier", "key", "is_current"}]}`), inline
 * (it starts with `{`) or the path of a file holding it. Every key must be an ECDSA P-256 public key in PEM.
 */
export function secretScanningKeysFrom(text: string | undefined): SecretScanningKey[] | null {
  const value = text?.trim() ?? '';
  if (value === '') return null;
  let doc: unknown;
  try {
    doc = JSON.parse(value.startsWith('{') ? value : readFileSync(value, 'utf8'));
  } catch (err) {
    throw new ConfigError(`SECRET_SCANNING_KEYS must be GitHub's key document as JSON, or the path of a file holding it (${(err as Error).message}).`);
  }
  const list = (doc as { public_keys?: unknown })?.public_keys;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError('SECRET_SCANNING_KEYS must have a non-empty "public_keys" array.');
  return list.map((entry: { key_identifier?: unknown; key?: unknown; is_current?: unknown }, i) => {
    if (typeof entry?.key_identifier !== 'string' || entry.key_identifier === '' || typeof entry.key !== 'string') {
      throw new ConfigError(`SECRET_SCANNING_KEYS: public_keys[${i}] needs a "key_identifier" and a "key" (PEM).`);
    }
    let key: KeyObject;
    try {
      key = createPublicKey(entry.key);
    } catch {
      throw new ConfigError(`SECRET_SCANNING_KEYS: public_keys[${i}].key is not a PEM public key.`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new ConfigError(`SECRET_SCANNING_KEYS: public_keys[${i}].key must be an ECDSA P-256 key.`);
    }
    return { id: entry.key_identifier, key, isCurrent: entry.is_current === true };
  });
}

function intFrom(text: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}.`);
  return n;
}

// SQLite only: a secret generated on first start and reused, readable by the owner alone.
function secretFromDataDir(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

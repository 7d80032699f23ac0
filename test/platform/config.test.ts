// Environment → Config: TRUST_PROXY (who may name the client's address) and SECRET_SCANNING_KEYS are parsed strictly.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const config = (env: Record<string, string>) => loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'ensign-config-')), ...env });

describe('TRUST_PROXY', () => {
  it('trusts no proxy unless told: unset, empty and false all mean the socket address is the client', () => {
    expect(config({}).trustProxy).toBe(false);
    expect(config({ TRUST_PROXY: '' }).trustProxy).toBe(false);
    expect(config({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('takes a hop count, a list of addresses and ranges, or true', () => {
    expect(config({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(config({ TRUST_PROXY: '10.0.0.0/8, loopback ,2001:db8::1' }).trustProxy).toBe('10.0.0.0/8,loopback,2001:db8::1');
    expect(config({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('refuses anything else with a clear message, before the server starts', () => {
    for (const bad of ['yes', '0', '10.0.0.0/8;rm', 'proxy.example.com', '1.2.3.4,,']) {
      expect(() => config({ TRUST_PROXY: bad }), bad).toThrow(ConfigError);
    }
    expect(() => config({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY must be/);
  });
});

describe('SDK_IDLE_TIMEOUT_SECONDS', () => {
  it('60 unless set; 0 turns it off; otherwise 20 to 86,400 (the SDKs ping every 18 s)', () => {
    expect(config({}).sdkIdleTimeoutSeconds).toBe(60);
    expect(config({ SDK_IDLE_TIMEOUT_SECONDS: '0' }).sdkIdleTimeoutSeconds).toBe(0);
    expect(config({ SDK_IDLE_TIMEOUT_SECONDS: '20' }).sdkIdleTimeoutSeconds).toBe(20);
    expect(config({ SDK_IDLE_TIMEOUT_SECONDS: '86400' }).sdkIdleTimeoutSeconds).toBe(86_400);
    for (const bad of ['1', '19', '86401', '-1', '30s', '1.5']) expect(() => config({ SDK_IDLE_TIMEOUT_SECONDS: bad }), bad).toThrow(/SDK_IDLE_TIMEOUT_SECONDS must be/);
  });
});

describe('SECRET_SCANNING_KEYS', () => {
  const pem = (curve: string) => generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const doc = (key: string) => JSON.stringify({ public_keys: [{ key_identifier: 'abc', key, is_current: true }] });

  it("is off when unset, and takes GitHub's key document inline or from a file", () => {
    expect(config({}).secretScanningKeys).toBeNull();
    const inline = config({ SECRET_SCANNING_KEYS: doc(pem('P-256')) }).secretScanningKeys!;
    expect(inline.map((k) => [k.id, k.isCurrent, k.key.asymmetricKeyType])).toEqual([['abc', true, 'ec']]);
    const file = join(mkdtempSync(join(tmpdir(), 'ensign-keys-')), 'keys.json');
    writeFileSync(file, doc(pem('P-256')));
    expect(config({ SECRET_SCANNING_KEYS: file }).secretScanningKeys!.map((k) => k.id)).toEqual(['abc']);
  });

  it('refuses a document that is not JSON, has no keys, or holds a key that is not ECDSA P-256, before the server starts', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    for (const bad of ['{not json', '/no/such/file.json', '{"public_keys": []}', doc('not a pem'), doc(pem('P-384')), doc(rsa), '{"public_keys": [{"key": "x"}]}']) {
      expect(() => config({ SECRET_SCANNING_KEYS: bad }), bad).toThrow(ConfigError);
    }
    expect(() => config({ SECRET_SCANNING_KEYS: doc(pem('P-384')) })).toThrow(/P-256/);
  });
});

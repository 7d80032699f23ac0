import { describe, expect, it } from 'vitest';
import { generateSdkSecret, parseSdkSecret, sdkSecretHint } from './sdk-key-format.ts';

describe('SDK key format', () => {
  it('generates URL-safe prefixed base62 keys whose checksum verifies, one type per prefix', () => {
    const server = generateSdkSecret('server');
    const client = generateSdkSecret('client');
    expect(server).toMatch(/^ens_srv_[0-9A-Za-z]{38}$/);
    expect(client).toMatch(/^ens_cli_[0-9A-Za-z]{38}$/);
    expect(encodeURIComponent(server)).toBe(server);
    expect(parseSdkSecret(server)).toBe('server');
    expect(parseSdkSecret(client)).toBe('client');
  });

  it('rejects a key with a changed character, a wrong checksum, a swapped prefix, padding or another length', () => {
    const k = generateSdkSecret('server');
    const flipped = k.slice(0, 12) + (k[12] === 'a' ? 'b' : 'a') + k.slice(13);
    expect(parseSdkSecret(flipped)).toBeNull();
    expect(parseSdkSecret(k.slice(0, -1) + (k.endsWith('0') ? '1' : '0'))).toBeNull();
    expect(parseSdkSecret(`ens_cli_${k.slice(8)}`)).toBeNull();
    expect(parseSdkSecret(`${k}=`)).toBeNull();
    expect(parseSdkSecret(k.slice(0, -1))).toBeNull();
    expect(parseSdkSecret(`ens_pat_${k.slice(8)}`)).toBeNull();
    expect(parseSdkSecret(undefined)).toBeNull();
    expect(parseSdkSecret(42)).toBeNull();
  });

  it('hints with the prefix and the last four characters only', () => {
    const k = generateSdkSecret('server');
    expect(sdkSecretHint(k)).toBe(`ens_srv_…${k.slice(-4)}`);
  });
});

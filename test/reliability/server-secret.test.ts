// The server secret (04-operations.md "Secrets"): the pepper of every token digest. Required with PostgreSQL (the server
// refuses to start without it), at least 16 characters, and with SQLite generated once into DATA_DIR/secret, mode 0600.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { repoRoot } from './support/server.ts';

describe('the server secret', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'ensign-secret-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('with SQLite and no ENSIGN_SECRET, one is generated into DATA_DIR/secret readable by the owner only, and reused', () => {
    const dir = tempDir();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).secret).toBe(first.secret);
    expect(readFileSync(join(dir, 'secret'), 'utf8').trim()).toBe(first.secret);
  });

  it('with PostgreSQL it is required, and a short one is refused', () => {
    expect(() => loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: 'postgres://x@127.0.0.1/y' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tempDir(), ENSIGN_SECRET: 'short' })).toThrow(/at least 16/);
  });

  it('`ensign serve` with DATABASE_URL and no ENSIGN_SECRET exits non-zero with a clear message, before touching the database', () => {
    const res = spawnSync(process.execPath, [join(repoRoot, 'bin/ensign.mjs'), 'serve'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: tempDir(), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/ENSIGN_SECRET is required/);
  }, 70_000);
});

// An Ensign app in the benchmark's own process, on a throw-away SQLite directory, for micro-benchmarks that call its
// code directly (token checks, token verification). Settings are loadConfig's, from `env`: the same parsing and
// defaults as a real server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/platform/db.ts';

export async function inProcessEnsign(name: string, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), `ensign-${name}-`));
  const config = loadConfig({
    DATA_DIR: dataDir,
    ENSIGN_SECRET: 'bench-secret-0123456789',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    CACHE_REVALIDATE_SECONDS: '3600',
    WEB_DIR: join(dataDir, 'none'),
    ...env,
  });
  const db = await openDatabase({ databaseUrl: null, dataDir });
  const app = await buildApp({ config, db, logger: false, background: false });
  return {
    app,
    db,
    async close() {
      await app.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// The server serves web/dist: build the UI once, before any browser test runs,
// so the tests always drive the current sources.
import { build } from 'vite';
import { join } from 'node:path';
import { repoRoot } from './server.ts';

export default async function setup() {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  // Vitest sets NODE_ENV=test, which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(repoRoot, 'web/vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

#!/usr/bin/env node
// `npm start`: build the web UI if it is missing or older than its sources, then serve.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const built = 'web/dist/index.html';
const stale = !existsSync(built) || Math.max(newest('web/src'), statSync('web/index.html').mtimeMs) > statSync(built).mtimeMs;
if (stale) {
  console.log('Building the web UI…');
  const r = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const r = spawnSync(process.execPath, ['bin/ensign.mjs', 'serve'], { stdio: 'inherit' });
process.exit(r.status ?? 1);

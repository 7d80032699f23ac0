#!/usr/bin/env node
// `npm test`: every suite, on SQLite always and on PostgreSQL when PG_URL is set; then the browser tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const run = (args, env = {}) => spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;
const failures = [];
const failedTests = [];
const totals = { passed: 0, failed: 0, skipped: 0 };
mkdirSync('.tmp', { recursive: true });

/** vitest with a JSON report beside the normal output, so the closing line can add up every suite. */
function vitest(extra, report) {
  const status = run(['vitest', 'run', ...extra, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
    for (const file of r.testResults ?? []) {
      const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of failed)
        failedTests.push(
          `${file.name.replace(`${process.cwd()}/`, '')} > ${t.fullName}\n      ${String(t.failureMessages?.[0] ?? '')
            .split('\n')
            .slice(0, 3)
            .join('\n      ')}`,
        );
      if (file.status === 'failed' && failed.length === 0) failedTests.push(`${file.name.replace(`${process.cwd()}/`, '')}: ${String(file.message ?? 'failed to run').split('\n')[0]}`);
    }
  } catch {
    totals.failed += 1;
  }
  return status;
}

// Built first: the web-security tests read web/dist, and the browser tests serve it.
console.log('\n== Building the web UI');
const webBuilt = run(['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']) === 0;
if (!webBuilt) failures.push('web build');

if (process.env.PG_URL) console.log(`\n== Unit and integration tests on SQLite and PostgreSQL (PG_URL=${process.env.PG_URL})`);
else console.log('\n== Unit and integration tests on SQLite only.\n   PostgreSQL half SKIPPED: PG_URL is not set (e.g. PG_URL=postgres://postgres@127.0.0.1:5432/test npm test).');
if (vitest([], '.tmp/vitest-main.json') !== 0) failures.push('unit/integration');

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromium)) {
  console.log(`\n== Browser tests (Chromium at ${chromium})`);
  if (!webBuilt) failures.push('browser (web build failed)');
  else if (vitest(['--config', 'test/e2e/vitest.config.ts'], '.tmp/vitest-e2e.json') !== 0) failures.push('browser');
} else {
  console.log(`\n== Browser tests SKIPPED: no Chromium at ${chromium} (apt-get install -y chromium).`);
}

if (!process.env.PG_URL) console.log('\nNote: the PostgreSQL half was SKIPPED (PG_URL not set).');
console.log(`\nTests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (failedTests.length) console.log(`\nFailed tests:\n${failedTests.map((t) => `  - ${t}`).join('\n')}`);
if (failures.length) {
  console.log(`\nFAILED: ${failures.join(', ')}`);
  process.exit(1);
}
console.log('\nAll test suites passed.');

// Debian's Chromium driven by playwright-core. Each "person" in a test gets a
// browser of their own with a fresh profile directory, so cookies never mix.
// (Playwright takes the profile as launchPersistentContext's first argument
// instead of a --user-data-dir flag.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Everything the browser printed to its console or threw, for failure messages and CSP checks. */
  console: string[];
  close: () => Promise<void>;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(opts: { width?: number; height?: number } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ensign-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    console: consoleLines,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// The frame around the pages: organization switcher, narrow windows, and the
// audit log naming the token behind a change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, setupOwner, OWNER, inviteAndRedeem } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

describe('app shell, audit log and organizations', () => {
  let server: RunningServer;
  let owner: Api;
  let browser: TestBrowser;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    const project = await owner.ok<{ environments: { id: string; key: string }[] }>('POST', '/projects', { name: 'Web', key: 'web' });
    const prod = project.environments.find((e) => e.key === 'prod')!.id;
    await owner.ok('POST', `/envs/${prod}/feature-flags`, { key: 'checkout', name: 'Checkout' });
    const bot = await owner.ok<{ secret: string }>('POST', '/access-tokens', {
      name: 'Release bot',
      type: 'Service',
      permissions: [
        { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] },
        { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/prod:flag/*'] },
      ],
    });
    await new Api(server.url, bot.secret).ok('PUT', `/envs/${prod}/feature-flags/checkout/toggle/true`, {});
    browser = await launchBrowser();
    await signInThroughUi(browser.page, server.url, OWNER.email, OWNER.password);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the audit log shows a change made with a token under the token’s name, and filters by token', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Audit log' }).click();
    const toggled = page.getByTestId('audit-row').filter({ hasText: 'ToggleFlag' });
    await toggled.waitFor();
    expect(await toggled.textContent()).toContain('Release bot');
    expect(await toggled.textContent()).toContain('token');

    await page.getByRole('textbox', { name: 'Access token' }).click();
    await page.getByRole('option', { name: 'Release bot' }).click();
    await expect.poll(async () => (await page.getByTestId('audit-row').allTextContents()).every((t) => t.includes('Release bot'))).toBe(true);
    expect(await page.getByTestId('audit-row').count()).toBe(1);
  });

  it('switches organization and keeps the choice across a reload', async () => {
    const { page } = browser;
    const beta = await owner.ok<{ id: string }>('POST', '/organizations', { name: 'Beta Corp' });
    await page.goto(`${server.url}/projects`);
    await page.getByRole('heading', { name: 'Web' }).waitFor();
    await page.getByRole('textbox', { name: 'Organization' }).click();
    await page.getByRole('option', { name: 'Beta Corp' }).click();
    await page.getByText('No projects yet').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('ensign.organizationId'))).toBe(beta.id);
    await page.reload();
    await page.getByText('No projects yet').waitFor();
    expect(await page.getByRole('textbox', { name: 'Organization' }).inputValue()).toBe('Beta Corp');
    // Back to Acme.
    await page.getByRole('textbox', { name: 'Organization' }).click();
    await page.getByRole('option', { name: 'Acme' }).click();
    await page.getByRole('heading', { name: 'Web' }).waitFor();
  });

  it("a previous account's organization choice does not lock the next person out", async () => {
    const { page } = browser;
    await inviteAndRedeem(owner, { email: 'pat@acme.test', name: 'Pat Person', password: 'pat password 123' });
    await page.goto(`${server.url}/projects`);
    await page.getByRole('textbox', { name: 'Organization' }).click();
    await page.getByRole('option', { name: 'Beta Corp' }).click();
    await page.getByText('No projects yet').waitFor();
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    // Pat is only in Acme; the browser still remembers Beta Corp.
    await signInThroughUi(page, server.url, 'pat@acme.test', 'pat password 123');
    await page.getByRole('heading', { name: 'Web' }).waitFor();
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await signInThroughUi(page, server.url, OWNER.email, OWNER.password);
  });

  it('is usable in a narrow window: the navigation folds behind a menu button, tokens become cards', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.url}/projects`);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Access tokens' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await nav.getByRole('link', { name: 'Access tokens' }).click();
    await page.getByRole('heading', { name: 'Access tokens' }).waitFor();
    await page.getByTestId('tokens-cards').waitFor();
    const card = page.locator('[data-testid="token-row"][data-token-name="Release bot"]');
    expect(await card.getByRole('button', { name: 'Actions for Release bot' }).isVisible()).toBe(true);
    // Nothing sticks out sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});

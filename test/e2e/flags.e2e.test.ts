// Projects, environments and the flag list of an environment, driven from the UI
// and checked through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOwner, OWNER, type Api } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

interface Flag {
  key: string;
  name: string;
  description: string;
  isEnabled: boolean;
  isArchived: boolean;
  tags: string[];
}

describe('projects and feature flags in a real browser', () => {
  let server: RunningServer;
  let owner: Api;
  let browser: TestBrowser;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    browser = await launchBrowser();
    await signInThroughUi(browser.page, server.url, OWNER.email, OWNER.password);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates a project and a flag, then searches, filters by tag, toggles, archives, restores and deletes flags', async () => {
    const { page } = browser;
    await page.getByText('No projects yet').waitFor();
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Web shop');
    await dialog.getByRole('textbox', { name: 'Key', exact: true }).fill('web');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const card = page.getByTestId('project-card').filter({ hasText: 'Web shop' });
    await card.getByRole('link', { name: 'Prod' }).click();
    await page.getByText('No flags in this environment yet').waitFor();
    const envId = page.url().split('/envs/')[1].split('/')[0];

    // New flag from the UI; more through the API.
    await page.getByRole('button', { name: 'New flag' }).click();
    const nf = page.getByRole('dialog', { name: 'New feature flag' });
    await nf.getByRole('textbox', { name: 'Name', exact: true }).fill('Checkout v2');
    await expect.poll(() => nf.getByRole('textbox', { name: 'Key', exact: true }).inputValue()).toBe('checkout-v2');
    await nf.getByRole('textbox', { name: 'Tags' }).fill('payments');
    await page.keyboard.press('Enter');
    await nf.getByRole('button', { name: 'Create' }).click();
    await nf.waitFor({ state: 'hidden' });
    await owner.ok('POST', `/envs/${envId}/feature-flags`, { key: 'dark-mode', name: 'Dark mode', tags: ['ui'] });
    await owner.ok('POST', `/envs/${envId}/feature-flags`, { key: 'new-navbar', name: 'New navbar', tags: ['ui'] });
    await page.reload();
    const rows = page.getByTestId('flag-row');
    await expect.poll(() => rows.count()).toBe(3);

    // Search and tag filter narrow the list.
    await page.getByRole('textbox', { name: 'Search flags' }).fill('dark');
    await expect.poll(async () => await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-flag-key')))).toEqual(['dark-mode']);
    await page.getByRole('textbox', { name: 'Search flags' }).fill('');
    await page.getByRole('textbox', { name: 'Filter by tags' }).fill('ui');
    await page.keyboard.press('Enter');
    await expect.poll(async () => await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-flag-key')).sort())).toEqual(['dark-mode', 'new-navbar']);
    await page.getByRole('textbox', { name: 'Filter by tags' }).press('Backspace');
    await expect.poll(() => rows.count()).toBe(3);

    // Toggle from the list.
    await page.getByRole('switch', { name: 'Toggle checkout-v2' }).click({ force: true });
    await expect.poll(async () => (await owner.ok<Flag>('GET', `/envs/${envId}/feature-flags/checkout-v2`)).isEnabled).toBe(true);

    // Archive, find it under Archived, restore; archive again and delete for good.
    const archive = async (key: string) => {
      await page.getByRole('button', { name: `Actions for ${key}` }).click();
      await page.getByRole('menuitem', { name: 'Archive' }).click();
      await page.getByRole('dialog', { name: 'Archive flag?' }).getByRole('button', { name: 'Archive' }).click();
      await expect.poll(async () => (await owner.ok<Flag>('GET', `/envs/${envId}/feature-flags/${key}`)).isArchived).toBe(true);
    };
    await archive('new-navbar');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByText('Archived', { exact: true }).click();
    await page.locator('[data-flag-key="new-navbar"]').waitFor();
    await page.getByRole('button', { name: 'Actions for new-navbar' }).click();
    await page.getByRole('menuitem', { name: 'Restore' }).click();
    await page.getByRole('dialog', { name: 'Restore flag?' }).getByRole('button', { name: 'Restore' }).click();
    await expect.poll(async () => (await owner.ok<Flag>('GET', `/envs/${envId}/feature-flags/new-navbar`)).isArchived).toBe(false);
    await page.getByText('No archived flags').waitFor();
    await page.getByText('Active', { exact: true }).click();
    await archive('dark-mode');
    await page.getByText('Archived', { exact: true }).click();
    await page.getByRole('button', { name: 'Actions for dark-mode' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete flag?' }).getByRole('button', { name: 'Delete for good' }).click();
    await page.getByText('No archived flags').waitFor();
    expect((await owner.call('GET', `/envs/${envId}/feature-flags/dark-mode`)).status).toBe(404);

    // The flag's page edits its description and tags.
    await page.getByText('Active', { exact: true }).click();
    await page.getByRole('link', { name: 'Checkout v2' }).click();
    await page.getByRole('heading', { name: 'Checkout v2' }).waitFor();
    await page.getByRole('textbox', { name: 'Description' }).fill('One-page checkout.');
    await page.getByRole('button', { name: 'Save description' }).click();
    // Each change asks for an optional comment, kept in the audit log.
    let ask = page.getByRole('dialog', { name: 'Save description' });
    await ask.getByRole('button', { name: 'Save' }).click();
    await ask.waitFor({ state: 'hidden' });
    await page.getByRole('textbox', { name: 'Tags' }).fill('beta');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Save tags' }).click();
    ask = page.getByRole('dialog', { name: 'Save tags' });
    await ask.getByRole('textbox', { name: 'Comment' }).fill('Part of the beta programme');
    await ask.getByRole('button', { name: 'Save' }).click();
    await ask.waitFor({ state: 'hidden' });
    await expect
      .poll(async () => {
        const f = await owner.ok<Flag>('GET', `/envs/${envId}/feature-flags/checkout-v2`);
        return { description: f.description, tags: f.tags };
      })
      .toEqual({ description: 'One-page checkout.', tags: ['payments', 'beta'] });
    const audit = await owner.ok<{ items: { action: string; comment: string }[] }>('GET', '/audit-logs?refType=flag');
    expect(audit.items.slice(0, 2).map((e) => [e.action, e.comment])).toEqual([
      ['UpdateFlagTags', 'Part of the beta programme'],
      ['UpdateFlagDescription', ''],
    ]);
  });
});

// Rows a member may not manage are read-only: the menu offers only what the
// rules of 01-access-tokens.md allow the person looking at it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOwner, signIn, OWNER, type Api, inviteAndRedeem } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

const DEVELOPER = { email: 'dev@acme.test', name: 'Dana Developer', password: 'developer password 1' };

describe('who sees which token actions', () => {
  let server: RunningServer;
  let owner: Api;
  let developer: Api;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    // A new member gets the organization's default policy: Developer.
    const member = await inviteAndRedeem(owner, DEVELOPER);
    expect(member.policies.map((p) => p.key)).toEqual(['developer']);
    developer = await signIn(server.url, DEVELOPER.email, DEVELOPER.password);
    await owner.ok('POST', '/access-tokens', { name: "Olivia's laptop", type: 'Personal', permissions: [] });
    await developer.ok('POST', '/access-tokens', { name: "Dana's script", type: 'Personal', permissions: [] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("a Developer does not see Remove (or any action) on another member's personal token", async () => {
    const b: TestBrowser = await launchBrowser();
    try {
      const { page } = b;
      await signInThroughUi(page, server.url, DEVELOPER.email, DEVELOPER.password);
      // No IAM in a Developer's navigation.
      const nav = page.getByRole('navigation', { name: 'Main navigation' });
      await nav.getByRole('link', { name: 'Access tokens' }).click();
      expect(await nav.getByRole('link', { name: 'Members' }).count()).toBe(0);
      expect(await nav.getByRole('link', { name: 'Policies' }).count()).toBe(0);

      const others = page.locator('[data-testid="token-row"][data-token-name="Olivia\'s laptop"]');
      const mine = page.locator('[data-testid="token-row"][data-token-name="Dana\'s script"]');
      await others.waitFor();
      await mine.waitFor();

      // The owner's personal token: read-only, no menu at all.
      expect(await others.getByRole('button', { name: /^Actions for/ }).count()).toBe(0);
      expect(await others.textContent()).toContain('Read-only');
      await others.getByRole('button', { name: "Olivia's laptop", exact: true }).click();
      const details = page.getByRole('dialog', { name: "Olivia's laptop" });
      await details.getByTestId('read-only-notice').waitFor();
      expect(await details.getByRole('button', { name: 'Remove' }).count()).toBe(0);
      expect(await details.getByRole('button', { name: 'Deactivate' }).count()).toBe(0);
      await page.keyboard.press('Escape');
      await details.waitFor({ state: 'hidden' });

      // Their own personal token: the full menu, Remove included.
      await mine.getByRole('button', { name: "Actions for Dana's script" }).click();
      const menu = page.getByRole('menu');
      for (const item of ['Edit name', 'Deactivate', 'Reset secret', 'Remove']) await menu.getByRole('menuitem', { name: item }).waitFor();
      await page.keyboard.press('Escape');
    } finally {
      await b.close();
    }
  });

  it("an administrator may only deactivate or remove another member's personal token, never rename or reset it", async () => {
    const b = await launchBrowser();
    try {
      const { page } = b;
      await signInThroughUi(page, server.url, OWNER.email, OWNER.password);
      await page.getByRole('link', { name: 'Access tokens' }).click();
      const row = page.locator('[data-testid="token-row"][data-token-name="Dana\'s script"]');
      await row.getByRole('button', { name: "Actions for Dana's script" }).click();
      const menu = page.getByRole('menu');
      await menu.getByRole('menuitem', { name: 'Deactivate' }).waitFor();
      await menu.getByRole('menuitem', { name: 'Remove' }).waitFor();
      const items = (await menu.getByRole('menuitem').allTextContents()).map((s) => s.trim());
      expect(items.sort()).toEqual(['Deactivate', 'Remove']);
    } finally {
      await b.close();
    }
  });

  it('without ListAccessTokens the page says so instead of listing, and still lets the member create a token', async () => {
    const policy = await owner.ok<{ id: string }>('POST', '/policies', {
      name: 'Own tokens only',
      key: 'own-tokens-only',
      description: '',
      statements: [{ resourceType: 'access-token', effect: 'allow', actions: ['ManagePersonalAccessTokens'], resources: ['access-token/*'] }],
    });
    const person = { email: 'nolist@acme.test', name: 'Nora Nolist', password: 'no list password 1' };
    await inviteAndRedeem(owner, { ...person, policyIds: [policy.id] });
    const b = await launchBrowser();
    try {
      const { page } = b;
      await signInThroughUi(page, server.url, person.email, person.password);
      await page.getByRole('link', { name: 'Access tokens' }).click();
      await page.getByText('You do not have the ListAccessTokens permission').waitFor();
      expect(await page.getByTestId('token-row').count()).toBe(0);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      const drawer = page.getByRole('dialog', { name: 'Add access token' });
      await drawer.getByRole('textbox', { name: 'Name', exact: true }).fill("Nora's token");
      await drawer.getByRole('button', { name: 'Save' }).click();
      await page.getByTestId('token-secret').waitFor();
    } finally {
      await b.close();
    }
  });
});

// The token policy on the organization settings page, and the Access tokens page's "expiring soon" and "never used"
// filters, "expires in N days", and a token's allowed addresses, in a real browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOwner, OWNER, type Api, inviteAndRedeem } from './api.ts';
import { launchBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

const DEVELOPER = { email: 'dev@acme.test', name: 'Dana Developer', password: 'developer password 1' };
const DAY = 86_400_000;
const READ = [{ resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] }];

describe('token policy and token filters in the UI', () => {
  let server: RunningServer;
  let owner: Api;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    await inviteAndRedeem(owner, DEVELOPER);
    const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();
    await owner.ok('POST', '/access-tokens', { name: 'soon', type: 'Service', permissions: READ, expiresAt: inDays(3) });
    await owner.ok('POST', '/access-tokens', { name: 'later', type: 'Service', permissions: READ, expiresAt: inDays(60), allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'] });
    const used = await owner.ok<{ secret: string }>('POST', '/access-tokens', { name: 'used', type: 'Service', permissions: READ });
    // One use, then the server is asked to record it (lastUsedAt is written in batches).
    const res = await fetch(`${server.url}/api/v1/projects`, { headers: { authorization: used.secret } });
    expect(res.status).toBe(200);
    // lastUsedAt is written in batches (every 10 s): wait until the use is on record.
    for (let i = 0; ; i++) {
      const page = await owner.ok<{ items: { name: string }[] }>('GET', '/access-tokens?neverUsed=true&pageSize=100');
      if (!page.items.some((t) => t.name === 'used')) break;
      if (i > 60) throw new Error('the use was never recorded');
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('an IAM manager sets the policy; a new token that breaks it is refused with the rule explained', async () => {
    const b = await launchBrowser();
    try {
      const { page } = b;
      await signInThroughUi(page, server.url, OWNER.email, OWNER.password);
      await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
      const section = page.getByTestId('token-policy-section');
      await section.getByLabel('Maximum lifetime (days)').fill('30');
      await section.getByLabel('Every token must have an expiry').check();
      await section.getByRole('button', { name: 'Save policy' }).click();
      await page.getByText('Token policy saved').waitFor();
      expect(await owner.ok('GET', `/organizations/${owner.organizationId}/token-policy`)).toEqual({ maxLifetimeDays: 30, requireExpiry: true, allowPersonalTokensThatFollowOwner: true });

      // The create form says what the policy asks, and the server's refusal names the rule.
      await page.getByRole('link', { name: 'Access tokens' }).click();
      await page.getByRole('button', { name: 'Add' }).click();
      const drawer = page.getByRole('dialog', { name: 'Add access token' });
      await drawer.getByTestId('token-policy-note').waitFor();
      expect(await drawer.getByTestId('token-policy-note').textContent()).toContain('expire within 30 days');
      await drawer.getByLabel('Name', { exact: false }).first().fill('forever');
      await drawer.getByRole('button', { name: 'Save' }).click();
      await drawer.getByText('caps how long a token may live').waitFor();
      await page.keyboard.press('Escape');

      // Put it back, so other tests see the default.
      await owner.ok('PUT', `/organizations/${owner.organizationId}/token-policy`, { maxLifetimeDays: null, requireExpiry: false, allowPersonalTokensThatFollowOwner: true });
    } finally {
      await b.close();
    }
  });

  it('a member without IAM sees the policy read-only', async () => {
    const b = await launchBrowser();
    try {
      const { page } = b;
      await signInThroughUi(page, server.url, DEVELOPER.email, DEVELOPER.password);
      await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
      await page.getByTestId('token-policy-read-only').waitFor();
      expect(await page.getByRole('button', { name: 'Save policy' }).count()).toBe(0);
      expect(await page.getByLabel('Every token must have an expiry').isDisabled()).toBe(true);
    } finally {
      await b.close();
    }
  });

  it('the Access tokens page shows expiry, filters expiring-soon and never-used tokens, and shows allowed addresses', async () => {
    const b = await launchBrowser();
    try {
      const { page } = b;
      await signInThroughUi(page, server.url, OWNER.email, OWNER.password);
      await page.getByRole('link', { name: 'Access tokens' }).click();
      const row = (name: string) => page.locator(`[data-testid="token-row"][data-token-name="${name}"]`);
      await row('soon').waitFor();
      expect(await row('soon').getByTestId('token-expires').textContent()).toBe('Expires in 3 days');
      expect(await row('used').getByTestId('token-expires').textContent()).toBe('Never');
      const names = async () => (await page.locator('[data-testid="token-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-token-name')))).sort();

      await page.locator('label', { hasText: 'Expiring soon' }).click();
      await row('later').waitFor({ state: 'detached' });
      expect(await names()).toEqual(['soon']);
      await page.locator('label', { hasText: 'Expiring soon' }).click();
      await row('later').waitFor();

      await page.locator('label', { hasText: 'Never used' }).click();
      await row('used').waitFor({ state: 'detached' });
      expect(await names()).toEqual(['later', 'soon']);
      await page.locator('label', { hasText: 'Never used' }).click();
      await row('used').waitFor();

      await row('later').getByRole('button', { name: 'later', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'later' });
      expect(await details.getByTestId('token-allowed-cidrs').textContent()).toBe('10.0.0.0/82001:db8::/32');
    } finally {
      await b.close();
    }
  });
});

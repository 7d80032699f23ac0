// The audit log searched by token: the changes a token made, the token's own history (a leak among it), and a token
// found by pasting its value; a leaked token is marked on the Access tokens page.
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, setupOwner, OWNER } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

describe('audit log by token', () => {
  let server: RunningServer;
  let owner: Api;
  let browser: TestBrowser;
  let bot: { id: string; secret: string };

  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keys = JSON.stringify({ public_keys: [{ key_identifier: 'k1', key: publicKey.export({ type: 'spki', format: 'pem' }), is_current: true }] });
    server = await startServer({ SECRET_SCANNING_KEYS: keys });
    owner = await setupOwner(server.url);
    const project = await owner.ok<{ environments: { id: string; key: string }[] }>('POST', '/projects', { name: 'Web', key: 'web' });
    const prod = project.environments.find((e) => e.key === 'prod')!.id;
    await owner.ok('POST', `/envs/${prod}/feature-flags`, { key: 'checkout', name: 'Checkout' });
    bot = await owner.ok('POST', '/access-tokens', {
      name: 'Release bot',
      type: 'Service',
      permissions: [
        { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] },
        { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/prod:flag/*'] },
      ],
    });
    await new Api(server.url, bot.secret).ok('PUT', `/envs/${prod}/feature-flags/checkout/toggle/true`, {});
    // Then the bot's secret turns up in public, and secret scanning reports it.
    const body = JSON.stringify([{ token: bot.secret, type: 'ensign_access_token', url: 'https://github.com/acme/site/blob/main/.env', source: 'content' }]);
    const res = await fetch(`${server.url}/api/public/secret-scanning/alerts`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'github-public-key-identifier': 'k1',
        'github-public-key-signature': sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
      },
      body,
    });
    expect(res.status).toBe(200);
    browser = await launchBrowser();
    await signInThroughUi(browser.page, server.url, OWNER.email, OWNER.password);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rows = () => browser.page.getByTestId('audit-row').allTextContents();

  it("shows what a token changed, then the token's own history with the leak, found by pasting its value", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/audit`);
    await page.getByTestId('audit-row').first().waitFor();

    await page.getByRole('textbox', { name: 'Find a token by value or id' }).fill(bot.secret);
    await page.getByRole('button', { name: 'Find token' }).click();
    await expect.poll(async () => (await rows()).length > 0 && (await rows()).every((t) => t.includes('ToggleFlag') && t.includes('Release bot'))).toBe(true);

    await page.getByText("The token's own history").click();
    await expect.poll(async () => (await rows()).map((t) => (t.includes('CreateAccessToken') ? 'create' : t.includes('DeactivateAccessToken') ? 'leak' : t))).toEqual(['leak', 'create']);
    const leak = page.getByTestId('audit-row').filter({ hasText: 'DeactivateAccessToken' });
    expect(await leak.textContent()).toContain('GitHub secret scanning');
    expect(await leak.textContent()).toContain('https://github.com/acme/site/blob/main/.env');
    // The value pasted is not kept on the page.
    expect(await page.getByRole('textbox', { name: 'Find a token by value or id' }).inputValue()).toBe('');
  });

  it('a value that is no token of this organization says so', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/audit`);
    await page.getByRole('textbox', { name: 'Find a token by value or id' }).fill('ens_svc_notarealtokenatallnotarealtokenatall12');
    await page.getByRole('button', { name: 'Find token' }).click();
    await page.getByText('No token of this organization has this value or id').waitFor();
  });

  it('the Access tokens page marks the leaked token', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/integrations/access-tokens`);
    const row = page.locator('[data-testid="token-row"][data-token-name="Release bot"]');
    await expect.poll(() => row.textContent()).toContain('Leaked');
  });
});

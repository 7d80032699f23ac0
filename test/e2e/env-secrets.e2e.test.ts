// An environment's SDK keys in the UI: a new environment comes with a server and a client key; the settings page
// shows the server key as a hint and the client key whole; rotating shows the new key once, and the SDK snippet
// then carries it. Checked against the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOwner, OWNER, type Api } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { choose, signInThroughUi } from './ui.ts';

interface Secret {
  id: string;
  name: string;
  type: 'server' | 'client';
  value: string;
  previousValidUntil: string | null;
}

describe('environment SDK keys in a real browser', () => {
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

  it('creates an environment, lists its keys, rotates the server key with a grace period and shows the new key in the snippet', async () => {
    const { page } = browser;
    const project = await owner.ok<{ id: string }>('POST', '/projects', { key: 'shop', name: 'Shop' });
    await page.goto(`${server.url}/projects`);
    const card = page.getByTestId('project-card').filter({ hasText: 'Shop' });
    await card.getByRole('button', { name: 'Environment', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /New environment/ });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('QA');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await card.getByRole('row').filter({ hasText: 'QA' }).getByRole('link', { name: 'Settings' }).click();

    const rows = page.getByTestId('sdk-key-row');
    await expect.poll(() => rows.count()).toBe(2);
    const envId = page.url().split('/envs/')[1].split('/')[0];
    const secrets = async () => (await owner.ok<{ secrets: Secret[] }>('GET', `/projects/${project.id}/envs/${envId}`)).secrets;
    const [serverKey, clientKey] = await secrets();
    expect(serverKey.value).toMatch(/^ens_srv_…/);
    expect(await rows.nth(0).getByTestId('sdk-key-value').textContent()).toBe(serverKey.value);
    expect(await rows.nth(1).getByTestId('sdk-key-value').textContent()).toBe(clientKey.value);
    expect(clientKey.value).toMatch(/^ens_cli_[0-9A-Za-z]{38}$/);

    // The snippets point at this server; the browser one carries the client key, the server one only a placeholder.
    const host = new URL(server.url).host;
    const nodeSnippet = page.getByTestId('sdk-snippet-node');
    expect(await nodeSnippet.textContent()).toContain(`.streamingUri('ws://${host}')`);
    expect(await nodeSnippet.textContent()).toContain(`.eventsUri('http://${host}')`);
    expect(await nodeSnippet.textContent()).toContain(`<server key ${serverKey.value}>`);
    await page.getByRole('tab', { name: 'Browser (client)' }).click();
    expect(await page.getByTestId('sdk-snippet-browser').textContent()).toContain(`.sdkKey('${clientKey.value}')`);

    // Rotate the server key, keeping the old one for an hour.
    await page.getByRole('button', { name: 'Actions for SDK key Server Key' }).click();
    await page.getByRole('menuitem', { name: 'Rotate' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate Server Key' });
    await choose(page, rotate, 'Grace period', 'Keep the old key for 1 hour');
    await rotate.getByRole('button', { name: 'Rotate' }).click();
    const shown = page.getByTestId('sdk-key-secret');
    await shown.waitFor();
    const newKey = (await shown.textContent())!.trim();
    expect(newKey).toMatch(/^ens_srv_[0-9A-Za-z]{38}$/);
    await page.getByRole('button', { name: 'I have copied it' }).click();

    const after = (await secrets())[0];
    expect(after.value).toBe(`ens_srv_…${newKey.slice(-4)}`);
    expect(after.previousValidUntil).not.toBeNull();
    await page.getByRole('tab', { name: 'Node.js (server)' }).click();
    await expect.poll(async () => await nodeSnippet.textContent()).toContain(`.sdkKey('${newKey}')`);
    await page.getByText(/The previous key works until/).waitFor();

    // After a reload the server key is a hint again: it was shown once.
    await page.reload();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).getByTestId('sdk-key-value').textContent()).toBe(after.value);
    expect(await page.content()).not.toContain(newKey);

    // Delete the client key, with confirmation.
    await page.getByRole('button', { name: 'Actions for SDK key Client Key' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete SDK key?' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect((await secrets()).map((s) => s.type)).toEqual(['server']);
  });
});

// A member's page says where each policy comes from, reading the fields the server sends (inherited, groupName).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { inviteAndRedeem, OWNER, setupOwner, type Api } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

describe("a member's policies in a real browser", () => {
  let server: RunningServer;
  let owner: Api;
  let browser: TestBrowser;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('names the group a policy comes through, and marks a policy held directly as direct', async () => {
    const policies = await owner.ok<{ items: { id: string; key: string }[] }>('GET', '/policies?pageSize=100');
    const id = (key: string) => policies.items.find((p) => p.key === key)!.id;
    const member = await inviteAndRedeem(owner, { email: 'dana@acme.test', name: 'Dana Direct', password: 'member password 1', policyIds: [id('developer')] });
    const group = await owner.ok<{ id: string }>('POST', '/groups', { name: 'Ops crew', description: '' });
    await owner.ok('PUT', `/groups/${group.id}/add-member/${member.id}`);
    await owner.ok('PUT', `/groups/${group.id}/add-policy/${id('administrator')}`);

    const { page } = browser;
    await signInThroughUi(page, server.url, OWNER.email, OWNER.password);
    await page.goto(`${server.url}/iam/members/${member.id}`);
    await page.getByRole('heading', { name: 'Dana Direct' }).waitFor();
    await page.getByText('via Ops crew').waitFor();
    await page.getByText('direct', { exact: true }).waitFor();
  });
});

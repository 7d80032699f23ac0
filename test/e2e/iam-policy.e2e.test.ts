// The IAM statement editor: what it saves is what the server enforces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOwner, signIn, OWNER, type Api, inviteAndRedeem } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { choose, signInThroughUi } from './ui.ts';

const READER = { email: 'rita@acme.test', name: 'Rita Reader', password: 'reader password 1' };

describe('IAM policies in a real browser', () => {
  let server: RunningServer;
  let owner: Api;
  let browser: TestBrowser;
  let prod: string;
  let dev: string;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    const project = await owner.ok<{ environments: { id: string; key: string }[] }>('POST', '/projects', { name: 'Web', key: 'web' });
    prod = project.environments.find((e) => e.key === 'prod')!.id;
    dev = project.environments.find((e) => e.key === 'dev')!.id;
    await owner.ok('POST', `/envs/${prod}/feature-flags`, { key: 'checkout', name: 'Checkout' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a policy written in the statement editor governs the next request of a member who has it', async () => {
    const { page } = browser;
    await signInThroughUi(page, server.url, OWNER.email, OWNER.password);

    // Create an empty custom policy in the UI.
    await page.getByRole('link', { name: 'Policies' }).click();
    await page.getByRole('button', { name: 'New policy' }).click();
    const create = page.getByRole('dialog', { name: 'New policy' });
    await create.getByRole('textbox', { name: 'Name', exact: true }).fill('Prod flag readers');
    await expect.poll(() => create.getByRole('textbox', { name: 'Key', exact: true }).inputValue()).toBe('prod-flag-readers');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Prod flag readers' }).waitFor();
    const policyId = new URL(page.url()).pathname.split('/').pop()!;

    // A member whose only policy is this one can read nothing yet.
    await inviteAndRedeem(owner, { ...READER, policyIds: [policyId] });
    const reader = await signIn(server.url, READER.email, READER.password);
    expect((await reader.call('GET', `/envs/${prod}/feature-flags`)).status).toBe(403);

    // Allow CanAccessEnv on web/prod only.
    await page.getByRole('button', { name: 'Add statement' }).click();
    const statement = page.getByTestId('statement').first();
    await statement.getByRole('textbox', { name: 'Resource type' }).click();
    await page.getByRole('option', { name: 'Environments (env)' }).click();
    await statement.getByRole('textbox', { name: 'Actions' }).click();
    await page.getByRole('option', { name: 'CanAccessEnv', exact: true }).click();
    await page.keyboard.press('Escape');
    const resources = statement.getByRole('textbox', { name: 'Resources' });
    await resources.click();
    await page.keyboard.press('Backspace'); // drop the default project/*:env/*
    await resources.fill('project/web:env/prod');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Save statements' }).click();
    await page.getByText('Statements saved.').waitFor();

    // What the server stored is what the editor showed …
    const saved = await owner.ok<{ statements: { resourceType: string; effect: string; actions: string[]; resources: string[] }[] }>('GET', `/policies/${policyId}`);
    expect(saved.statements.map(({ resourceType, effect, actions, resources }) => ({ resourceType, effect, actions, resources }))).toEqual([
      { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] },
    ]);
    // … and it governs the member's very next requests.
    const allowed = await reader.call<{ items: { key: string }[] }>('GET', `/envs/${prod}/feature-flags`);
    expect(allowed.status).toBe(200);
    expect(allowed.body.data.items.map((f) => f.key)).toEqual(['checkout']);
    expect((await reader.call('GET', `/envs/${dev}/feature-flags`)).status).toBe(403);
    expect((await reader.call('PUT', `/envs/${prod}/feature-flags/checkout/toggle/true`, {})).status).toBe(403);
  });

  it('built-in policies open read-only', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/iam/policies`);
    await page.getByRole('link', { name: 'Developer' }).click();
    await page.getByText('This is a built-in policy and cannot be edited').waitFor();
    expect(await page.getByRole('button', { name: 'Save statements' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await page.getByTestId('statement-editor').count()).toBe(0);
  });

  it('the group page adds a member and attaches a policy, then shows both (the PUTs answer true, so the page reads them again)', async () => {
    const { page } = browser;
    const gus = { email: 'gus@acme.test', name: 'Gus Group', password: 'group member password' };
    await inviteAndRedeem(owner, { ...gus, policyIds: [] });
    const group = await owner.ok<{ id: string }>('POST', '/groups', { name: 'Web team', description: 'Builds web' });
    await page.goto(`${server.url}/iam/groups/${group.id}`);
    await page.getByRole('heading', { name: 'Web team' }).waitFor();
    await page.getByText('No members yet.').waitFor();

    await choose(page, page, 'Member to add', `${gus.name} (${gus.email})`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('link', { name: gus.name }).waitFor();
    await choose(page, page, 'Policy to attach', 'Developer');
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await page.getByRole('link', { name: 'Developer' }).waitFor();
    const members = await owner.ok<{ items: { name: string }[] }>('GET', `/groups/${group.id}/members`);
    expect(members.items.map((m) => m.name)).toEqual([gus.name]);
    const policies = await owner.ok<{ items: { name: string }[] }>('GET', `/groups/${group.id}/policies`);
    expect(policies.items.map((p) => p.name)).toEqual(['Developer']);

    // Removing the member shows at once too.
    await page.getByRole('button', { name: 'Remove' }).first().click();
    await page.getByText('No members yet.').waitFor();
    expect((await owner.ok<{ totalCount: number }>('GET', `/groups/${group.id}/members`)).totalCount).toBe(0);
  });

  it("a member's page names the group a policy comes through and marks a policy held directly as direct (the server's inherited and groupName)", async () => {
    const { page } = browser;
    const policies = await owner.ok<{ items: { id: string; key: string }[] }>('GET', '/policies?pageSize=100');
    const id = (key: string) => policies.items.find((p) => p.key === key)!.id;
    const dana = await inviteAndRedeem(owner, { email: 'dana@acme.test', name: 'Dana Direct', password: 'member password 1', policyIds: [id('developer')] });
    const group = await owner.ok<{ id: string }>('POST', '/groups', { name: 'Ops crew', description: '' });
    await owner.ok('PUT', `/groups/${group.id}/add-member/${dana.id}`);
    await owner.ok('PUT', `/groups/${group.id}/add-policy/${id('administrator')}`);

    await page.goto(`${server.url}/iam/members/${dana.id}`);
    await page.getByRole('heading', { name: 'Dana Direct' }).waitFor();
    await page.getByText('via Ops crew').waitFor();
    await page.getByText('direct', { exact: true }).waitFor();
  });
});

// "Why was this refused?" in the UI: the policy editor's test panel, and "why?" next to a refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOwner, signIn, OWNER, type Api, inviteAndRedeem } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { choose, signInThroughUi } from './ui.ts';

const READER = { email: 'rex@acme.test', name: 'Rex Reader', password: 'reader password 1' };

describe('explaining permissions in a real browser', () => {
  let server: RunningServer;
  let owner: Api;
  let browser: TestBrowser;
  let projectId: string;
  let dev: string;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    const project = await owner.ok<{ id: string; environments: { id: string; key: string }[] }>('POST', '/projects', { name: 'Web', key: 'web' });
    projectId = project.id;
    dev = project.environments.find((e) => e.key === 'dev')!.id;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the policy editor's test panel says what the statements shown decide, unsaved edits included", async () => {
    const policy = await owner.ok<{ id: string }>('POST', '/policies', {
      name: 'Flags but not prod toggles',
      key: 'flags-not-prod',
      statements: [
        { resourceType: 'flag', effect: 'allow', actions: ['ManageFeatureFlag'], resources: ['project/*:env/*:flag/*'] },
        { resourceType: 'flag', effect: 'deny', actions: ['ToggleFlag'], resources: ['project/web:env/prod'] },
      ],
    });
    const { page } = browser;
    await signInThroughUi(page, server.url, OWNER.email, OWNER.password);
    await page.goto(`${server.url}/iam/policies/${policy.id}`);
    await page.getByRole('heading', { name: 'Flags but not prod toggles' }).waitFor();
    const panel = page.getByTestId('policy-tester');
    const result = panel.getByTestId('policy-test-result');

    // The deny decides for prod: statement 2.
    await choose(page, panel, 'Action', 'ToggleFlag');
    await panel.getByRole('textbox', { name: 'Resource' }).fill('project/web:env/prod:flag/checkout');
    await panel.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => result.textContent()).toContain('denies ToggleFlag on project/web:env/prod:flag/checkout');
    expect(await result.getByText('Refused', { exact: true }).count()).toBe(1);
    expect(await result.textContent()).toContain('Deciding statement: 2');

    // In dev the allow decides: statement 1.
    await panel.getByRole('textbox', { name: 'Resource' }).fill('project/web:env/dev:flag/checkout');
    await panel.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => result.textContent()).toContain('allows ToggleFlag on project/web:env/dev:flag/checkout');
    expect(await result.getByText('Allowed', { exact: true }).count()).toBe(1);
    expect(await result.textContent()).toContain('Deciding statement: 1');

    // An action no statement grants.
    await choose(page, panel, 'Action', 'DeleteProject');
    await panel.getByRole('textbox', { name: 'Resource' }).fill('project/web');
    await panel.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => result.textContent()).toContain('no statement allows DeleteProject on project/web');
    expect(await result.getByText('Refused', { exact: true }).count()).toBe(1);

    // Unsaved: switch the deny to an allow in the editor, and prod toggles pass before anything is saved.
    await page.getByTestId('statement').nth(1).getByText('Allow', { exact: true }).click();
    await choose(page, panel, 'Action', 'ToggleFlag');
    await panel.getByRole('textbox', { name: 'Resource' }).fill('project/web:env/prod:flag/checkout');
    await panel.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => result.textContent()).toContain('allows ToggleFlag on project/web:env/prod:flag/checkout');
    expect(await result.getByText('Allowed', { exact: true }).count()).toBe(1);
    const saved = await owner.ok<{ statements: { effect: string }[] }>('GET', `/policies/${policy.id}`);
    expect(saved.statements.map((s) => s.effect)).toEqual(['allow', 'deny']);
  });

  it('a refused page load offers "why?", which names the missing permission, and shows the request id', async () => {
    const policy = await owner.ok<{ id: string }>('POST', '/policies', {
      name: 'Prod reader',
      key: 'prod-reader',
      statements: [
        { resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] },
        { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] },
      ],
    });
    await inviteAndRedeem(owner, { ...READER, policyIds: [policy.id] });
    const reader = await signIn(server.url, READER.email, READER.password);
    const refused = await reader.call('GET', `/envs/${dev}/feature-flags`);
    expect(refused.status).toBe(403);

    const b = await launchBrowser();
    try {
      const { page } = b;
      await signInThroughUi(page, server.url, READER.email, READER.password);
      await page.goto(`${server.url}/projects/${projectId}/envs/${dev}/flags`);
      const why = page.getByTestId('why-refused').first();
      await why.getByText(/Request id [0-9a-f-]{36}/).waitFor();
      await why.getByRole('button', { name: 'Why?' }).click();
      const answer = why.getByTestId('why-answer');
      await answer.waitFor();
      expect(await answer.textContent()).toContain('no statement allows CanAccessEnv on project/web:env/dev');
    } finally {
      await b.close();
    }
  });
});

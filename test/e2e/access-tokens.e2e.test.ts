// The heart of issue 5: a service token made in the UI, used from a script,
// stopped from the UI, and its secret never seen again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, signIn } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

const OWNER = { organizationName: 'Acme', name: 'Olivia Owner', email: 'olivia@acme.test', password: 'correct horse battery' };

interface Env {
  id: string;
  key: string;
}

describe('Integrations / Access tokens, in a real browser', () => {
  let server: RunningServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a service token created in the UI toggles a flag, cannot delete one, and is Forbidden once deactivated in the UI', async () => {
    const { page } = browser;
    const url = server.url;

    // First run: the UI offers to create the first owner, then signs them in.
    await page.goto(`${url}/`);
    await page.getByRole('heading', { name: 'Create the first owner' }).waitFor();
    await page.getByRole('textbox', { name: 'Organization name' }).fill(OWNER.organizationName);
    await page.getByRole('textbox', { name: 'Your name' }).fill(OWNER.name);
    await page.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
    await page.getByLabel(/^Password/).fill(OWNER.password);
    await page.getByLabel(/^Confirm password/).fill(OWNER.password);
    await page.getByRole('button', { name: 'Create owner and sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();

    // Sign out, and back in.
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await signInThroughUi(page, url, OWNER.email, OWNER.password);

    // Test data the test is not about, through the API.
    const owner = await signIn(url, OWNER.email, OWNER.password);
    const project = await owner.ok<{ id: string; environments: Env[] }>('POST', '/projects', { name: 'Web', key: 'web' });
    const prod = project.environments.find((e) => e.key === 'prod')!;
    const dev = project.environments.find((e) => e.key === 'dev')!;
    await owner.ok('POST', `/envs/${prod.id}/feature-flags`, { key: 'checkout', name: 'Checkout' });
    await owner.ok('POST', `/envs/${prod.id}/feature-flags`, { key: 'old-banner', name: 'Old banner' });
    await owner.ok('POST', `/envs/${dev.id}/feature-flags`, { key: 'checkout', name: 'Checkout' });
    // Archived, so the only reason left to refuse its deletion is the token's permission.
    await owner.ok('PUT', `/envs/${prod.id}/feature-flags/old-banner/archive`, {});

    // Integrations → Access tokens → Add.
    await page.getByRole('link', { name: 'Access tokens' }).click();
    await page.getByRole('heading', { name: 'Access tokens' }).waitFor();
    await page.getByText('No access tokens yet').waitFor();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const drawer = page.getByRole('dialog', { name: 'Add access token' });
    await drawer.getByRole('textbox', { name: 'Name', exact: true }).fill('Prod toggler');
    // Personal is the default type.
    await expect.poll(() => drawer.getByRole('textbox', { name: 'Type', exact: true }).inputValue()).toBe('Personal');
    await drawer.getByRole('textbox', { name: 'Type', exact: true }).click();
    await page.getByRole('option', { name: 'Service', exact: true }).click();

    // Only CanAccessEnv on web/prod …
    await drawer.getByRole('button', { name: 'Environments' }).click();
    const envPanel = drawer.getByTestId('picker-env');
    await envPanel.getByLabel('CanAccessEnv').check();
    await envPanel.getByText('Specific resources').click();
    await envPanel.getByRole('textbox', { name: 'Project key' }).fill('web');
    await envPanel.getByRole('textbox', { name: 'Environment key' }).fill('prod');
    await expect.poll(() => envPanel.getByTestId('rn-pattern').allTextContents()).toEqual(['project/web:env/prod']);
    // … and ToggleFlag on every flag of web/prod.
    await drawer.getByRole('button', { name: 'Feature flags' }).click();
    const flagPanel = drawer.getByTestId('picker-flag');
    await flagPanel.getByLabel('ToggleFlag').check();
    await flagPanel.getByText('Specific resources').click();
    await flagPanel.getByRole('textbox', { name: 'Project key' }).fill('web');
    await flagPanel.getByRole('textbox', { name: 'Environment key' }).fill('prod');
    await flagPanel.getByRole('textbox', { name: 'Flag key' }).fill('*');
    await expect.poll(() => flagPanel.getByTestId('rn-pattern').allTextContents()).toEqual(['project/web:env/prod:flag/*']);
    await drawer.getByRole('button', { name: 'Save' }).click();

    // The secret, shown once, with a warning.
    const dialog = page.getByRole('dialog', { name: 'Your new access token' });
    await dialog.getByText('This is the only time the secret is shown').waitFor();
    const secret = (await dialog.getByTestId('token-secret').textContent())!.trim();
    expect(secret).toMatch(/^ens_svc_[0-9A-Za-z]{38}$/);
    // Kept in memory only: never in storage or the address bar.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
    expect(stored).not.toContain(secret);

    // A script uses it: toggling a flag in web/prod works …
    const script = new Api(url, secret);
    const toggled = await script.call<string>('PUT', `/envs/${prod.id}/feature-flags/checkout/toggle/true`, {});
    expect(toggled.status).toBe(200);
    // FeatBit's answer: the flag's new revision; the flag is now on.
    expect(toggled.body.data).toMatch(/.+/);
    expect((await script.call<{ isEnabled: boolean }>('GET', `/envs/${prod.id}/feature-flags/checkout`)).body.data.isEnabled).toBe(true);
    // … deleting one is not in its permissions …
    const deleted = await script.call('DELETE', `/envs/${prod.id}/feature-flags/old-banner`);
    expect(deleted.status).toBe(403);
    expect(deleted.body.errors).toContain('Forbidden');
    // … nor is another environment.
    expect((await script.call('PUT', `/envs/${dev.id}/feature-flags/checkout/toggle/true`, {})).status).toBe(403);

    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.locator('[data-testid="token-row"][data-token-name="Prod toggler"]');
    await expect.poll(() => row.textContent()).toContain('Active');
    expect(await row.textContent()).toContain(`…${secret.slice(-4)}`);

    // Deactivate it from the row menu; the confirmation says what that means.
    await row.getByRole('button', { name: 'Actions for Prod toggler' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    const confirm = page.getByRole('dialog', { name: 'Deactivate token?' });
    await confirm.getByText('Forbidden').waitFor();
    await confirm.getByRole('button', { name: 'Deactivate' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await expect.poll(() => row.textContent()).toContain('Inactive');

    // The very next call with it is refused, with FeatBit's exact body.
    const refused = await fetch(`${url}/api/v1/envs/${prod.id}/feature-flags/checkout/toggle/false`, {
      method: 'PUT',
      headers: { Authorization: secret, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ success: false, errors: ['Forbidden'], data: null });

    // After a reload the secret is nowhere: not in the page, not in storage.
    await page.reload();
    await row.waitFor();
    const everything = await page.evaluate(
      () => document.documentElement.outerHTML + document.body.textContent + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href,
    );
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret.slice(8, 40));
    // And the page ran under the strict Content-Security-Policy without a violation.
    expect(browser.console.filter((l) => /Content Security Policy|Refused to/.test(l))).toEqual([]);
  });

  it('the Add drawer says when a name is already used', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/integrations/access-tokens`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const drawer = page.getByRole('dialog', { name: 'Add access token' });
    await drawer.getByRole('textbox', { name: 'Name', exact: true }).fill('prod TOGGLER');
    await drawer.getByText('This name is already used by another token.').waitFor();
    expect(await drawer.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await drawer.getByRole('textbox', { name: 'Name', exact: true }).fill('Another name');
    await drawer.getByText('This name is already used by another token.').waitFor({ state: 'hidden' });
  });

  it('renames, resets with a grace period (new secret shown once) and removes a token from its row menu', async () => {
    const { page } = browser;
    const owner = await signIn(server.url, OWNER.email, OWNER.password);
    const created = await owner.ok<{ secret: string }>('POST', '/access-tokens', { name: 'Nightly report', type: 'Personal', permissions: [] });
    const oldSecret = created.secret;
    await page.goto(`${server.url}/integrations/access-tokens`);

    // Edit name.
    await page.getByRole('button', { name: 'Actions for Nightly report' }).click();
    await page.getByRole('menuitem', { name: 'Edit name' }).click();
    const rename = page.getByRole('dialog', { name: 'Edit token name' });
    await rename.getByRole('textbox', { name: 'Name' }).fill('Weekly report');
    await rename.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('[data-testid="token-row"][data-token-name="Weekly report"]');
    await row.waitFor();

    // Reset with a grace period: the new secret is shown once; the old one still works meanwhile.
    await row.getByRole('button', { name: 'Actions for Weekly report' }).click();
    await page.getByRole('menuitem', { name: 'Reset secret' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset secret' });
    await reset.getByRole('textbox', { name: 'Grace period (seconds)' }).fill('600');
    await reset.getByText('The old secret keeps working for 10 minutes').waitFor();
    await reset.getByRole('button', { name: 'Reset' }).click();
    const shown = page.getByRole('dialog', { name: 'New secret for this token' });
    const newSecret = (await shown.getByTestId('token-secret').textContent())!.trim();
    expect(newSecret).toMatch(/^ens_pat_/);
    expect(newSecret).not.toBe(oldSecret);
    expect((await new Api(server.url, newSecret).call('GET', '/user/profile')).status).toBe(200);
    expect((await new Api(server.url, oldSecret).call('GET', '/user/profile')).status).toBe(200);
    await shown.getByRole('button', { name: 'I have copied it' }).click();
    await shown.waitFor({ state: 'hidden' });
    expect(await page.content()).not.toContain(newSecret);

    // Remove: irreversible, confirmed; the secret stops working.
    await row.getByRole('button', { name: 'Actions for Weekly report' }).click();
    await page.getByRole('menuitem', { name: 'Remove' }).click();
    const remove = page.getByRole('dialog', { name: 'Remove token?' });
    await remove.getByText('This cannot be undone').waitFor();
    await remove.getByRole('button', { name: 'Remove for good' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await new Api(server.url, newSecret).call('GET', '/user/profile')).status).toBe(401);
  });
});

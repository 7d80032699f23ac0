// Joining by invitation, in real browsers: the owner invites in the UI and sees the link once; the invited person
// opens it in a browser of their own, chooses a password and is in; re-issued and revoked links stop working; a
// person changes their password and their other sessions end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, OWNER, setupOwner, signIn } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

describe('invitations and passwords', () => {
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

  /** Adds a member in the UI; returns the invitation link the dialog shows (once). */
  async function inviteInUi(email: string, name: string): Promise<string> {
    const { page } = browser;
    await page.goto(`${server.url}/iam/members`);
    await page.getByRole('button', { name: 'Add member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add member' });
    await dialog.getByRole('textbox', { name: 'Email' }).fill(email);
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    await dialog.getByRole('button', { name: 'Create invitation' }).click();
    const shown = page.getByRole('dialog', { name: 'Invitation link' });
    await shown.getByText('Shown once').waitFor();
    const link = (await shown.getByTestId('invitation-link').textContent())!.trim();
    const code = (await shown.getByTestId('invitation-code').textContent())!.trim();
    expect(link).toBe(`${server.url}/invite#${code}`);
    await shown.getByRole('button', { name: 'I have copied it' }).click();
    await shown.waitFor({ state: 'hidden' });
    return link;
  }

  const row = (email: string) => browser.page.locator(`[data-testid="member-row"][data-member-email="${email}"]`);

  it('invite in the UI → the person redeems the link in a fresh browser → they can sign in with their own password', async () => {
    const link = await inviteInUi('nina@acme.test', 'Nina New');
    await row('nina@acme.test').getByText('Invited').waitFor();

    const nina = await launchBrowser();
    try {
      const { page } = nina;
      await page.goto(link);
      await page.getByRole('heading', { name: 'Join your team on Ensign' }).waitFor();
      await page.getByRole('textbox', { name: 'Your name' }).fill('Nina Newton');
      await page.getByLabel(/^Password/).fill('ninas own password');
      await page.getByLabel('Confirm password').fill('ninas own password');
      await page.getByRole('button', { name: 'Create account and join' }).click();
      await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
      // The link is gone from the address bar.
      expect(new URL(page.url()).hash).toBe('');

      // Signed out and back in with the password Nina chose.
      await page.getByRole('button', { name: 'Account menu' }).click();
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      await signInThroughUi(page, server.url, 'nina@acme.test', 'ninas own password');

      // The same link a second time, in another fresh browser: refused.
      const again = await launchBrowser();
      try {
        await again.page.goto(link);
        await again.page.getByRole('textbox', { name: 'Your name' }).fill('Someone Else');
        await again.page.getByLabel(/^Password/).fill('another password 1');
        await again.page.getByLabel('Confirm password').fill('another password 1');
        await again.page.getByRole('button', { name: 'Create account and join' }).click();
        await again.page.getByText('This invitation link is not valid').waitFor();
      } finally {
        await again.close();
      }
    } finally {
      await nina.close();
    }
    await browser.page.goto(`${server.url}/iam/members`);
    await row('nina@acme.test').getByText('Active').waitFor();
    expect(await row('nina@acme.test').textContent()).toContain('Nina Newton');
  });

  it('a re-issued link replaces the old one; a revoked invitation disappears and its link stops working', async () => {
    const { page } = browser;
    const first = await inviteInUi('omar@acme.test', 'Omar');
    await row('omar@acme.test').getByRole('button', { name: 'Actions for omar@acme.test' }).click();
    await page.getByRole('menuitem', { name: 'Re-issue invitation' }).click();
    const shown = page.getByRole('dialog', { name: 'Invitation link' });
    const second = (await shown.getByTestId('invitation-link').textContent())!.trim();
    expect(second).not.toBe(first);
    await shown.getByRole('button', { name: 'I have copied it' }).click();
    const code = (link: string) => new URL(link).hash.slice(1);
    expect((await new Api(server.url).call('POST', '/invitations/redeem', { code: code(first), name: 'Omar', password: 'omar password 1' })).body.errors).toEqual(['InvalidInvitation']);

    await row('omar@acme.test').getByRole('button', { name: 'Actions for omar@acme.test' }).click();
    await page.getByRole('menuitem', { name: 'Revoke invitation' }).click();
    await page.getByRole('dialog', { name: 'Revoke invitation?' }).getByRole('button', { name: 'Revoke invitation' }).click();
    await row('omar@acme.test').waitFor({ state: 'detached' });
    expect((await new Api(server.url).call('POST', '/invitations/redeem', { code: code(second), name: 'Omar', password: 'omar password 1' })).body.errors).toEqual(['InvalidInvitation']);
  });

  it('a person with an account accepts with their session; changing the password ends their other sessions', async () => {
    // Pia has an account already (she joined another organization first).
    const other = await owner.ok<{ id: string }>('POST', '/organizations', { name: 'Other Co' });
    const inOther = owner.inOrganization(other.id);
    const first = await inOther.ok<{ invitation: { code: string } }>('POST', '/members', { email: 'pia@acme.test', name: 'Pia' });
    await new Api(server.url).ok('POST', '/invitations/redeem', { code: first.invitation.code, name: 'Pia Person', password: 'pias first password' });
    const link = await inviteInUi('pia@acme.test', 'Pia');

    const pia = await launchBrowser();
    try {
      const { page } = pia;
      await signInThroughUi(page, server.url, 'pia@acme.test', 'pias first password');
      await page.goto(link);
      await page.getByRole('heading', { name: 'Accept the invitation' }).waitFor();
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
      expect(await page.getByRole('textbox', { name: 'Organization' }).inputValue()).toBe('Acme');

      // Another session of Pia's (a script, say) works until she changes her password in the UI.
      const script = await signIn(server.url, 'pia@acme.test', 'pias first password');
      expect((await script.call('GET', '/user/profile')).status).toBe(200);
      await page.getByRole('button', { name: 'Account menu' }).click();
      await page.getByRole('menuitem', { name: 'Change password…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Change password' });
      await dialog.getByLabel('Current password').fill('wrong password 1');
      await dialog.getByLabel(/^New password/).fill('pias second password');
      await dialog.getByLabel('Confirm new password').fill('pias second password');
      await dialog.getByRole('button', { name: 'Change password' }).click();
      await dialog.getByText('The current password is wrong.').waitFor();
      expect((await script.call('GET', '/user/profile')).status).toBe(200);
      await dialog.getByLabel('Current password').fill('pias first password');
      await dialog.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Your password was changed').waitFor();
      expect((await script.call('GET', '/user/profile')).status).toBe(401);
      // This browser stays signed in.
      await page.reload();
      await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
      await signIn(server.url, 'pia@acme.test', 'pias second password');
      expect((await new Api(server.url).call('POST', '/identity/login-by-email', { email: 'pia@acme.test', password: 'pias first password' })).status).toBe(401);
    } finally {
      await pia.close();
    }
  });
});

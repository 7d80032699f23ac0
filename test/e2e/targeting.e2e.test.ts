// Targeting of flags and segments, driven from the UI and checked through the API: a segment made and
// filled in the browser, a flag rule naming it with a 50/50 split saved with a comment, "test a user",
// the audit entry with that comment, a stale revision (409), an archive refused while a flag uses the
// segment, and controls disabled for a member who holds only some targeting rights.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inviteAndRedeem, setupOwner, OWNER, type Api } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { choose, signInThroughUi } from './ui.ts';

interface Rollout {
  id: string;
  rollout: [number, number];
}
interface Flag {
  id: string;
  key: string;
  revision: string;
  isEnabled: boolean;
  variations: { id: string; name: string; value: string }[];
  targetUsers: { variationId: string; keyIds: string[] }[];
  rules: { id: string; name: string; conditions: { property: string; op: string; value: string }[]; variations: Rollout[] }[];
  fallthrough: { variations: Rollout[] };
  exptIncludeAllTargets: boolean;
}
interface Segment {
  id: string;
  key: string;
  name: string;
  included: string[];
  excluded: string[];
  isArchived: boolean;
}
interface AuditEntry {
  action: string;
  refId: string;
  comment: string;
  changes: { before: Record<string, unknown> | null; after: Record<string, unknown> | null };
}

// FeatBit's bucketing (spec 05, DispatchAlgorithm.cs), written out here so the test does not trust the server's.
const bucket = (flagKey: string, keyId: string) =>
  Math.abs(
    createHash('md5')
      .update(flagKey + keyId, 'utf8')
      .digest()
      .readInt32LE(0) / -2147483648,
  );

describe('targeting of flags and segments in a real browser', () => {
  let server: RunningServer;
  let owner: Api;
  let browser: TestBrowser;
  let projectId: string;
  let envId: string;
  let segment: Segment;

  beforeAll(async () => {
    server = await startServer();
    owner = await setupOwner(server.url);
    const project = await owner.ok<{ id: string; environments: { id: string; key: string }[] }>('POST', '/projects', { name: 'Web shop', key: 'web' });
    projectId = project.id;
    envId = project.environments.find((e) => e.key === 'prod')!.id;
    await owner.ok('POST', `/envs/${envId}/feature-flags`, { key: 'checkout-v2', name: 'Checkout v2' });
    browser = await launchBrowser({ width: 1280, height: 1000 });
    await signInThroughUi(browser.page, server.url, OWNER.email, OWNER.password);
  });
  afterAll(async () => {
    if (browser && process.env.E2E_DEBUG) console.log(browser.console.join('\n'));
    await browser?.close();
    await server?.stop();
  });

  const flagPath = () => `/envs/${envId}/feature-flags/checkout-v2`;
  const getFlag = () => owner.ok<Flag>('GET', flagPath());

  it('creates a segment, then saves its included users and a rule, each with a comment', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/projects/${projectId}/envs/${envId}/flags`);
    await page.getByText('Segments', { exact: true }).click();
    await page.getByText('No segments in this environment yet').waitFor();
    await page.getByRole('button', { name: 'New segment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New segment' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Beta testers');
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Key', exact: true }).inputValue()).toBe('beta-testers');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Beta testers' }).waitFor();

    await page.getByRole('textbox', { name: 'Included users' }).fill('beta-1');
    await page.keyboard.press('Enter');
    await page.getByRole('textbox', { name: 'Included users' }).fill('beta-2');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Save targeting' }).click();
    const ask = page.getByRole('dialog', { name: 'Save targeting' });
    await ask.getByRole('textbox', { name: 'Comment' }).fill('First beta cohort');
    await ask.getByRole('button', { name: 'Save' }).click();
    await ask.waitFor({ state: 'hidden' });

    const list = await owner.ok<{ items: Segment[] }>('GET', `/envs/${envId}/segments`);
    expect(list.items.map((s) => s.key)).toEqual(['beta-testers']);
    segment = list.items[0];
    expect(segment.included).toEqual(['beta-1', 'beta-2']);
    const audit = await owner.ok<{ items: AuditEntry[] }>('GET', `/audit-logs?refType=segment&refId=${segment.id}`);
    expect(audit.items[0]).toMatchObject({ action: 'UpdateSegmentTargetingUsers', comment: 'First beta cohort' });

    // A rule: staff by e-mail domain, with the operator picker.
    const targeting = page.getByTestId('segment-targeting');
    await targeting.getByRole('button', { name: 'Add rule' }).click();
    await targeting.getByRole('textbox', { name: 'Rule 1: name' }).fill('Staff');
    await targeting.getByRole('textbox', { name: 'Rule 1: property 1' }).fill('email');
    await page.keyboard.press('Escape');
    await choose(page, targeting, 'Rule 1: operator 1', 'ends with');
    await targeting.getByRole('textbox', { name: 'Rule 1: value 1' }).fill('@acme.test');
    await targeting.getByRole('button', { name: 'Save targeting' }).click();
    await ask.getByRole('button', { name: 'Save' }).click();
    await ask.waitFor({ state: 'hidden' });
    await expect
      .poll(async () => (await owner.ok<Segment & { rules: { name: string; conditions: unknown[] }[] }>('GET', `/envs/${envId}/segments/${segment.id}`)).rules)
      .toMatchObject([{ name: 'Staff', conditions: [{ property: 'email', op: 'EndsWith', value: '@acme.test' }] }]);
    expect((await owner.ok<Segment>('GET', `/envs/${envId}/segments/${segment.id}`)).included).toEqual(['beta-1', 'beta-2']);
  });

  it('builds a rule naming the segment with a 50/50 split, saves it with a comment, and shows the audit entry', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/projects/${projectId}/envs/${envId}/flags/checkout-v2`);
    await page.getByRole('heading', { name: 'Checkout v2' }).waitFor();
    const targeting = page.getByTestId('targeting');
    await targeting.getByRole('button', { name: 'Add rule' }).click();
    const rule = targeting.getByTestId('rule');
    await rule.getByRole('textbox', { name: 'Rule 1: name' }).fill('Beta split');
    await rule.getByRole('textbox', { name: 'Rule 1: property 1' }).fill('User is in segment');
    await page.keyboard.press('Escape');
    await rule.getByRole('textbox', { name: 'Rule 1: segments 1' }).click();
    await page.getByRole('option', { name: 'Beta testers' }).click();
    await page.keyboard.press('Escape');
    await rule.getByText('A percentage split').click();
    // Not adding up to 100 % blocks saving, and says why.
    await rule.getByRole('textbox', { name: 'Rule 1 serves: percentage for true' }).fill('60');
    await rule.getByRole('textbox', { name: 'Rule 1 serves: percentage for false' }).fill('50');
    await rule.getByText('Adds up to 110 %: the percentages must add up to 100 %.').waitFor();
    expect(await targeting.getByRole('button', { name: 'Save targeting' }).isDisabled()).toBe(true);
    await rule.getByRole('textbox', { name: 'Rule 1 serves: percentage for true' }).fill('50');
    await rule.getByText('Adds up to 100 %.').waitFor();
    expect(await rule.getByTestId('split-bar').locator('[data-variation]').count()).toBe(2);

    await targeting.getByRole('button', { name: 'Save targeting' }).click();
    const ask = page.getByRole('dialog', { name: 'Save targeting' });
    await ask.getByText('Changes: rules.').waitFor();
    await ask.getByRole('textbox', { name: 'Comment' }).fill('Half of the beta testers get the new checkout');
    await ask.getByRole('button', { name: 'Save targeting' }).click();
    await ask.waitFor({ state: 'hidden' });

    const flag = await getFlag();
    const [on, off] = flag.variations;
    expect(flag.rules).toHaveLength(1);
    expect(flag.rules[0]).toMatchObject({
      name: 'Beta split',
      conditions: [{ property: 'User is in segment', value: JSON.stringify([segment.id]) }],
      variations: [
        { id: on.id, rollout: [0, 0.5] },
        { id: off.id, rollout: [0.5, 1] },
      ],
    });
    // Only the rules moved: individual targeting and the default rule were sent back as they were.
    expect(flag.targetUsers).toEqual([]);
    expect(flag.fallthrough.variations).toEqual([{ id: on.id, rollout: [0, 1], exptRollout: 1 }]);

    // The flag's history: the audit entry with the comment and the rules before and after.
    await page.getByRole('link', { name: 'History' }).click();
    const row = page.getByTestId('audit-row').filter({ hasText: 'UpdateFlagTargetingRules' });
    await row.getByText('Half of the beta testers get the new checkout').waitFor();
    await row.getByRole('button', { name: 'Show changes' }).click();
    const changes = page.getByTestId('audit-changes').filter({ hasText: 'Beta split' });
    await changes.getByText('Comment: Half of the beta testers get the new checkout').waitFor();
    const [before, after] = await changes.locator('pre, code').allTextContents();
    expect(JSON.parse(before)).toEqual({ rules: [] });
    expect(JSON.parse(after).rules[0].name).toBe('Beta split');
    expect(await page.getByTestId('audit-row').count()).toBeGreaterThanOrEqual(2); // created, then targeting: this flag's entries only
    for (const text of await page.getByTestId('audit-row').allTextContents()) expect(text).toContain('checkout-v2');
  });

  it('tests users against the saved flag: the variation and the reason', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/projects/${projectId}/envs/${envId}/flags/checkout-v2`);
    await page.getByTestId('targeting').getByTestId('rule').first().waitFor();
    const [on, off] = (await getFlag()).variations;
    // The flag is off until now: everyone would get the off variation.
    await owner.ok('PUT', `${flagPath()}/toggle/true`, {});
    const panel = page.getByTestId('test-user');
    const evaluate = async (keyId: string) => {
      await panel.getByRole('textbox', { name: 'User key' }).fill(keyId);
      await panel.getByRole('button', { name: 'Evaluate' }).click();
      const result = panel.getByTestId('evaluation-result');
      await result.waitFor();
      return result;
    };
    // Both beta testers are in the segment; each gets the side of the split their bucket falls in.
    for (const keyId of ['beta-1', 'beta-2']) {
      const result = await evaluate(keyId);
      const expected = bucket('checkout-v2', keyId) <= 0.5 ? on : off;
      await expect.poll(() => result.getByTestId('evaluation-variation').textContent()).toBe(expected.value);
      expect(await result.getByTestId('evaluation-reason').textContent()).toBe('Because: Beta split (a rule matched)');
    }
    let result = await evaluate('someone-else');
    await expect.poll(() => result.getByTestId('evaluation-variation').textContent()).toBe(on.value);
    expect(await result.getByTestId('evaluation-reason').textContent()).toBe('Because: default (the default rule)');

    // A custom property: a second rule (added through the API) matches on it.
    const flag = await getFlag();
    await owner.ok('PUT', `${flagPath()}/targeting`, {
      revision: flag.revision,
      targeting: {
        targetUsers: flag.targetUsers,
        fallthrough: flag.fallthrough,
        rules: [...flag.rules, { name: 'Germany', conditions: [{ property: 'country', op: 'Equal', value: 'DE' }], variations: [{ id: off.id, rollout: [0, 1] }] }],
      },
    });
    await panel.getByRole('button', { name: 'Add property' }).click();
    await panel.getByRole('textbox', { name: 'Property 1 name' }).fill('country');
    await panel.getByRole('textbox', { name: 'Property 1 value' }).fill('DE');
    result = await evaluate('someone-else');
    await expect.poll(() => result.getByTestId('evaluation-reason').textContent()).toBe('Because: Germany (a rule matched)');
    expect(await result.getByTestId('evaluation-variation').textContent()).toBe(off.value);
  });

  it('refuses a save on a stale revision with a clear message and shows the latest targeting', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/projects/${projectId}/envs/${envId}/flags/checkout-v2`);
    const targeting = page.getByTestId('targeting');
    await targeting.getByTestId('rule').first().waitFor();
    // Someone else changes the targeting after the page loaded.
    const flag = await getFlag();
    const [on, off] = flag.variations;
    await owner.ok('PUT', `${flagPath()}/targeting`, {
      revision: flag.revision,
      comment: 'from a script',
      targeting: { targetUsers: [{ variationId: off.id, keyIds: ['carol'] }], rules: flag.rules, fallthrough: flag.fallthrough },
    });

    await targeting.getByRole('textbox', { name: `Users served ${on.value}` }).fill('dave');
    await page.keyboard.press('Enter');
    await targeting.getByRole('button', { name: 'Save targeting' }).click();
    const ask = page.getByRole('dialog', { name: 'Save targeting' });
    await ask.getByRole('button', { name: 'Save targeting' }).click();
    await ask.waitFor({ state: 'hidden' });
    await targeting.getByRole('alert').filter({ hasText: 'Someone else changed this flag' }).waitFor();
    // The latest version is shown (carol), the refused change (dave) is not, and nothing of it was stored.
    await targeting.getByText('carol').waitFor();
    expect(await targeting.getByText('dave', { exact: true }).count()).toBe(0);
    expect((await getFlag()).targetUsers).toEqual([{ variationId: off.id, keyIds: ['carol'] }]);
  });

  it('refuses to archive a segment a flag uses, naming the flag', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/projects/${projectId}/envs/${envId}/segments/${segment.id}`);
    await page.getByRole('heading', { name: 'Beta testers' }).waitFor();
    await page.getByRole('button', { name: 'Archive' }).click();
    const ask = page.getByRole('dialog', { name: 'Archive segment?' });
    await ask.getByRole('textbox', { name: 'Comment' }).fill('No longer needed');
    await ask.getByRole('button', { name: 'Archive' }).click();
    const refused = page.getByTestId('archive-refused');
    await refused.getByText('cannot be archived').waitFor();
    await refused.getByRole('link', { name: 'Checkout v2' }).waitFor();
    expect((await owner.ok<Segment>('GET', `/envs/${envId}/segments/${segment.id}`)).isArchived).toBe(false);
  });

  it('disables what a member may not change, and says why', async () => {
    const policy = await owner.ok<{ id: string }>('POST', '/policies', {
      name: 'Individual targeting only',
      key: 'individual-only',
      description: '',
      statements: [
        { resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] },
        { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] },
        { resourceType: 'flag', effect: 'allow', actions: ['UpdateFlagIndividualTargeting'], resources: ['project/*:env/*:flag/*'] },
      ],
    });
    // Only this policy, instead of the organization's default ones.
    await inviteAndRedeem(owner, { email: 'ivy@acme.test', name: 'Ivy Individual', password: 'individual password 1', policyIds: [policy.id] });

    const second = await launchBrowser({ width: 1280, height: 1000 });
    try {
      const { page } = second;
      await signInThroughUi(page, server.url, 'ivy@acme.test', 'individual password 1');
      await page.goto(`${server.url}/projects/${projectId}/envs/${envId}/flags/checkout-v2`);
      const targeting = page.getByTestId('targeting');
      await targeting.getByTestId('rule').first().waitFor();
      const reasons = await targeting.getByTestId('disabled-reason').allTextContents();
      expect(reasons).toEqual(['You cannot change this: it needs UpdateFlagTargetingRules on this flag.', 'You cannot change this: it needs UpdateFlagDefaultRule on this flag.']);
      expect(await targeting.getByRole('button', { name: 'Add rule' }).count()).toBe(0);
      expect(await targeting.getByRole('textbox', { name: 'Rule 1: name' }).isDisabled()).toBe(true);
      expect(await targeting.getByRole('textbox', { name: 'Default rule serves: variation' }).isDisabled()).toBe(true);

      // What she may change, she can save: only targetUsers is sent changed, so the server accepts it.
      const flag = await getFlag();
      const on = flag.variations[0];
      await targeting.getByRole('textbox', { name: `Users served ${on.value}` }).fill('erin');
      await page.keyboard.press('Enter');
      await targeting.getByRole('button', { name: 'Save targeting' }).click();
      const ask = page.getByRole('dialog', { name: 'Save targeting' });
      await ask.getByRole('button', { name: 'Save targeting' }).click();
      await ask.waitFor({ state: 'hidden' });
      await expect.poll(async () => (await getFlag()).targetUsers.find((u) => u.variationId === on.id)?.keyIds).toEqual(['erin']);
      expect((await getFlag()).rules).toEqual(flag.rules);
    } finally {
      await second.close();
    }
  });
});

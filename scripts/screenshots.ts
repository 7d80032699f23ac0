// Regenerates docs/screenshots/*.png: starts a server on a fresh data directory,
// seeds a small organization through the API, and photographs each main page
// at 1280×800 (plus one narrow window).  Run: npx tsx scripts/screenshots.ts
// SCREENSHOTS=17-flag-targeting,18-segment writes only the named ones (the others are still visited).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Api, inviteAndRedeem, setupOwner, signIn, OWNER } from '../test/e2e/api.ts';
import { launchBrowser } from '../test/e2e/browser.ts';
import setupWeb from '../test/e2e/global-setup.ts';
import { repoRoot, startServer } from '../test/e2e/server.ts';
import { signInThroughUi } from '../test/e2e/ui.ts';

const out = join(repoRoot, 'docs/screenshots');
mkdirSync(out, { recursive: true });

interface Env {
  id: string;
  key: string;
}

async function seed(url: string) {
  const owner = await setupOwner(url);
  // Members join by invitation: each redeems their own code with their own password.
  const dana = await inviteAndRedeem<{ id: string }>(owner, { email: 'dana@acme.test', name: 'Dana Developer', password: 'developer password 1' });
  await inviteAndRedeem(owner, { email: 'sam@acme.test', name: 'Sam Support', password: 'support password 1' });
  const group = await owner.ok<{ id: string }>('POST', '/groups', { name: 'Release managers', description: 'May turn production flags on and off.' });
  const policy = await owner.ok<{ id: string }>('POST', '/policies', {
    name: 'Prod togglers',
    key: 'prod-togglers',
    description: 'Read every environment; turn flags on and off in production.',
    statements: [
      { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] },
      { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/*:env/prod:flag/*'] },
      { resourceType: 'flag', effect: 'deny', actions: ['ToggleFlag'], resources: ['project/*:env/prod:flag/*;payments'] },
    ],
  });
  await owner.ok('PUT', `/groups/${group.id}/add-policy/${policy.id}`, {});
  await owner.ok('PUT', `/groups/${group.id}/add-member/${dana.id}`, {});

  const web = await owner.ok<{ id: string; environments: Env[] }>('POST', '/projects', { name: 'Web shop', key: 'web' });
  await owner.ok('POST', '/projects', { name: 'Mobile app', key: 'mobile' });
  const prod = web.environments.find((e) => e.key === 'prod')!;
  const flags = [
    { key: 'checkout-v2', name: 'Checkout v2', description: 'The new one-page checkout.', tags: ['payments', 'beta'] },
    { key: 'dark-mode', name: 'Dark mode', description: 'Offer a dark colour scheme.', tags: ['ui'] },
    { key: 'new-navbar', name: 'New navigation bar', description: '', tags: ['ui', 'beta'] },
    { key: 'search-suggestions', name: 'Search suggestions', description: 'Suggest products while typing.', tags: ['search'] },
    { key: 'holiday-banner', name: 'Holiday banner', description: 'Seasonal banner on the home page.', tags: ['marketing'] },
  ];
  for (const f of flags) await owner.ok('POST', `/envs/${prod.id}/feature-flags`, f);
  await owner.ok('PUT', `/envs/${prod.id}/feature-flags/dark-mode/toggle/true`, {});

  const ci = await owner.ok<{ id: string; secret: string }>('POST', '/access-tokens', {
    name: 'CI deploy',
    type: 'Service',
    permissions: [
      { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] },
      { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/web:env/prod:flag/*'] },
    ],
  });
  await owner.ok('POST', '/access-tokens', { name: "Olivia's laptop", type: 'Personal', permissions: [] });
  const old = await owner.ok<{ id: string }>('POST', '/access-tokens', {
    name: 'Old dashboard sync',
    type: 'Service',
    permissions: [{ resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] }],
  });
  await owner.ok('PUT', `/access-tokens/${old.id}/deactivate`, {});
  const danaApi = await signIn(url, 'dana@acme.test', 'developer password 1');
  await danaApi.ok('POST', '/access-tokens', { name: 'Dana local scripts', type: 'Personal', permissions: [] });

  // Changes made with a token, so the audit log shows the token's name.
  const script = new Api(url, ci.secret);
  await script.ok('PUT', `/envs/${prod.id}/feature-flags/new-navbar/toggle/true`, {});
  await script.ok('PUT', `/envs/${prod.id}/feature-flags/search-suggestions/toggle/true`, {});
  return { owner, webId: web.id, prodId: prod.id, policyId: policy.id, groupId: group.id, danaId: dana.id };
}

// Segments and targeting for checkout-v2; seeded after the other pages are photographed, so they stay as they were.
async function seedTargeting(owner: Api, prodId: string) {
  const beta = await owner.ok<{ id: string }>('POST', `/envs/${prodId}/segments`, { key: 'beta-testers', name: 'Beta testers', description: 'Customers who asked for early access.', tags: ['beta'] });
  await owner.ok('PUT', `/envs/${prodId}/segments/${beta.id}/targeting`, {
    included: ['cust-1042', 'cust-2211', 'cust-3090'],
    excluded: ['cust-0007'],
    rules: [{ name: 'Staff', conditions: [{ property: 'email', op: 'EndsWith', value: '@acme.test' }] }],
    comment: 'First beta cohort',
  });
  await owner.ok('POST', `/envs/${prodId}/segments`, { key: 'eu-customers', name: 'EU customers', type: 'shared', scopes: ['project/web'] });
  const flag = await owner.ok<{ revision: string; variations: { id: string }[] }>('GET', `/envs/${prodId}/feature-flags/checkout-v2`);
  const [on, off] = flag.variations.map((v) => v.id);
  await owner.ok('PUT', `/envs/${prodId}/feature-flags/checkout-v2/targeting`, {
    revision: flag.revision,
    comment: 'Half of the beta testers, and pro plans in Germany',
    targeting: {
      targetUsers: [{ variationId: on, keyIds: ['olivia', 'qa-bot'] }],
      rules: [
        {
          name: 'Beta testers, 50/50',
          conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([beta.id]) }],
          variations: [
            { id: on, rollout: [0, 0.5] },
            { id: off, rollout: [0.5, 1] },
          ],
        },
        {
          name: 'Pro plans in Germany',
          conditions: [
            { property: 'plan', op: 'IsOneOf', value: '["pro","team"]' },
            { property: 'country', op: 'Equal', value: 'DE' },
          ],
          variations: [{ id: on, rollout: [0, 1] }],
        },
      ],
      fallthrough: { variations: [{ id: off, rollout: [0, 1] }] },
    },
  });
  await owner.ok('PUT', `/envs/${prodId}/feature-flags/checkout-v2/toggle/true`, { comment: 'Start the beta' });
  return beta.id;
}

const only = process.env.SCREENSHOTS?.split(',')
  .map((n) => n.trim())
  .filter(Boolean);

async function shot(page: Page, name: string) {
  if (only && !only.includes(name)) return;
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500); // transitions
  await page.screenshot({ path: join(out, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}

await setupWeb();
const server = await startServer();
const browser = await launchBrowser({ width: 1280, height: 800 });
try {
  const { page } = browser;
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Create the first owner' }).waitFor();
  await shot(page, '01-setup');

  const ids = await seed(server.url);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot(page, '02-sign-in');
  await signInThroughUi(page, server.url, OWNER.email, OWNER.password);

  await page.goto(`${server.url}/projects`);
  await page.getByTestId('project-card').first().waitFor();
  await shot(page, '03-projects');

  await page.goto(`${server.url}/projects/${ids.webId}/envs/${ids.prodId}/flags`);
  await page.getByTestId('flag-row').first().waitFor();
  await shot(page, '04-flags');

  await page.goto(`${server.url}/projects/${ids.webId}/envs/${ids.prodId}/flags/checkout-v2`);
  await page.getByRole('heading', { name: 'Checkout v2' }).waitFor();
  await shot(page, '05-flag-detail');

  await page.goto(`${server.url}/integrations/access-tokens`);
  await page.getByTestId('token-row').first().waitFor();
  await shot(page, '06-access-tokens');

  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const drawer = page.getByRole('dialog', { name: 'Add access token' });
  await drawer.getByRole('textbox', { name: 'Name', exact: true }).fill('Release bot');
  await drawer.getByRole('textbox', { name: 'Type', exact: true }).click();
  await page.getByRole('option', { name: 'Service', exact: true }).click();
  await drawer.getByRole('button', { name: 'Feature flags' }).click();
  const flagPanel = drawer.getByTestId('picker-flag');
  await flagPanel.getByLabel('ToggleFlag').check();
  await flagPanel.getByLabel('UpdateFlagTags').check();
  await flagPanel.getByText('Specific resources').click();
  await flagPanel.getByRole('textbox', { name: 'Project key' }).fill('web');
  await flagPanel.getByRole('textbox', { name: 'Environment key' }).fill('prod');
  await flagPanel.getByRole('textbox', { name: 'Flag key' }).fill('*');
  await flagPanel.getByRole('textbox', { name: 'Tags (any of)' }).fill('beta');
  await page.keyboard.press('Enter');
  await shot(page, '07-add-token');

  await drawer.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('token-secret').waitFor();
  await shot(page, '08-token-secret-once');
  await page.getByRole('button', { name: 'I have copied it' }).click();

  const row = page.locator('[data-testid="token-row"][data-token-name="CI deploy"]');
  await row.getByRole('button', { name: 'Actions for CI deploy' }).click();
  await page.getByRole('menu').waitFor();
  await shot(page, '09-token-menu');
  await page.keyboard.press('Escape');

  await page.goto(`${server.url}/iam/members`);
  await page.getByRole('link', { name: 'Dana Developer' }).waitFor();
  await shot(page, '10-members');

  await page.goto(`${server.url}/iam/members/${ids.danaId}`);
  await page.getByRole('heading', { name: 'Dana Developer' }).waitFor();
  await shot(page, '11-member-detail');

  await page.goto(`${server.url}/iam/groups/${ids.groupId}`);
  await page.getByRole('heading', { name: 'Release managers' }).waitFor();
  await shot(page, '12-group');

  await page.goto(`${server.url}/iam/policies`);
  await page.getByRole('link', { name: 'Prod togglers' }).waitFor();
  await shot(page, '13-policies');

  await page.goto(`${server.url}/iam/policies/${ids.policyId}`);
  await page.getByTestId('statement-editor').waitFor();
  await shot(page, '14-policy-editor');

  await page.goto(`${server.url}/audit`);
  await page.getByTestId('audit-row').first().waitFor();
  // Open a change made with a token: the log names the token.
  await page.getByTestId('audit-row').filter({ hasText: 'CI deploy' }).first().getByRole('button', { name: 'Show changes' }).click();
  await shot(page, '15-audit-log');

  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${server.url}/integrations/access-tokens`);
  await page.getByTestId('token-row').first().waitFor();
  await shot(page, '16-narrow-access-tokens');

  await page.setViewportSize({ width: 1280, height: 800 });
  const betaId = await seedTargeting(ids.owner, ids.prodId);
  await page.goto(`${server.url}/projects/${ids.webId}/envs/${ids.prodId}/flags/checkout-v2`);
  await page.getByTestId('targeting').getByTestId('rule').first().waitFor();
  await page.waitForLoadState('networkidle');
  const tester = page.getByTestId('test-user');
  await tester.getByRole('textbox', { name: 'User key' }).fill('cust-1042');
  await tester.getByRole('button', { name: 'Evaluate' }).click();
  await tester.getByTestId('evaluation-result').waitFor();
  // From the targeting card down, below the fixed header.
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="targeting"]');
    if (el) window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 72);
  });
  await shot(page, '17-flag-targeting');

  await page.goto(`${server.url}/projects/${ids.webId}/envs/${ids.prodId}/segments/${betaId}`);
  await page.getByTestId('segment-targeting').waitFor();
  await shot(page, '18-segment');
} finally {
  await browser.close();
  await server.stop();
}

// The flag page shows when an SDK last evaluated the flag and a chart of its evaluations per variation, from what SDKs
// posted to /api/public/insight/track (here, the body FeatBit's SDKs post, sent with the environment's server key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOwner, OWNER, type Api } from './api.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';
import { signInThroughUi } from './ui.ts';

interface Env {
  id: string;
  key: string;
  secrets: { type: string; value: string }[];
}

describe('flag insights in a real browser', () => {
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

  it('shows "Last evaluated" and the evaluations chart once an SDK has reported', async () => {
    const project = await owner.ok<{ id: string; environments: Env[] }>('POST', '/projects', { key: 'web', name: 'Web' });
    const prod = project.environments.find((e) => e.key === 'prod')!;
    const flag = await owner.ok<{ variations: { id: string; value: string }[]; enabledVariationId: string }>('POST', `/envs/${prod.id}/feature-flags`, { key: 'checkout', name: 'Checkout' });
    const { page } = browser;
    const url = `${server.url}/projects/${project.id}/envs/${prod.id}/flags/checkout`;
    await page.goto(url);
    const card = page.getByTestId('flag-insights');
    await card.getByText('Last evaluated: Never').waitFor();
    await card.getByText('No SDK has reported evaluating this flag').waitFor();

    const on = flag.variations.find((v) => v.id === flag.enabledVariationId)!;
    const body = ['a', 'b', 'c'].map((keyId) => ({ user: { keyId, name: keyId }, variations: [{ featureFlagKey: 'checkout', sendToExperiment: false, timestamp: Date.now(), variation: on }] }));
    const res = await fetch(`${server.url}/api/public/insight/track`, {
      method: 'POST',
      headers: { authorization: prod.secrets.find((s) => s.type === 'server')!.value, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);

    await page.reload();
    await card.getByText('Last evaluated: Just now').waitFor();
    await card.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await card.getByText('No SDK has reported').count()).toBe(0);
  });
});

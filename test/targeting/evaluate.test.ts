// POST /envs/{envId}/feature-flags/{key}/evaluate: the variation a user gets, with FeatBit's reason,
// through every step (off, targeted, rule with a segment, fallthrough), guarded by CanAccessEnv.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { allow, as, builder, expectOk, member, otherOrg, setupOrg, type Api, type Org, type ProjectInfo } from '../support/resource-fixtures.ts';

describe.each(backends)('flag evaluation route (%s)', (backend) => {
  let t: TestApp;
  let org: Org;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  let web: ProjectInfo;
  beforeEach(async () => {
    t = await makeApp(backend);
    org = await setupOrg(t);
    owner = as(t, org.owner);
    b = builder(owner);
    web = await b.project('web');
  });
  afterEach(async () => t.close());

  const url = (key: string, tail = '') => `/envs/${web.env.prod}/feature-flags/${key}${tail}`;
  const user = (keyId: string, props: Record<string, string> = {}) => ({ keyId, name: keyId, customizedProperties: Object.entries(props).map(([name, value]) => ({ name, value })) });

  async function targetedFlag() {
    const segment = await b.segment(web.env.prod, 'staff', { included: ['s-in'], excluded: ['x-out'] });
    // Also everyone at the company's domain, except who is excluded.
    expectOk(
      await owner('PUT', `/envs/${web.env.prod}/segments/${segment.id}/targeting`, { rules: [{ id: 'sr', name: 'domain', conditions: [{ property: 'email', op: 'EndsWith', value: '@acme.test' }] }] }),
    );
    const f = await b.flag(web.env.prod, 'checkout', {
      variationType: 'string',
      variations: [
        { id: 'on', name: 'On', value: 'new-checkout' },
        { id: 'off', name: 'Off', value: 'old-checkout' },
        { id: 'vip', name: 'VIP', value: 'vip-checkout' },
        { id: 'nl', name: 'NL', value: 'dutch-checkout' },
      ],
      enabledVariationId: 'on',
      disabledVariationId: 'off',
      isEnabled: true,
    });
    const targeting = {
      targetUsers: [{ variationId: 'vip', keyIds: ['alice'] }],
      rules: [
        { id: 'r-staff', name: 'staff', conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([segment.id]) }], variations: [{ id: 'vip', rollout: [0, 1] }] },
        { id: 'r-nl', name: 'Dutch users', conditions: [{ property: 'country', op: 'Equal', value: 'NL' }], variations: [{ id: 'nl', rollout: [0, 1] }] },
      ],
      fallthrough: f.fallthrough,
    };
    return expectOk(await owner('PUT', url('checkout', '/targeting'), { revision: f.revision, targeting }));
  }

  it('answers each step with its variation, reason and kind', async () => {
    await targetedFlag();
    const ev = async (u: object) => expectOk(await owner('POST', url('checkout', '/evaluate'), { user: u }));
    expect(await ev(user('alice', { country: 'NL' }))).toEqual({ variation: { id: 'vip', value: 'vip-checkout' }, reason: 'targeted', kind: 'targeted' });
    expect(await ev(user('s-in'))).toEqual({ variation: { id: 'vip', value: 'vip-checkout' }, reason: 'staff', kind: 'rule' });
    expect(await ev(user('dave', { email: 'dave@acme.test' }))).toEqual({ variation: { id: 'vip', value: 'vip-checkout' }, reason: 'staff', kind: 'rule' });
    // Excluded beats the segment's rules: "x-out" is not in the segment, so the next rule decides.
    expect(await ev(user('x-out', { email: 'x@acme.test', country: 'NL' }))).toEqual({ variation: { id: 'nl', value: 'dutch-checkout' }, reason: 'Dutch users', kind: 'rule' });
    expect(await ev(user('bob', { country: 'DE' }))).toEqual({ variation: { id: 'on', value: 'new-checkout' }, reason: 'default', kind: 'fallthrough' });
    expect(await ev({ keyId: 'carol' })).toEqual({ variation: { id: 'on', value: 'new-checkout' }, reason: 'default', kind: 'fallthrough' });

    expectOk(await owner('PUT', url('checkout', '/toggle/false')));
    expect(await ev(user('alice'))).toEqual({ variation: { id: 'off', value: 'old-checkout' }, reason: 'flag disabled', kind: 'disabled' });
  });

  it('a segment change is seen by the next evaluation', async () => {
    await targetedFlag();
    const staff = expectOk(await owner('GET', `/envs/${web.env.prod}/segments?name=staff`)).items[0];
    expect(expectOk(await owner('POST', url('checkout', '/evaluate'), { user: user('newcomer') })).kind).toBe('fallthrough');
    expectOk(await owner('PUT', `/envs/${web.env.prod}/segments/${staff.id}/targeting`, { included: [...staff.included, 'newcomer'] }));
    expect(expectOk(await owner('POST', url('checkout', '/evaluate'), { user: user('newcomer') })).reason).toBe('staff');
  });

  it('needs CanAccessEnv; other organizations see a 404; an archived flag is 422; bad users are 400', async () => {
    await targetedFlag();
    const reader = as(t, await member(t, org, [allow('env', ['CanAccessEnv'], ['project/web:env/prod'])]));
    expect((await reader('POST', url('checkout', '/evaluate'), { user: user('alice') })).status).toBe(200);
    const stranger = as(t, await member(t, org, [allow('env', ['CanAccessEnv'], ['project/web:env/dev'])]));
    expect((await stranger('POST', url('checkout', '/evaluate'), { user: user('alice') })).body).toEqual({ success: false, errors: ['Forbidden'], data: null });
    const globex = as(t, (await otherOrg(t)).owner);
    expect((await globex('POST', url('checkout', '/evaluate'), { user: user('alice') })).status).toBe(404);
    expect((await owner('POST', url('missing', '/evaluate'), { user: user('alice') })).status).toBe(404);
    expect((await owner('POST', url('checkout', '/evaluate'), { user: { name: 'no key' } })).body.errors).toEqual(['keyId_is_required']);
    expectOk(await owner('PUT', url('checkout', '/archive')));
    expect((await owner('POST', url('checkout', '/evaluate'), { user: user('alice') })).body).toEqual({ success: false, errors: ['FlagArchived'], data: null });
  });
  it("a flag keyed `clone` is evaluated at …/clone/evaluate (FeatBit's clone path has a static `clone` there), and a flag keyed `evaluate` still clones", async () => {
    await b.flag(web.env.prod, 'clone', {});
    await b.flag(web.env.prod, 'twin', {});
    for (const on of [false, true]) {
      for (const key of ['clone', 'twin']) await owner('PUT', url(key, `/toggle/${on}`));
      const evaluated = await owner('POST', url('clone', '/evaluate'), { user: user('alice') });
      // The same answer, envelope and all, as the evaluate route gives for a twin flag keyed otherwise (variation
      // ids are each flag's own).
      const twin = (await owner('POST', url('twin', '/evaluate'), { user: user('alice') })).body;
      const withoutId = (b: any) => ({ ...b, data: { ...b.data, variation: { value: b.data.variation.value } } });
      expect(evaluated.status).toBe(200);
      expect(withoutId(evaluated.body)).toEqual(withoutId(twin));
      expect(evaluated.body.data.kind).toBe(on ? 'fallthrough' : 'disabled');
    }
    // Evaluation is still guarded by CanAccessEnv on that route too.
    const outsider = as(t, await member(t, org, []));
    expect((await outsider('POST', url('clone', '/evaluate'), { user: user('alice') })).status).toBe(403);
    // A clone body on the same path clones the flag keyed `evaluate`, as FeatBit's route does.
    await b.flag(web.env.prod, 'evaluate', {});
    expect(expectOk(await owner('POST', url('clone', '/evaluate'), { key: 'evaluate-copy', name: 'Copy' }))).toBe(true);
    expect(expectOk(await owner('GET', url('evaluate-copy'))).key).toBe('evaluate-copy');
    // Neither body: the clone route's own validation answers.
    expect((await owner('POST', url('clone', '/evaluate'), { user: { keyId: '' } })).status).toBe(400);
  });
});

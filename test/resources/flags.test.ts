// Feature flags: variation types, defaults, rules (archive before delete, archived flags are read-only,
// on/off variations must survive), validation (400 with codes and nothing changed), filters and paging.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { as, builder, expectOk, setupOrg, type Api, type ProjectInfo } from '../support/resource-fixtures.ts';

describe.each(backends)('feature flags (%s)', (backend) => {
  let t: TestApp;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  let web: ProjectInfo;
  let env: string;
  let clockNow: number;
  beforeEach(async () => {
    clockNow = Date.parse('2026-02-01T00:00:00Z');
    // Each reading of the clock moves it a millisecond, so creation order is strict.
    t = await makeApp(backend, { clock: { now: () => clockNow++ } });
    owner = as(t, (await setupOrg(t)).owner);
    b = builder(owner);
    web = await b.project('web');
    env = web.env.prod;
  });
  afterEach(async () => t.close());

  const url = (tail = '') => `/envs/${env}/feature-flags${tail}`;
  const flagRows = () => t.db.kysely.selectFrom('feature_flags').selectAll().orderBy('id').execute();
  const auditCount = async () =>
    Number(
      (
        await t.db.kysely
          .selectFrom('audit_logs')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('creates a boolean flag by default: variations true/false, on serves true, off serves false, off to start', async () => {
    const flag = expectOk(await owner('POST', url(), { key: 'checkout', name: 'Checkout' }));
    const byValue = Object.fromEntries(flag.variations.map((v: any) => [v.value, v.id]));
    expect(flag).toMatchObject({ envId: env, key: 'checkout', name: 'Checkout', description: '', isEnabled: false, variationType: 'boolean', tags: [], isArchived: false });
    expect(flag.variations.map((v: any) => v.value)).toEqual(['true', 'false']);
    expect(flag.enabledVariationId).toBe(byValue.true);
    expect(flag.disabledVariationId).toBe(byValue.false);
    expect(expectOk(await owner('GET', url('/checkout')))).toEqual(flag);
  });

  it('creates string, number and json flags, storing values as strings', async () => {
    const s = expectOk(
      await owner('POST', url(), {
        key: 's',
        name: 's',
        variationType: 'string',
        variations: [
          { name: 'a', value: 'red' },
          { name: 'b', value: '' },
        ],
      }),
    );
    expect(s.variations.map((v: any) => v.value)).toEqual(['red', '']);
    expect([s.enabledVariationId, s.disabledVariationId]).toEqual(s.variations.map((v: any) => v.id));
    const n = expectOk(
      await owner('POST', url(), {
        key: 'n',
        name: 'n',
        variationType: 'number',
        variations: [
          { id: 'lo', name: 'lo', value: '-1.5e3' },
          { id: 'hi', name: 'hi', value: '42' },
        ],
        enabledVariationId: 'hi',
        disabledVariationId: 'lo',
        isEnabled: true,
      }),
    );
    expect(n).toMatchObject({ variationType: 'number', enabledVariationId: 'hi', disabledVariationId: 'lo', isEnabled: true });
    const j = expectOk(
      await owner('POST', url(), {
        key: 'j',
        name: 'j',
        variationType: 'json',
        variations: [
          { name: 'o', value: '{"a":[1,2]}' },
          { name: 'n', value: 'null' },
        ],
      }),
    );
    expect(j.variations[0].value).toBe('{"a":[1,2]}');
  });

  it('rejects invalid flags with 400 and stable codes, creating nothing', async () => {
    const cases: [unknown, string[]][] = [
      [{ key: 'bad key', name: 'x' }, ['key_is_invalid']],
      [{ key: 'x'.repeat(129), name: 'x' }, ['key_is_invalid']],
      [{ key: 'a:b', name: 'x' }, ['key_is_invalid']],
      [{ name: 'x' }, ['key_is_required']],
      [{ key: 'k', name: '   ' }, ['name_is_required']],
      [{ key: 'k', name: 'x', owner: 'me' }, ['owner_is_unknown']],
      [{ key: 'k', name: 'x', tags: ['ok', 'no:colon'] }, ['tags_is_invalid']],
      [{ key: 'k', name: 'x', tags: ['a,b'] }, ['tags_is_invalid']],
      [{ key: 'k', name: 'x', tags: ['semi;colon'] }, ['tags_is_invalid']],
      [{ key: 'k', name: 'x', tags: ['sl/ash'] }, ['tags_is_invalid']],
      [{ key: 'k', name: 'x', variationType: 'date' }, ['variationType_is_invalid']],
      [{ key: 'k', name: 'x', variationType: 'string' }, ['variations_is_required']],
      [
        {
          key: 'k',
          name: 'x',
          variations: [
            { name: 'a', value: 'yes' },
            { name: 'b', value: 'no' },
          ],
        },
        ['value_is_invalid'],
      ],
      [
        {
          key: 'k',
          name: 'x',
          variations: [
            { name: 'a', value: 'true' },
            { name: 'b', value: 'true' },
          ],
        },
        ['variations_is_invalid'],
      ],
      [
        {
          key: 'k',
          name: 'x',
          variationType: 'number',
          variations: [
            { name: 'a', value: '1' },
            { name: 'b', value: 'one' },
          ],
        },
        ['value_is_invalid'],
      ],
      [
        {
          key: 'k',
          name: 'x',
          variationType: 'number',
          variations: [
            { name: 'a', value: '1' },
            { name: 'b', value: '0x10' },
          ],
        },
        ['value_is_invalid'],
      ],
      [
        {
          key: 'k',
          name: 'x',
          variationType: 'json',
          variations: [
            { name: 'a', value: '{}' },
            { name: 'b', value: '{' },
          ],
        },
        ['value_is_invalid'],
      ],
      [{ key: 'k', name: 'x', variationType: 'string', variations: [{ name: 'a', value: 'only' }] }, ['variations_is_invalid']],
      [
        {
          key: 'k',
          name: 'x',
          variationType: 'string',
          variations: [
            { id: 'v', name: 'a', value: '1' },
            { id: 'v', name: 'b', value: '2' },
          ],
        },
        ['variations_is_invalid'],
      ],
      [
        {
          key: 'k',
          name: 'x',
          variationType: 'string',
          variations: [
            { name: 'a', value: 1 },
            { name: 'b', value: '2' },
          ],
        },
        ['value_is_invalid'],
      ],
      [
        {
          key: 'k',
          name: 'x',
          variationType: 'string',
          variations: [
            { id: 'a', name: 'a', value: '1' },
            { id: 'b', name: 'b', value: '2' },
          ],
          enabledVariationId: 'zz',
        },
        ['enabledVariationId_is_invalid'],
      ],
      [{ key: 'k', name: 'x', isEnabled: 'yes' }, ['isEnabled_is_invalid']],
    ];
    for (const [body, errors] of cases) {
      const res = await owner('POST', url(), body);
      expect({ body, status: res.status, errors: [...res.body.errors].sort() }).toEqual({ body, status: 400, errors: [...errors].sort() });
    }
    expect(await flagRows()).toEqual([]);
  });

  it('rejects invalid updates with 400 and leaves the flag and the log as they were', async () => {
    const flag = await b.flag(env, 'f', { tags: ['keep'] });
    const before = [await flagRows(), await auditCount()];
    const cases: [string, string, unknown, string[]][] = [
      ['PUT', '/f/name', { name: '' }, ['name_is_invalid']],
      ['PUT', '/f/name', { name: 'ok', extra: 1 }, ['extra_is_unknown']],
      ['PUT', '/f/description', { description: 'x'.repeat(2049) }, ['description_is_invalid']],
      ['PUT', '/f/tags', { tags: ['bad:tag'] }, ['tags_is_invalid']],
      ['PUT', '/f/tags', ['bad;tag'], ['body_is_invalid']],
      ['PUT', '/f/tags', { labels: ['x'] }, ['labels_is_unknown', 'tags_is_required']],
      ['PUT', '/f/variations', { variations: [{ id: 'x', name: 'x', value: 'maybe' }] }, ['value_is_invalid', 'variations_is_invalid']],
      ['PUT', '/f/variations', { variationType: 'number', variations: flag.variations }, ['value_is_invalid']],
      ['PUT', '/f/off-variation', { offVariationId: 'nope' }, ['offVariationId_is_invalid']],
      ['PUT', '/f/off-variation', {}, ['offVariationId_is_required']],
      ['PUT', '/f/toggle/maybe', undefined, ['status_is_invalid']],
      ['POST', '/clone/f', { key: 'bad key', name: 'c' }, ['key_is_invalid']],
      ['GET', '?pageSize=0', undefined, ['pageSize_is_invalid']],
      ['GET', '?tags=a:b', undefined, ['tags_is_invalid']],
    ];
    for (const [method, tail, body, errors] of cases) {
      const res = await owner(method, url(tail), body);
      expect({ tail, body, status: res.status, errors: [...res.body.errors].sort() }).toEqual({ tail, body, status: 400, errors: [...errors].sort() });
    }
    expect([await flagRows(), await auditCount()]).toEqual(before);
  });

  it('deletes only archived flags; an archived flag is read-only until restored', async () => {
    const flag = await b.flag(env, 'old');
    expect((await owner('DELETE', url('/old'))).body).toEqual({ success: false, errors: ['CannotDeleteUnarchivedFeatureFlag'], data: null });
    expect(expectOk(await owner('PUT', url('/old/archive')))).toBe(true);
    expect(expectOk(await owner('GET', url('/old'))).isArchived).toBe(true);
    for (const [tail, body] of [
      ['/old/toggle/true', undefined],
      ['/old/name', { name: 'n' }],
      ['/old/description', { description: 'd' }],
      ['/old/tags', ['t']],
      ['/old/variations', { variations: flag.variations }],
      ['/old/off-variation', { offVariationId: flag.enabledVariationId }],
    ] as const) {
      const res = await owner('PUT', url(tail), body);
      expect({ tail, status: res.status, errors: res.body.errors }).toEqual({ tail, status: 422, errors: ['FlagArchived'] });
    }
    expect(expectOk(await owner('PUT', url('/old/restore')))).toBe(true);
    expect(expectOk(await owner('GET', url('/old'))).isArchived).toBe(false);
    expectOk(await owner('PUT', url('/old/archive')));
    expect(expectOk(await owner('DELETE', url('/old')))).toBe(true);
    expect((await owner('GET', url('/old'))).status).toBe(404);
    expect((await owner('DELETE', url('/old'))).status).toBe(404);
  });

  it("replaces variations only while the flag's on and off variations remain", async () => {
    const flag = expectOk(
      await owner('POST', url(), {
        key: 'v',
        name: 'v',
        variationType: 'string',
        variations: [
          { id: 'a', name: 'A', value: 'a' },
          { id: 'b', name: 'B', value: 'b' },
          { id: 'c', name: 'C', value: 'c' },
        ],
      }),
    );
    expect([flag.enabledVariationId, flag.disabledVariationId]).toEqual(['a', 'b']);
    const res = await owner('PUT', url('/v/variations'), {
      variations: [
        { id: 'a', name: 'A', value: 'a' },
        { id: 'c', name: 'C', value: 'c' },
      ],
    });
    expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 422, errors: ['VariationInUse'] });
    const revision = expectOk(
      await owner('PUT', url('/v/variations'), {
        variationType: 'json',
        variations: [
          { id: 'a', name: 'A', value: '{"x":1}' },
          { id: 'b', name: 'B', value: '[]' },
          { name: 'new', value: '2' },
        ],
      }),
    );
    const changed = expectOk(await owner('GET', url('/v')));
    expect(revision).toBe(changed.revision);
    expect(revision).not.toBe(flag.revision);
    expect(changed.variationType).toBe('json');
    expect(changed.variations).toHaveLength(3);
    expect(changed.variations[2].id).toEqual(expect.any(String));
    expect(expectOk(await owner('PUT', url('/v/off-variation'), { offVariationId: 'a' }))).toBe(expectOk(await owner('GET', url('/v'))).revision);
    expect(expectOk(await owner('GET', url('/v'))).disabledVariationId).toBe('a');
  });

  it('toggles, renames, describes (each answering the new revision), retags (array or {tags}) and clones (answering true)', async () => {
    await b.flag(env, 'f', { description: 'd', tags: ['x'] });
    const read = async () => expectOk(await owner('GET', url('/f')));
    /** The change answers the flag's revision after it, and the flag then reads as `check` says. */
    const answersRevision = async (method: string, tail: string, body: unknown, check: (f: any) => void) => {
      const revision = expectOk(await owner(method, url(tail), body));
      const after = await read();
      expect(revision).toBe(after.revision);
      check(after);
    };
    const before = await read();
    await answersRevision('PUT', '/f/toggle/true', undefined, (f) => expect(f.isEnabled).toBe(true));
    expect((await read()).revision).not.toBe(before.revision);
    // Unchanged: the same revision again, as FeatBit's handlers answer.
    const same = (await read()).revision;
    expect(expectOk(await owner('PUT', url('/f/toggle/true')))).toBe(same);
    await answersRevision('PUT', '/f/toggle/false', undefined, (f) => expect(f.isEnabled).toBe(false));
    await answersRevision('PUT', '/f/name', { name: '  Trimmed  ' }, (f) => expect(f.name).toBe('Trimmed'));
    await answersRevision('PUT', '/f/description', { description: '' }, (f) => expect(f.description).toBe(''));
    expect(expectOk(await owner('PUT', url('/f/tags'), ['a', 'b', 'a']))).toBe(true);
    expect((await read()).tags).toEqual(['a', 'b']);
    expect(expectOk(await owner('PUT', url('/f/tags'), { tags: [] }))).toBe(true);
    expect((await read()).tags).toEqual([]);
    expectOk(await owner('PUT', url('/f/tags'), ['keep']));
    expectOk(await owner('PUT', url('/f/toggle/true')));
    const source = await read();
    expect(expectOk(await owner('POST', url('/clone/f'), { key: 'f2', name: 'F2' }))).toBe(true);
    const copy = expectOk(await owner('GET', url('/f2')));
    expect(copy).toMatchObject({ key: 'f2', name: 'F2', description: source.description, tags: ['keep'], isEnabled: true, variations: source.variations, isArchived: false });
    expect(copy.id).not.toBe(source.id);
    expect(expectOk(await owner('POST', url('/clone/f'), { key: 'f3', name: 'F3', description: 'new', tags: ['other'] }))).toBe(true);
    expect(expectOk(await owner('GET', url('/f3')))).toMatchObject({ description: 'new', tags: ['other'] });
    expect(await owner('POST', url('/clone/f'), { key: 'f2', name: 'again' })).toMatchObject({ status: 422, body: { errors: ['KeyHasBeenUsed'] } });
    expect((await owner('POST', url('/clone/missing'), { key: 'f9', name: 'x' })).status).toBe(404);
  });

  it('keys are unique per environment (422 KeyHasBeenUsed, as FeatBit), not across environments', async () => {
    await b.flag(env, 'same');
    const again = await owner('POST', url(), { key: 'same', name: 'again' });
    expect({ status: again.status, body: again.body }).toEqual({ status: 422, body: { success: false, errors: ['KeyHasBeenUsed'], data: null } });
    expect((await owner('POST', `/envs/${web.env.dev}/feature-flags`, { key: 'same', name: 'dev' })).status).toBe(200);
  });

  it('filters by name or key (case-insensitive), tags (all of), isEnabled and isArchived, and pages newest first or by key', async () => {
    await b.flag(env, 'checkout-v1', { name: 'Checkout One', tags: ['pay', 'beta'] });
    await b.flag(env, 'search', { name: 'Search', tags: ['beta'], isEnabled: true });
    await b.flag(env, 'promo_banner', { name: 'Promo 100%', tags: ['marketing'] });
    await b.archivedFlag(env, 'legacy', { name: 'Legacy checkout', tags: ['pay'] });
    const keys = async (query: string) => {
      const page = expectOk(await owner('GET', url(`?${query}`)));
      return { total: page.totalCount, keys: page.items.map((f: any) => f.key) };
    };
    expect(await keys('')).toEqual({ total: 3, keys: ['promo_banner', 'search', 'checkout-v1'] });
    expect(await keys('name=CHECKOUT')).toEqual({ total: 1, keys: ['checkout-v1'] });
    expect(await keys('name=promo_')).toEqual({ total: 1, keys: ['promo_banner'] });
    expect(await keys('name=100%25')).toEqual({ total: 1, keys: ['promo_banner'] });
    expect(await keys('name=_')).toEqual({ total: 1, keys: ['promo_banner'] });
    expect(await keys('tags=pay,marketing')).toEqual({ total: 0, keys: [] });
    expect(await keys('tags=pay,beta')).toEqual({ total: 1, keys: ['checkout-v1'] });
    expect(await keys('tags=beta&tags=pay')).toEqual({ total: 1, keys: ['checkout-v1'] });
    expect(await keys('tags=beta')).toEqual({ total: 2, keys: ['search', 'checkout-v1'] });
    expect(await keys('sortBy=key')).toEqual({ total: 3, keys: ['checkout-v1', 'promo_banner', 'search'] });
    expect(await keys('sortBy=created_at')).toEqual({ total: 3, keys: ['promo_banner', 'search', 'checkout-v1'] });
    expect(await keys('isEnabled=&isArchived=false')).toEqual({ total: 3, keys: ['promo_banner', 'search', 'checkout-v1'] });
    expect(await keys('tags=Beta')).toEqual({ total: 0, keys: [] });
    expect(await keys('tags=bet')).toEqual({ total: 0, keys: [] });
    expect(await keys('isEnabled=true')).toEqual({ total: 1, keys: ['search'] });
    expect(await keys('isEnabled=false&tags=beta')).toEqual({ total: 1, keys: ['checkout-v1'] });
    expect(await keys('isArchived=true')).toEqual({ total: 1, keys: ['legacy'] });
    expect(await keys('isArchived=true&name=checkout&tags=pay')).toEqual({ total: 1, keys: ['legacy'] });
    expect(await keys('pageIndex=1&pageSize=2')).toEqual({ total: 3, keys: ['checkout-v1'] });
    expect(await keys('pageIndex=5&pageSize=2')).toEqual({ total: 3, keys: [] });
  });
});

// A script written for FeatBit's REST API (projects, environments, feature flags, segments, access tokens), replayed
// unchanged against Ensign: a raw `Authorization: <token>` header, FeatBit's bodies, and checks of FeatBit's field names
// and answers (ProjectController, EnvironmentController, FeatureFlagController, SegmentController, AccessTokenController
// and their handlers, FeatBit commit 366b4a1). IAM and the audit log are replayed in featbit-iam.test.ts.
// Every route of the spec's list (06-featbit-compatibility.md) that this file covers is named in ROUTES; the last test
// checks that the script called each of them.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const EVERYTHING = [{ resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }];
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const GUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const failure = (status: number, ...errors: string[]) => ({ status, body: { success: false, errors, data: null } });

/** The spec's routes this file replays, as FeatBit's controllers name them. */
const ROUTES = [
  'POST /projects',
  'GET /projects',
  'GET /projects/{id}',
  'PUT /projects/{id}',
  'DELETE /projects/{id}',
  'POST /projects/{id}/envs',
  'GET /projects/{pid}/envs/{id}',
  'PUT /projects/{pid}/envs/{id}',
  'DELETE /projects/{pid}/envs/{id}',
  'POST /envs/{envId}/feature-flags',
  'GET /envs/{envId}/feature-flags',
  'GET /envs/{envId}/feature-flags/{key}',
  'PUT /envs/{envId}/feature-flags/{key}/toggle/{status}',
  'PUT /envs/{envId}/feature-flags/{key}/name',
  'PUT /envs/{envId}/feature-flags/{key}/description',
  'PUT /envs/{envId}/feature-flags/{key}/tags',
  'PUT /envs/{envId}/feature-flags/{key}/variations',
  'PUT /envs/{envId}/feature-flags/{key}/off-variation',
  'PUT /envs/{envId}/feature-flags/{key}/targeting',
  'PATCH /envs/{envId}/feature-flags/{key}',
  'GET /envs/{envId}/feature-flags/all-tags',
  'GET /envs/{envId}/feature-flags/{key}/pending-changes',
  'POST /envs/{envId}/feature-flags/clone/{key}',
  'PUT /envs/{envId}/feature-flags/{key}/archive',
  'PUT /envs/{envId}/feature-flags/{key}/restore',
  'DELETE /envs/{envId}/feature-flags/{key}',
  'POST /envs/{envId}/segments',
  'GET /envs/{envId}/segments',
  'GET /envs/{envId}/segments/{id}',
  'GET /envs/{envId}/segments/by-ids',
  'GET /envs/{envId}/segments/all-tags',
  'GET /envs/{envId}/segments/{id}/flag-references',
  'PUT /envs/{envId}/segments/{id}/name',
  'PUT /envs/{envId}/segments/{id}/description',
  'PUT /envs/{envId}/segments/{id}/tags',
  'PUT /envs/{envId}/segments/{id}/targeting',
  'PATCH /envs/{envId}/segments/{id}',
  'PUT /envs/{envId}/segments/{id}/archive',
  'PUT /envs/{envId}/segments/{id}/restore',
  'DELETE /envs/{envId}/segments/{id}',
  'POST /access-tokens',
  'GET /access-tokens',
  'GET /access-tokens/is-name-used',
  'PUT /access-tokens/{id}/toggle',
  'DELETE /access-tokens/{id}',
] as const;
type Route = (typeof ROUTES)[number];
const called = new Map<string, Set<Route>>();

type Reply = { status: number; body: any };
type Script = (route: Route, method: string, path: string, body?: unknown) => Promise<Reply>;

/** FeatBit's ApiResponse: {success: true, errors: [], data}. */
function data(res: Reply) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.success).toBe(true);
  expect(res.body.errors).toEqual([]);
  return res.body.data;
}

describe.each(backends)('FeatBit scripts: projects, environments, flags, segments, access tokens (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let fb: Script;
  let orgKey: string;
  const seen = new Set<Route>();
  called.set(backend, seen);

  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
    const token = expectOk(await as(t, owner)('POST', '/access-tokens', { name: 'featbit-script', type: 'Service', permissions: EVERYTHING })).token as string;
    // A FeatBit client: `Authorization: <token>` exactly as FeatBit's docs show it, no Organization header.
    fb = (route, method, path, body) => {
      seen.add(route);
      return t.call(method, `/api/v1${path}`, { auth: token, body });
    };
    orgKey = (await t.db.kysely.selectFrom('organizations').select('key').where('id', '=', owner.orgId).executeTakeFirstOrThrow()).key;
  });
  afterEach(async () => t.close());

  it('projects and environments: ProjectWithEnvs, ProjectVm, EnvironmentVm with settings and secrets; a taken key is 422 KeyHasBeenUsed; DELETE answers true', async () => {
    const project = data(await fb('POST /projects', 'POST', '/projects', { name: 'Web', key: 'web' }));
    const env = (key: string, name: string) => ({
      id: GUID,
      projectId: project.id,
      name,
      key,
      description: '',
      secrets: [expect.objectContaining({ id: expect.any(String), name: 'Server Key', type: 'server', value: expect.any(String) }), expect.objectContaining({ name: 'Client Key', type: 'client' })],
      settings: { requireChangeComment: false },
      createdAt: ISO,
      updatedAt: ISO,
    });
    expect(project).toEqual({ id: GUID, name: 'Web', key: 'web', environments: [env('dev', 'Dev'), env('prod', 'Prod')] });
    expect(await fb('POST /projects', 'POST', '/projects', { name: 'Again', key: 'web' })).toMatchObject(failure(422, 'KeyHasBeenUsed'));

    const listed = data(await fb('GET /projects', 'GET', '/projects'));
    expect(listed.map((p: any) => p.key)).toEqual(['web']);
    expect(data(await fb('GET /projects/{id}', 'GET', `/projects/${project.id}`))).toMatchObject({ id: project.id, name: 'Web', key: 'web' });
    expect(data(await fb('PUT /projects/{id}', 'PUT', `/projects/${project.id}`, { name: 'Website' }))).toEqual({ id: project.id, name: 'Website' });

    const qa = data(await fb('POST /projects/{id}/envs', 'POST', `/projects/${project.id}/envs`, { name: 'QA', key: 'qa', description: 'testing' }));
    expect(qa).toEqual({ ...env('qa', 'QA'), description: 'testing' });
    expect(await fb('POST /projects/{id}/envs', 'POST', `/projects/${project.id}/envs`, { name: 'QA', key: 'qa', description: '' })).toMatchObject(failure(422, 'KeyHasBeenUsed'));
    expect(data(await fb('GET /projects/{pid}/envs/{id}', 'GET', `/projects/${project.id}/envs/${qa.id}`))).toMatchObject({
      id: qa.id,
      projectId: project.id,
      name: 'QA',
      description: 'testing',
      settings: { requireChangeComment: false },
    });
    const updated = data(await fb('PUT /projects/{pid}/envs/{id}', 'PUT', `/projects/${project.id}/envs/${qa.id}`, { name: 'Quality', description: 'qa', settings: { requireChangeComment: true } }));
    expect(updated).toMatchObject({ id: qa.id, name: 'Quality', description: 'qa', settings: { requireChangeComment: true } });
    expect(data(await fb('DELETE /projects/{pid}/envs/{id}', 'DELETE', `/projects/${project.id}/envs/${qa.id}`))).toBe(true);
    expect(data(await fb('DELETE /projects/{id}', 'DELETE', `/projects/${project.id}`))).toBe(true);
    expect(await fb('GET /projects/{id}', 'GET', `/projects/${project.id}`)).toMatchObject(failure(404, 'ResourceNotFound'));
  });

  it('feature flags: create answers the FeatureFlag; changes answer the new revision (toggle, name, description, variations, off variation, targeting) or true (tags, PATCH, clone, archive, restore, delete)', async () => {
    const project = data(await fb('POST /projects', 'POST', '/projects', { name: 'Web', key: 'web' }));
    const envId = project.environments.find((e: any) => e.key === 'prod').id;
    const url = (tail = '') => `/envs/${envId}/feature-flags${tail}`;

    // FeatBit's CreateFeatureFlag body, as its UI and docs send it.
    const variations = [
      { id: 'on-id', name: 'On', value: 'true' },
      { id: 'off-id', name: 'Off', value: 'false' },
    ];
    const create = {
      name: 'Checkout',
      key: 'checkout',
      isEnabled: false,
      description: 'new checkout',
      variationType: 'boolean',
      variations,
      enabledVariationId: 'on-id',
      disabledVariationId: 'off-id',
      tags: ['pay'],
    };
    const flag = data(await fb('POST /envs/{envId}/feature-flags', 'POST', url(), create));
    expect(flag).toMatchObject({
      id: GUID,
      envId,
      revision: GUID,
      name: 'Checkout',
      description: 'new checkout',
      key: 'checkout',
      variationType: 'boolean',
      variations,
      targetUsers: [],
      rules: [],
      isEnabled: false,
      disabledVariationId: 'off-id',
      fallthrough: { includedInExpt: true, variations: [{ id: 'on-id', rollout: [0, 1], exptRollout: 1 }] },
      exptIncludeAllTargets: true,
      tags: ['pay'],
      isArchived: false,
      createdAt: ISO,
      updatedAt: ISO,
      creatorId: expect.any(String),
      updatorId: expect.any(String),
    });
    expect(await fb('POST /envs/{envId}/feature-flags', 'POST', url(), { ...create, name: 'Again' })).toMatchObject(failure(422, 'KeyHasBeenUsed'));
    expect(await fb('GET /envs/{envId}/feature-flags/{key}', 'GET', url('/missing'))).toMatchObject(failure(404, 'ResourceNotFound'));
    const read = async () => data(await fb('GET /envs/{envId}/feature-flags/{key}', 'GET', url('/checkout')));
    expect(await read()).toEqual(flag);

    /** A change that answers FeatBit's Guid: the flag's revision after it. */
    const revisionAfter = async (route: Route, tail: string, body: unknown) => {
      const revision = data(await fb(route, 'PUT', url(tail), body));
      expect(revision).toEqual(GUID);
      expect(revision).toBe((await read()).revision);
      return revision as string;
    };
    let revision = await revisionAfter('PUT /envs/{envId}/feature-flags/{key}/toggle/{status}', '/checkout/toggle/true', { comment: 'go live' });
    expect(revision).not.toBe(flag.revision);
    expect((await read()).isEnabled).toBe(true);
    // Already on: FeatBit answers the same revision.
    expect(data(await fb('PUT /envs/{envId}/feature-flags/{key}/toggle/{status}', 'PUT', url('/checkout/toggle/true')))).toBe(revision);
    await revisionAfter('PUT /envs/{envId}/feature-flags/{key}/name', '/checkout/name', { name: 'Checkout v2', comment: 'rename' });
    await revisionAfter('PUT /envs/{envId}/feature-flags/{key}/description', '/checkout/description', { description: 'the new checkout' });
    expect(data(await fb('PUT /envs/{envId}/feature-flags/{key}/tags', 'PUT', url('/checkout/tags'), ['pay', 'beta']))).toBe(true);
    revision = (await read()).revision;
    const three = [...variations, { id: 'maybe-id', name: 'Maybe', value: 'false' }];
    // A stale revision is refused; FeatBit's variationType is not part of its body, so it is left out.
    expect(await fb('PUT /envs/{envId}/feature-flags/{key}/variations', 'PUT', url('/checkout/variations'), { revision: flag.revision, variations: three })).toMatchObject(failure(409, 'Conflict'));
    const stringFlag = data(
      await fb('POST /envs/{envId}/feature-flags', 'POST', url(), {
        name: 'Color',
        key: 'color',
        isEnabled: true,
        description: '',
        variationType: 'string',
        variations: [
          { id: 'red', name: 'Red', value: 'red' },
          { id: 'blue', name: 'Blue', value: 'blue' },
        ],
        enabledVariationId: 'red',
        disabledVariationId: 'blue',
        tags: ['pay'],
      }),
    );
    const colorUrl = (tail: string) => `/envs/${envId}/feature-flags/color${tail}`;
    const colorRevision = data(
      await fb('PUT /envs/{envId}/feature-flags/{key}/variations', 'PUT', colorUrl('/variations'), {
        revision: stringFlag.revision,
        variations: [...stringFlag.variations, { id: 'green', name: 'Green', value: 'green' }],
        comment: 'add green',
      }),
    );
    expect(colorRevision).toBe(data(await fb('GET /envs/{envId}/feature-flags/{key}', 'GET', colorUrl(''))).revision);
    revision = data(await fb('PUT /envs/{envId}/feature-flags/{key}/off-variation', 'PUT', colorUrl('/off-variation'), { revision: colorRevision, offVariationId: 'green' }));
    const color = data(await fb('GET /envs/{envId}/feature-flags/{key}', 'GET', colorUrl('')));
    expect({ revision: color.revision, off: color.disabledVariationId }).toEqual({ revision, off: 'green' });

    // FeatBit's UpdateTargetingPayload.
    const targeting = {
      targetUsers: [{ variationId: 'blue', keyIds: ['ann'] }],
      rules: [
        {
          id: 'rule-1',
          name: 'Dutch',
          dispatchKey: null,
          includedInExpt: false,
          conditions: [{ property: 'country', op: 'Equal', value: 'NL' }],
          variations: [{ id: 'green', rollout: [0, 1], exptRollout: 1 }],
        },
      ],
      fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'red', rollout: [0, 1], exptRollout: 1 }] },
      exptIncludeAllTargets: true,
    };
    revision = data(await fb('PUT /envs/{envId}/feature-flags/{key}/targeting', 'PUT', colorUrl('/targeting'), { revision: color.revision, targeting, comment: 'target ann' }));
    expect(revision).toBe(data(await fb('GET /envs/{envId}/feature-flags/{key}', 'GET', colorUrl(''))).revision);
    expect(await fb('PUT /envs/{envId}/feature-flags/{key}/targeting', 'PUT', colorUrl('/targeting'), { revision: color.revision, targeting })).toMatchObject(failure(409, 'Conflict'));

    // JSON Patch → true.
    expect(data(await fb('PATCH /envs/{envId}/feature-flags/{key}', 'PATCH', url('/checkout'), [{ op: 'replace', path: '/description', value: 'patched' }]))).toBe(true);
    expect((await read()).description).toBe('patched');

    // The list: paged FeatureFlagVm.
    const page = data(await fb('GET /envs/{envId}/feature-flags', 'GET', url('?name=&tags=pay&isEnabled=&isArchived=false&sortBy=key&pageIndex=0&pageSize=10')));
    expect(page.totalCount).toBe(2);
    expect(page.items.map((f: any) => f.key)).toEqual(['checkout', 'color']);
    const colorVm = page.items[1];
    expect(Object.keys(colorVm).sort()).toEqual(['createdAt', 'creator', 'description', 'id', 'isEnabled', 'key', 'lastChange', 'name', 'serves', 'tags', 'updatedAt', 'variationType', 'variations']);
    expect(colorVm).toEqual({
      id: stringFlag.id,
      name: 'Color',
      description: '',
      key: 'color',
      isEnabled: true,
      variationType: 'string',
      variations: [...stringFlag.variations, { id: 'green', name: 'Green', value: 'green' }],
      createdAt: ISO,
      updatedAt: ISO,
      // The token that made it, as FeatBit's UserVm.
      creator: { id: expect.any(String), name: 'featbit-script', email: 'Access token' },
      serves: { enabledVariations: ['red', 'blue', 'green'], disabledVariation: 'green' },
      tags: ['pay'],
      lastChange: { operator: { id: expect.any(String), name: 'featbit-script', email: 'Access token' }, happenedAt: ISO, comment: 'target ann' },
    });
    // Tags: all of them; the default order is newest first; isEnabled= (empty) is no filter; pageIndex is 0-based.
    expect(data(await fb('GET /envs/{envId}/feature-flags', 'GET', url('?tags=pay&tags=beta'))).items.map((f: any) => f.key)).toEqual(['checkout']);
    expect(data(await fb('GET /envs/{envId}/feature-flags', 'GET', url('?isEnabled='))).items.map((f: any) => f.key)).toEqual(['color', 'checkout']);
    expect(data(await fb('GET /envs/{envId}/feature-flags', 'GET', url('?pageIndex=1&pageSize=1'))).items.map((f: any) => f.key)).toEqual(['checkout']);
    expect(data(await fb('GET /envs/{envId}/feature-flags', 'GET', url('?pageSize=100000'))).totalCount).toBe(2);

    expect(data(await fb('GET /envs/{envId}/feature-flags/all-tags', 'GET', url('/all-tags'))).sort()).toEqual(['beta', 'pay']);
    expect(data(await fb('GET /envs/{envId}/feature-flags/{key}/pending-changes', 'GET', url('/checkout/pending-changes')))).toEqual([]);

    // FeatBit's CloneFlag body → true; a taken key is KeyHasBeenUsed.
    expect(data(await fb('POST /envs/{envId}/feature-flags/clone/{key}', 'POST', url('/clone/checkout'), { name: 'Checkout copy', key: 'checkout-copy', description: 'a copy', tags: ['copy'] }))).toBe(
      true,
    );
    expect(data(await fb('GET /envs/{envId}/feature-flags/{key}', 'GET', url('/checkout-copy')))).toMatchObject({ name: 'Checkout copy', description: 'a copy', tags: ['copy'], variations });
    expect(await fb('POST /envs/{envId}/feature-flags/clone/{key}', 'POST', url('/clone/checkout'), { name: 'x', key: 'color', description: '', tags: [] })).toMatchObject(
      failure(422, 'KeyHasBeenUsed'),
    );

    // Archive, restore, delete: true; an unarchived flag cannot be deleted.
    expect(await fb('DELETE /envs/{envId}/feature-flags/{key}', 'DELETE', url('/checkout-copy'))).toMatchObject(failure(422, 'CannotDeleteUnarchivedFeatureFlag'));
    expect(data(await fb('PUT /envs/{envId}/feature-flags/{key}/archive', 'PUT', url('/checkout-copy/archive'), { comment: 'unused' }))).toBe(true);
    expect(data(await fb('PUT /envs/{envId}/feature-flags/{key}/archive', 'PUT', url('/checkout-copy/archive')))).toBe(true);
    expect(data(await fb('GET /envs/{envId}/feature-flags', 'GET', url('?isArchived=true'))).items.map((f: any) => f.key)).toEqual(['checkout-copy']);
    expect(data(await fb('PUT /envs/{envId}/feature-flags/{key}/restore', 'PUT', url('/checkout-copy/restore')))).toBe(true);
    expect(data(await fb('PUT /envs/{envId}/feature-flags/{key}/archive', 'PUT', url('/checkout-copy/archive')))).toBe(true);
    expect(data(await fb('DELETE /envs/{envId}/feature-flags/{key}', 'DELETE', url('/checkout-copy'), { comment: 'gone' }))).toBe(true);
    expect(await fb('GET /envs/{envId}/feature-flags/{key}', 'GET', url('/checkout-copy'))).toMatchObject(failure(404, 'ResourceNotFound'));
  });

  it('segments: create answers the Segment; name, description, tags, targeting, PATCH, archive, restore and delete answer true; an unarchived segment cannot be deleted', async () => {
    const project = data(await fb('POST /projects', 'POST', '/projects', { name: 'Web', key: 'web' }));
    const envId = project.environments.find((e: any) => e.key === 'prod').id;
    const url = (tail = '') => `/envs/${envId}/segments${tail}`;

    // FeatBit's CreateSegment body: the scope is the environment's RN, as FeatBit writes it.
    const scope = `organization/${orgKey}:project/web:env/prod`;
    const segment = data(await fb('POST /envs/{envId}/segments', 'POST', url(), { type: 'environment-specific', name: 'Beta testers', key: 'beta', description: 'testers', scopes: [scope] }));
    expect(segment).toMatchObject({
      id: GUID,
      envId,
      name: 'Beta testers',
      key: 'beta',
      type: 'environment-specific',
      description: 'testers',
      included: [],
      excluded: [],
      rules: [],
      tags: [],
      isArchived: false,
      createdAt: ISO,
      updatedAt: ISO,
    });
    expect(segment.scopes).toHaveLength(1);
    expect(await fb('POST /envs/{envId}/segments', 'POST', url(), { type: 'environment-specific', name: 'Again', key: 'beta', description: '', scopes: [scope] })).toMatchObject(
      failure(422, 'KeyHasBeenUsed'),
    );
    const other = data(await fb('POST /envs/{envId}/segments', 'POST', url(), { type: 'environment-specific', name: 'Staff', key: 'staff', description: '', scopes: [scope] }));
    const read = async () => data(await fb('GET /envs/{envId}/segments/{id}', 'GET', url(`/${segment.id}`)));

    expect(data(await fb('PUT /envs/{envId}/segments/{id}/name', 'PUT', url(`/${segment.id}/name`), { name: 'Beta', comment: 'shorter' }))).toBe(true);
    expect(data(await fb('PUT /envs/{envId}/segments/{id}/description', 'PUT', url(`/${segment.id}/description`), { description: 'early adopters' }))).toBe(true);
    expect(data(await fb('PUT /envs/{envId}/segments/{id}/tags', 'PUT', url(`/${segment.id}/tags`), { tags: ['early'], comment: 'tag' }))).toBe(true);
    const rules = [{ id: 'r1', name: 'Dutch', conditions: [{ property: 'country', op: 'Equal', value: 'NL' }] }];
    expect(data(await fb('PUT /envs/{envId}/segments/{id}/targeting', 'PUT', url(`/${segment.id}/targeting`), { included: ['ann'], excluded: ['bob'], rules, comment: 'who' }))).toBe(true);
    expect(data(await fb('PATCH /envs/{envId}/segments/{id}', 'PATCH', url(`/${segment.id}`), [{ op: 'add', path: '/included/-', value: 'cid' }]))).toBe(true);
    expect(await read()).toMatchObject({ name: 'Beta', description: 'early adopters', tags: ['early'], included: ['ann', 'cid'], excluded: ['bob'], rules });

    // Paged list (each item holds SegmentVm's fields), by-ids, all-tags, flag-references.
    const page = data(await fb('GET /envs/{envId}/segments', 'GET', url('?name=bet&isArchived=false&pageIndex=0&pageSize=10')));
    expect(page.totalCount).toBe(1);
    expect(page.items[0]).toMatchObject({
      id: segment.id,
      name: 'Beta',
      key: 'beta',
      type: 'environment-specific',
      scopes: segment.scopes,
      tags: ['early'],
      description: 'early adopters',
      createdAt: ISO,
      updatedAt: ISO,
    });
    expect(data(await fb('GET /envs/{envId}/segments/by-ids', 'GET', url(`/by-ids?ids=${other.id}&ids=${segment.id}`))).map((s: any) => s.key)).toEqual(['staff', 'beta']);
    expect(data(await fb('GET /envs/{envId}/segments/all-tags', 'GET', url('/all-tags')))).toEqual(['early']);
    const flag = data(
      await fb('POST /envs/{envId}/feature-flags', 'POST', `/envs/${envId}/feature-flags`, {
        name: 'Beta UI',
        key: 'beta-ui',
        isEnabled: true,
        description: '',
        variationType: 'boolean',
        variations: [
          { id: 't', name: 'T', value: 'true' },
          { id: 'f', name: 'F', value: 'false' },
        ],
        enabledVariationId: 't',
        disabledVariationId: 'f',
        tags: [],
      }),
    );
    const inSegment = {
      ...flag,
      rules: [
        {
          id: 'r',
          name: 'beta',
          dispatchKey: null,
          includedInExpt: false,
          conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([segment.id]) }],
          variations: [{ id: 't', rollout: [0, 1], exptRollout: 1 }],
        },
      ],
    };
    data(
      await fb('PUT /envs/{envId}/feature-flags/{key}/targeting', 'PUT', `/envs/${envId}/feature-flags/beta-ui/targeting`, {
        revision: flag.revision,
        targeting: { targetUsers: [], rules: inSegment.rules, fallthrough: flag.fallthrough, exptIncludeAllTargets: true },
      }),
    );
    expect(data(await fb('GET /envs/{envId}/segments/{id}/flag-references', 'GET', url(`/${segment.id}/flag-references`)))).toEqual([{ id: flag.id, envId, name: 'Beta UI', key: 'beta-ui' }]);

    // Archive while a flag uses it: FeatBit's SegmentIsBeingUsed. Then archive, restore, delete: true.
    expect(await fb('PUT /envs/{envId}/segments/{id}/archive', 'PUT', url(`/${segment.id}/archive`))).toMatchObject(failure(422, 'SegmentIsBeingUsed'));
    expect(await fb('DELETE /envs/{envId}/segments/{id}', 'DELETE', url(`/${other.id}`))).toMatchObject(failure(422, 'CannotDeleteUnArchivedSegment'));
    expect(data(await fb('PUT /envs/{envId}/segments/{id}/archive', 'PUT', url(`/${other.id}/archive`), { comment: 'unused' }))).toBe(true);
    expect(data(await fb('PUT /envs/{envId}/segments/{id}/restore', 'PUT', url(`/${other.id}/restore`)))).toBe(true);
    expect(data(await fb('PUT /envs/{envId}/segments/{id}/archive', 'PUT', url(`/${other.id}/archive`)))).toBe(true);
    expect(data(await fb('GET /envs/{envId}/segments', 'GET', url('?isArchived=true'))).items.map((s: any) => s.key)).toEqual(['staff']);
    expect(data(await fb('DELETE /envs/{envId}/segments/{id}', 'DELETE', url(`/${other.id}`), { comment: 'gone' }))).toBe(true);
  });

  it('access tokens: create answers the whole token in `token`; list, is-name-used, toggle and delete answer as FeatBit', async () => {
    const created = data(
      await fb('POST /access-tokens', 'POST', '/access-tokens', {
        name: 'ci',
        type: 'Service',
        permissions: [{ resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/*:env/*:flag/*'] }],
      }),
    );
    expect(created).toMatchObject({ id: GUID, name: 'ci', type: 'Service', status: 'Active', token: expect.stringMatching(/^ens_svc_/) });
    expect(created.token).toBe(created.secret);
    const page = data(await fb('GET /access-tokens', 'GET', '/access-tokens?name=ci&type=Service&pageIndex=0&pageSize=10'));
    expect(page.totalCount).toBe(1);
    expect(page.items[0]).toMatchObject({ id: created.id, name: 'ci', type: 'Service', status: 'Active', permissions: expect.any(Array), creator: expect.any(Object) });
    expect(page.items[0].token).not.toBe(created.token);
    expect(data(await fb('GET /access-tokens/is-name-used', 'GET', '/access-tokens/is-name-used?name=ci'))).toBe(true);
    expect(data(await fb('GET /access-tokens/is-name-used', 'GET', '/access-tokens/is-name-used?name=nobody'))).toBe(false);
    expect(data(await fb('PUT /access-tokens/{id}/toggle', 'PUT', `/access-tokens/${created.id}/toggle`))).toBe(true);
    expect(data(await fb('DELETE /access-tokens/{id}', 'DELETE', `/access-tokens/${created.id}`))).toBe(true);
  });
});

afterAll(() => {
  // Each database replayed every route of the list (a route left out of the script would pass unnoticed otherwise).
  for (const [backend, seen] of called) expect({ backend, missing: ROUTES.filter((r) => !seen.has(r)) }).toEqual({ backend, missing: [] });
});

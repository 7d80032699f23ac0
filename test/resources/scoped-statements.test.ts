// Statements scoped by tag and by key work exactly as written, both ways, and deny wins.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { allow, as, builder, deny, expectOk, member, setupOrg, type Api, type Org, type ProjectInfo, type StatementInput } from '../support/resource-fixtures.ts';

const FORBIDDEN = { status: 403, body: { success: false, errors: ['Forbidden'], data: null } };

describe.each(backends)('tag- and key-scoped statements (%s)', (backend) => {
  let t: TestApp;
  let org: Org;
  let owner: Api;
  let b: ReturnType<typeof builder>;
  let web: ProjectInfo;
  let api: ProjectInfo;
  beforeEach(async () => {
    t = await makeApp(backend);
    org = await setupOrg(t);
    owner = as(t, org.owner);
    b = builder(owner);
    web = await b.project('web');
    api = await b.project('api');
  });
  afterEach(async () => t.close());

  const caller = async (statements: StatementInput[]) => as(t, await member(t, org, statements));
  const flagOf = async (envId: string, key: string) => expectOk(await owner('GET', `/envs/${envId}/feature-flags/${key}`));
  const strip = (res: { status: number; body: any }) => ({ status: res.status, body: res.body });

  it('allow UpdateFlagTags on project/web:env/prod:flag/*;beta: only flags tagged beta, and only to tag sets that keep beta', async () => {
    const m = await caller([allow('flag', ['UpdateFlagTags'], ['project/web:env/prod:flag/*;beta'])]);
    await b.flag(web.env.prod, 'tagged', { tags: ['beta'] });
    await b.flag(web.env.prod, 'plain');
    await b.flag(api.env.prod, 'tagged', { tags: ['beta'] });

    const ok = await m('PUT', `/envs/${web.env.prod}/feature-flags/tagged/tags`, ['beta', 'checkout']);
    expect(ok.status).toBe(200);
    expect(ok.body.data).toBe(true);
    expect((await flagOf(web.env.prod, 'tagged')).tags).toEqual(['beta', 'checkout']);

    // Tagging a flag out of the statement's reach needs the new tags to be allowed too.
    expect(strip(await m('PUT', `/envs/${web.env.prod}/feature-flags/tagged/tags`, ['checkout']))).toEqual(FORBIDDEN);
    expect((await flagOf(web.env.prod, 'tagged')).tags).toEqual(['beta', 'checkout']);
    // A flag without the tag is out of reach, even to add the tag.
    expect(strip(await m('PUT', `/envs/${web.env.prod}/feature-flags/plain/tags`, ['beta']))).toEqual(FORBIDDEN);
    expect((await flagOf(web.env.prod, 'plain')).tags).toEqual([]);
    // Same tag, other project: the key part of the pattern still applies.
    expect(strip(await m('PUT', `/envs/${api.env.prod}/feature-flags/tagged/tags`, ['beta', 'x']))).toEqual(FORBIDDEN);
    // And other actions on the tagged flag are not granted by it.
    expect(strip(await m('PUT', `/envs/${web.env.prod}/feature-flags/tagged/toggle/true`))).toEqual(FORBIDDEN);
  });

  it('a tag-scoped deny wins, and a flag cannot be tagged into or out of it', async () => {
    const m = await caller([allow('flag', ['ManageFeatureFlag'], ['project/*:env/*:flag/*']), deny('flag', ['ManageFeatureFlag'], ['project/*:env/*:flag/*;locked'])]);
    await b.flag(web.env.prod, 'locked', { tags: ['locked', 'other'] });
    await b.flag(web.env.prod, 'free', { tags: ['other'] });

    expect(strip(await m('PUT', `/envs/${web.env.prod}/feature-flags/locked/toggle/true`))).toEqual(FORBIDDEN);
    expect(strip(await m('PUT', `/envs/${web.env.prod}/feature-flags/locked/tags`, ['other']))).toEqual(FORBIDDEN);
    expect(await flagOf(web.env.prod, 'locked')).toMatchObject({ isEnabled: false, tags: ['locked', 'other'] });

    expect((await m('PUT', `/envs/${web.env.prod}/feature-flags/free/toggle/true`)).status).toBe(200);
    expect(strip(await m('PUT', `/envs/${web.env.prod}/feature-flags/free/tags`, ['locked']))).toEqual(FORBIDDEN);
    expect((await flagOf(web.env.prod, 'free')).tags).toEqual(['other']);

    // Creating and cloning check the new flag's tags against the collection `flag/*`.
    expect(strip(await m('POST', `/envs/${web.env.prod}/feature-flags`, { key: 'n1', name: 'n1', tags: ['locked'] }))).toEqual(FORBIDDEN);
    expect((await m('POST', `/envs/${web.env.prod}/feature-flags`, { key: 'n2', name: 'n2', tags: ['other'] })).status).toBe(200);
    expect(strip(await m('POST', `/envs/${web.env.prod}/feature-flags/clone/free`, { key: 'c1', name: 'c1', tags: ['locked'] }))).toEqual(FORBIDDEN);
    // Cloning the locked flag is CloneFlag on a denied flag.
    expect(strip(await m('POST', `/envs/${web.env.prod}/feature-flags/clone/locked`, { key: 'c2', name: 'c2', tags: ['other'] }))).toEqual(FORBIDDEN);
    expect((await m('POST', `/envs/${web.env.prod}/feature-flags/clone/free`, { key: 'c3', name: 'c3' })).status).toBe(200);
    const keys = expectOk(await owner('GET', `/envs/${web.env.prod}/feature-flags?pageSize=100`)).items.map((f: any) => f.key);
    expect(keys.sort()).toEqual(['c3', 'free', 'locked', 'n2']);
  });

  it('allow CreateFlag on …:flag/*;beta lets the caller create only flags tagged beta', async () => {
    const m = await caller([allow('flag', ['CreateFlag'], ['project/web:env/prod:flag/*;beta'])]);
    expect((await m('POST', `/envs/${web.env.prod}/feature-flags`, { key: 'b1', name: 'b1', tags: ['beta'] })).status).toBe(200);
    expect(strip(await m('POST', `/envs/${web.env.prod}/feature-flags`, { key: 'b2', name: 'b2' }))).toEqual(FORBIDDEN);
    expect(strip(await m('POST', `/envs/${web.env.prod}/feature-flags`, { key: 'b3', name: 'b3', tags: ['gamma'] }))).toEqual(FORBIDDEN);
    expect(strip(await m('POST', `/envs/${web.env.dev}/feature-flags`, { key: 'b4', name: 'b4', tags: ['beta'] }))).toEqual(FORBIDDEN);
  });

  it('statements on project/web reach web and never api', async () => {
    const m = await caller([
      allow('project', ['CanAccessProject'], ['project/web']),
      allow('env', ['CanAccessEnv'], ['project/web']),
      allow('flag', ['ManageFeatureFlag'], ['project/web']),
      allow('segment', ['ManageSegment'], ['project/web']),
    ]);
    await b.flag(web.env.prod, 'f');
    await b.flag(api.env.prod, 'f');
    const webSegment = await b.segment(web.env.prod, 's');
    const apiSegment = await b.segment(api.env.prod, 's');

    expect((await m('PUT', `/envs/${web.env.prod}/feature-flags/f/toggle/true`)).status).toBe(200);
    expect(strip(await m('PUT', `/envs/${api.env.prod}/feature-flags/f/toggle/true`))).toEqual(FORBIDDEN);
    expect((await flagOf(api.env.prod, 'f')).isEnabled).toBe(false);
    expect((await m('GET', `/envs/${web.env.dev}/feature-flags`)).status).toBe(200);
    expect(strip(await m('GET', `/envs/${api.env.dev}/feature-flags`))).toEqual(FORBIDDEN);
    expect(strip(await m('GET', `/envs/${api.env.prod}/feature-flags/f`))).toEqual(FORBIDDEN);
    expect((await m('PUT', `/envs/${web.env.prod}/segments/${webSegment.id}/name`, { name: 'Renamed' })).status).toBe(200);
    expect(strip(await m('PUT', `/envs/${api.env.prod}/segments/${apiSegment.id}/name`, { name: 'Renamed' }))).toEqual(FORBIDDEN);
    expect(strip(await m('GET', `/projects/${api.id}`))).toEqual(FORBIDDEN);

    const projects = expectOk(await m('GET', '/projects'));
    expect(projects.map((p: any) => [p.key, p.environments.map((e: any) => e.key)])).toEqual([['web', ['dev', 'prod']]]);
  });

  it('GET /projects shows each project the caller can access with only the environments it can access', async () => {
    const m = await caller([allow('project', ['CanAccessProject'], ['project/*']), allow('env', ['CanAccessEnv'], ['project/web:env/dev'])]);
    const projects = expectOk(await m('GET', '/projects'));
    expect(Object.fromEntries(projects.map((p: any) => [p.key, p.environments.map((e: any) => e.key)]))).toEqual({ web: ['dev'], api: [] });
    expect(expectOk(await m('GET', `/projects/${web.id}`)).environments.map((e: any) => e.key)).toEqual(['dev']);
    expect(strip(await m('GET', `/projects/${web.id}/envs/${web.env.prod}`))).toEqual(FORBIDDEN);
    expect(expectOk(await m('GET', `/projects/${web.id}/envs/${web.env.dev}`)).key).toBe('dev');
  });

  it('segment statements scoped by tag work both ways', async () => {
    const m = await caller([allow('segment', ['UpdateSegmentName', 'UpdateSegmentTags'], ['project/web:env/prod:segment/*;vip'])]);
    const vip = await b.segment(web.env.prod, 'vip', { tags: ['vip'] });
    const plain = await b.segment(web.env.prod, 'plain');
    expect((await m('PUT', `/envs/${web.env.prod}/segments/${vip.id}/name`, { name: 'VIPs' })).status).toBe(200);
    expect(strip(await m('PUT', `/envs/${web.env.prod}/segments/${plain.id}/name`, { name: 'Plain' }))).toEqual(FORBIDDEN);
    expect(strip(await m('PUT', `/envs/${web.env.prod}/segments/${vip.id}/tags`, { tags: ['gold'] }))).toEqual(FORBIDDEN);
    expect((await m('PUT', `/envs/${web.env.prod}/segments/${vip.id}/tags`, ['vip', 'gold'])).status).toBe(200);
    const after = expectOk(await owner('GET', `/envs/${web.env.prod}/segments/${plain.id}`));
    expect(after.name).toBe('plain');
  });
});

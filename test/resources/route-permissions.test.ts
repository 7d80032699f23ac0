// Every route of projects, environments, flags, segments and the audit log, checked the same way:
// a member whose only policy lacks the route's action gets 403 ["Forbidden"] and nothing changes;
// the action itself, its alias (ManageFeatureFlag / ManageSegment, or the type's `*`) and the global
// `*` all succeed; an allow with a matching deny is 403 again, and again nothing changes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceType } from '../../src/policy/statement.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { allExcept, allow, as, builder, deny, EVERYTHING, expectOk, member, setupOrg, type Api, type Org, type ProjectInfo, type StatementInput } from '../support/resource-fixtures.ts';

interface Arranged {
  method: string;
  url: string;
  body?: unknown;
  /** What the request may change (the audit log is always compared too). */
  state: () => Promise<unknown>;
  /** For reads: how an allowed response looks. */
  allowed?: (body: any) => void;
  /** For list routes that filter instead of refusing: how a refused caller's response looks. */
  refused?: (res: { status: number; body: any }) => void;
}

interface Fixture {
  t: TestApp;
  org: Org;
  owner: Api;
  b: ReturnType<typeof builder>;
  web: ProjectInfo;
  row: (table: 'projects' | 'environments' | 'feature_flags' | 'segments' | 'env_secrets', where: Record<string, string>) => Promise<unknown>;
}

interface RouteCase {
  route: string;
  /** Every action the route needs (all must hold). */
  actions: string[];
  type: Exclude<ResourceType, 'organization' | 'iam' | 'access-token'>;
  /** The RN pattern that names the route's target, for the action-only allow and for the deny. */
  target: string;
  arrange: (f: Fixture, n: number) => Promise<Arranged>;
}

const FLAGS = 'project/web:env/prod:flag/*';
const SEGMENTS = 'project/web:env/prod:segment/*';
const PROD = 'project/web:env/prod';

const flagUrl = (f: Fixture, key: string, tail = '') => `/envs/${f.web.env.prod}/feature-flags/${key}${tail}`;
const flagRow = (f: Fixture, key: string) => () => f.row('feature_flags', { env_id: f.web.env.prod, key });
const segmentRow = (f: Fixture, id: string) => () => f.row('segments', { id });

/** A flag route that changes one fresh flag `f-n`. */
const flagChange = (route: string, action: string, tail: string, body?: (flag: any) => unknown, archived = false): RouteCase => ({
  route,
  actions: [action],
  type: 'flag',
  target: FLAGS,
  arrange: async (f, n) => {
    const flag = archived ? await f.b.archivedFlag(f.web.env.prod, `f-${n}`) : await f.b.flag(f.web.env.prod, `f-${n}`);
    return { method: tail === '' ? 'DELETE' : 'PUT', url: flagUrl(f, flag.key, tail), body: body?.(flag), state: flagRow(f, flag.key) };
  },
});

/** A segment route that changes one fresh segment `s-n`. */
const segmentChange = (route: string, action: string, tail: string, body?: unknown, archived = false): RouteCase => ({
  route,
  actions: [action],
  type: 'segment',
  target: SEGMENTS,
  arrange: async (f, n) => {
    const s = archived ? await f.b.archivedSegment(f.web.env.prod, `s-${n}`) : await f.b.segment(f.web.env.prod, `s-${n}`);
    return { method: tail === '' ? 'DELETE' : 'PUT', url: `/envs/${f.web.env.prod}/segments/${s.id}${tail}`, body, state: segmentRow(f, s.id) };
  },
});

/** A route that changes one fresh SDK key `k-n` of prod (made by the owner). */
const secretChange = (route: string, actions: string[], method: string, tail: string, body?: unknown): RouteCase => ({
  route,
  actions,
  type: 'env',
  target: PROD,
  arrange: async (f, n) => {
    const k = expectOk(await f.owner('POST', `/envs/${f.web.env.prod}/secrets`, { name: `k-${n}`, type: 'server' }));
    return { method, url: `/envs/${f.web.env.prod}/secrets/${k.id}${tail}`, body, state: () => f.row('env_secrets', { id: k.id }) };
  },
});

const ROUTES: RouteCase[] = [
  {
    route: 'GET /projects',
    actions: ['CanAccessProject'],
    type: 'project',
    target: 'project/web',
    arrange: async () => ({
      method: 'GET',
      url: '/projects',
      state: async () => null,
      allowed: (data) => expect(data.map((p: any) => p.key)).toEqual(['web']),
      // Listing never refuses: it shows only what the caller can access.
      refused: (res) => {
        expect(res.status).toBe(200);
        expect(res.body.data).toEqual([]);
      },
    }),
  },
  {
    route: 'POST /projects',
    actions: ['CreateProject'],
    type: 'project',
    target: 'project/*',
    arrange: async (f, n) => ({ method: 'POST', url: '/projects', body: { key: `p-${n}`, name: 'P' }, state: () => f.row('projects', { org_id: f.org.id, key: `p-${n}` }) }),
  },
  {
    route: 'GET /projects/{projectId}',
    actions: ['CanAccessProject'],
    type: 'project',
    target: 'project/web',
    arrange: async (f) => ({ method: 'GET', url: `/projects/${f.web.id}`, state: async () => null, allowed: (data) => expect(data.key).toBe('web') }),
  },
  {
    route: 'PUT /projects/{projectId}',
    actions: ['UpdateProjectSettings'],
    type: 'project',
    target: 'project/web',
    arrange: async (f, n) => ({ method: 'PUT', url: `/projects/${f.web.id}`, body: { name: `Web ${n}` }, state: () => f.row('projects', { id: f.web.id }) }),
  },
  {
    route: 'DELETE /projects/{projectId}',
    actions: ['DeleteProject'],
    type: 'project',
    target: 'project/doomed-*',
    arrange: async (f, n) => {
      const p = await f.b.project(`doomed-${n}`);
      return { method: 'DELETE', url: `/projects/${p.id}`, state: async () => [await f.row('projects', { id: p.id }), await f.row('environments', { project_id: p.id, key: 'prod' })] };
    },
  },
  {
    route: 'POST /projects/{projectId}/envs',
    actions: ['CreateEnv'],
    type: 'project',
    target: 'project/web',
    arrange: async (f, n) => ({ method: 'POST', url: `/projects/${f.web.id}/envs`, body: { key: `e-${n}`, name: 'E' }, state: () => f.row('environments', { project_id: f.web.id, key: `e-${n}` }) }),
  },
  {
    route: 'GET /projects/{projectId}/envs/{envId}',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f) => ({ method: 'GET', url: `/projects/${f.web.id}/envs/${f.web.env.prod}`, state: async () => null, allowed: (data) => expect(data.key).toBe('prod') }),
  },
  {
    route: 'PUT /projects/{projectId}/envs/{envId}',
    actions: ['UpdateEnvSettings'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => ({ method: 'PUT', url: `/projects/${f.web.id}/envs/${f.web.env.prod}`, body: { name: `Prod ${n}` }, state: () => f.row('environments', { id: f.web.env.prod }) }),
  },
  {
    route: 'DELETE /projects/{projectId}/envs/{envId}',
    actions: ['DeleteEnv'],
    type: 'env',
    target: 'project/web:env/gone-*',
    arrange: async (f, n) => {
      const id = await f.b.env(f.web, `gone-${n}`);
      return { method: 'DELETE', url: `/projects/${f.web.id}/envs/${id}`, state: () => f.row('environments', { id }) };
    },
  },
  {
    route: 'GET /envs/{envId}/feature-flags',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.flag(f.web.env.prod, `listed-${n}`);
      return { method: 'GET', url: `/envs/${f.web.env.prod}/feature-flags?name=listed-${n}`, state: async () => null, allowed: (data) => expect(data.totalCount).toBe(1) };
    },
  },
  {
    route: 'POST /envs/{envId}/feature-flags',
    actions: ['CreateFlag'],
    type: 'flag',
    target: FLAGS,
    arrange: async (f, n) => ({ method: 'POST', url: `/envs/${f.web.env.prod}/feature-flags`, body: { key: `new-${n}`, name: 'New' }, state: flagRow(f, `new-${n}`) }),
  },
  {
    route: 'GET /envs/{envId}/feature-flags/{key}',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.flag(f.web.env.prod, `read-${n}`);
      return { method: 'GET', url: flagUrl(f, `read-${n}`), state: async () => null, allowed: (data) => expect(data.key).toBe(`read-${n}`) };
    },
  },
  {
    route: 'GET /envs/{envId}/feature-flags/{key}/insights',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.flag(f.web.env.prod, `seen-${n}`);
      return { method: 'GET', url: `${flagUrl(f, `seen-${n}`)}/insights`, state: async () => null, allowed: (data) => expect(data.series).toHaveLength(24) };
    },
  },
  flagChange('PUT /envs/{envId}/feature-flags/{key}/toggle/{status}', 'ToggleFlag', '/toggle/true'),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/archive', 'ArchiveFlag', '/archive'),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/restore', 'RestoreFlag', '/restore', undefined, true),
  flagChange('DELETE /envs/{envId}/feature-flags/{key}', 'DeleteFlag', '', undefined, true),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/name', 'UpdateFlagName', '/name', () => ({ name: 'Renamed' })),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/description', 'UpdateFlagDescription', '/description', () => ({ description: 'Described' })),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/tags', 'UpdateFlagTags', '/tags', () => ['tagged']),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/variations', 'UpdateFlagVariations', '/variations', (flag) => ({
    variations: flag.variations.map((v: any) => ({ ...v, name: `${v.name}!` })),
  })),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/off-variation', 'UpdateFlagOffVariation', '/off-variation', (flag) => ({ offVariationId: flag.enabledVariationId })),
  flagChange('PUT /envs/{envId}/feature-flags/{key}/targeting', 'UpdateFlagIndividualTargeting', '/targeting', (flag) => ({
    revision: flag.revision,
    targeting: { targetUsers: [{ variationId: flag.enabledVariationId, keyIds: ['u1'] }], rules: flag.rules, fallthrough: flag.fallthrough, exptIncludeAllTargets: flag.exptIncludeAllTargets },
  })),
  {
    route: 'PATCH /envs/{envId}/feature-flags/{key}',
    actions: ['UpdateFlagName'],
    type: 'flag',
    target: FLAGS,
    arrange: async (f, n) => {
      const flag = await f.b.flag(f.web.env.prod, `f-${n}`);
      return { method: 'PATCH', url: flagUrl(f, flag.key), body: [{ op: 'replace', path: '/name', value: 'Patched' }], state: flagRow(f, flag.key) };
    },
  },
  {
    route: 'POST /envs/{envId}/feature-flags/{key}/evaluate',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.flag(f.web.env.prod, `eval-${n}`, { isEnabled: true });
      return {
        method: 'POST',
        url: flagUrl(f, `eval-${n}`, '/evaluate'),
        body: { user: { keyId: 'u1' } },
        state: async () => null,
        allowed: (data) => expect(data).toMatchObject({ variation: { value: 'true' }, reason: 'default', kind: 'fallthrough' }),
      };
    },
  },
  {
    route: 'GET /envs/{envId}/feature-flags/all-tags',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.flag(f.web.env.prod, `tagged-${n}`, { tags: [`t${n}`] });
      return { method: 'GET', url: `/envs/${f.web.env.prod}/feature-flags/all-tags`, state: async () => null, allowed: (data) => expect(data).toContain(`t${n}`) };
    },
  },
  {
    route: 'GET /envs/{envId}/feature-flags/{key}/pending-changes',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.flag(f.web.env.prod, `pending-${n}`);
      return { method: 'GET', url: flagUrl(f, `pending-${n}`, '/pending-changes'), state: async () => null, allowed: (data) => expect(data).toEqual([]) };
    },
  },
  {
    route: 'POST /envs/{envId}/feature-flags/clone/{key}',
    actions: ['CloneFlag', 'CreateFlag'],
    type: 'flag',
    target: FLAGS,
    arrange: async (f, n) => {
      await f.b.flag(f.web.env.prod, `source-${n}`);
      return { method: 'POST', url: flagUrl(f, `clone/source-${n}`), body: { key: `copy-${n}`, name: 'Copy' }, state: flagRow(f, `copy-${n}`) };
    },
  },
  {
    route: 'GET /envs/{envId}/segments',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.segment(f.web.env.prod, `listed-${n}`);
      return { method: 'GET', url: `/envs/${f.web.env.prod}/segments?name=listed-${n}`, state: async () => null, allowed: (data) => expect(data.totalCount).toBe(1) };
    },
  },
  {
    route: 'POST /envs/{envId}/segments',
    actions: ['CreateSegment'],
    type: 'segment',
    target: SEGMENTS,
    arrange: async (f, n) => ({
      method: 'POST',
      url: `/envs/${f.web.env.prod}/segments`,
      body: { key: `new-${n}`, name: 'New', included: ['u1'] },
      state: () => f.row('segments', { env_id: f.web.env.prod, key: `new-${n}` }),
    }),
  },
  {
    route: 'GET /envs/{envId}/segments/{segmentId}',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      const s = await f.b.segment(f.web.env.prod, `read-${n}`);
      return { method: 'GET', url: `/envs/${f.web.env.prod}/segments/${s.id}`, state: async () => null, allowed: (data) => expect(data.id).toBe(s.id) };
    },
  },
  segmentChange('DELETE /envs/{envId}/segments/{segmentId}', 'DeleteSegment', '', undefined, true),
  segmentChange('PUT /envs/{envId}/segments/{segmentId}/name', 'UpdateSegmentName', '/name', { name: 'Renamed' }),
  segmentChange('PUT /envs/{envId}/segments/{segmentId}/description', 'UpdateSegmentDescription', '/description', { description: 'Described' }),
  segmentChange('PUT /envs/{envId}/segments/{segmentId}/tags', 'UpdateSegmentTags', '/tags', { tags: ['tagged'] }),
  segmentChange('PUT /envs/{envId}/segments/{segmentId}/targeting', 'UpdateSegmentTargetingUsers', '/targeting', { included: ['u1'], excluded: ['u2'] }),
  segmentChange('PUT /envs/{envId}/segments/{segmentId}/archive', 'ArchiveSegment', '/archive'),
  {
    route: 'PATCH /envs/{envId}/segments/{segmentId}',
    actions: ['UpdateSegmentName'],
    type: 'segment',
    target: SEGMENTS,
    arrange: async (f, n) => {
      const s = await f.b.segment(f.web.env.prod, `s-${n}`);
      return { method: 'PATCH', url: `/envs/${f.web.env.prod}/segments/${s.id}`, body: [{ op: 'replace', path: '/name', value: 'Patched' }], state: segmentRow(f, s.id) };
    },
  },
  {
    route: 'GET /envs/{envId}/segments/by-ids',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      const s = await f.b.segment(f.web.env.prod, `byid-${n}`);
      return { method: 'GET', url: `/envs/${f.web.env.prod}/segments/by-ids?ids=${s.id}`, state: async () => null, allowed: (data) => expect(data.map((x: any) => x.id)).toEqual([s.id]) };
    },
  },
  {
    route: 'GET /envs/{envId}/segments/all-tags',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      await f.b.segment(f.web.env.prod, `tagged-${n}`, { tags: [`t${n}`] });
      return { method: 'GET', url: `/envs/${f.web.env.prod}/segments/all-tags`, state: async () => null, allowed: (data) => expect(data).toContain(`t${n}`) };
    },
  },
  {
    route: 'GET /envs/{envId}/segments/{segmentId}/flag-references',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      const s = await f.b.segment(f.web.env.prod, `ref-${n}`);
      const flag = await f.b.flag(f.web.env.prod, `uses-${n}`);
      const rule = { name: 'r', conditions: [{ property: 'User is in segment', op: '', value: JSON.stringify([s.id]) }], variations: [{ id: flag.enabledVariationId, rollout: [0, 1] }] };
      const body = { revision: flag.revision, targeting: { targetUsers: [], rules: [rule], fallthrough: flag.fallthrough } };
      const res = await f.owner('PUT', flagUrl(f, flag.key, '/targeting'), body);
      expect(res.status).toBe(200);
      return {
        method: 'GET',
        url: `/envs/${f.web.env.prod}/segments/${s.id}/flag-references`,
        state: async () => null,
        allowed: (data) => expect(data).toEqual([{ id: flag.id, envId: f.web.env.prod, name: flag.name, key: flag.key }]),
      };
    },
  },
  segmentChange('PUT /envs/{envId}/segments/{segmentId}/restore', 'RestoreSegment', '/restore', undefined, true),
  {
    route: 'POST /envs/{envId}/secrets',
    // A key reads the whole environment: minting one takes CanAccessEnv too.
    actions: ['CreateEnvSecret', 'CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => ({
      method: 'POST',
      url: `/envs/${f.web.env.prod}/secrets`,
      body: { name: `k-${n}`, type: 'server' },
      state: () => f.row('env_secrets', { env_id: f.web.env.prod, name: `k-${n}` }),
    }),
  },
  secretChange('PUT /envs/{envId}/secrets/{id}', ['UpdateEnvSecret'], 'PUT', '', { name: 'Renamed' }),
  // Rotating hands out a new working key, so it takes what adding one takes as well.
  secretChange('POST /envs/{envId}/secrets/{id}/rotate', ['UpdateEnvSecret', 'CreateEnvSecret', 'CanAccessEnv'], 'POST', '/rotate', { graceSeconds: 60 }),
  secretChange('DELETE /envs/{envId}/secrets/{id}', ['DeleteEnvSecret'], 'DELETE', ''),
  {
    route: 'GET /audit-logs',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      const flag = await f.b.flag(f.web.env.prod, `audited-${n}`);
      return {
        method: 'GET',
        url: `/audit-logs?refId=${flag.id}`,
        state: async () => null,
        allowed: (data) => expect(data.items.map((e: any) => e.action)).toEqual(['CreateFlag']),
        // The log never refuses: it leaves out entries about what the caller cannot read.
        refused: (res) => {
          expect(res.status).toBe(200);
          expect(res.body.data).toEqual({ totalCount: 0, items: [] });
        },
      };
    },
  },
  {
    // FeatBit's per-environment log: guarded by CanAccessEnv on the environment itself.
    route: 'GET /envs/{envId}/audit-logs',
    actions: ['CanAccessEnv'],
    type: 'env',
    target: PROD,
    arrange: async (f, n) => {
      const flag = await f.b.flag(f.web.env.prod, `env-audited-${n}`);
      return {
        method: 'GET',
        url: `/envs/${f.web.env.prod}/audit-logs?refId=${flag.id}`,
        state: async () => null,
        allowed: (data) => expect(data.items.map((e: any) => [e.refId, e.operation])).toEqual([[flag.id, 'Create']]),
      };
    },
  },
];

/** The alias that stands for the action: ManageFeatureFlag / ManageSegment, else `*` of the action's resource type. */
const aliasOf = (c: RouteCase): StatementInput => {
  if (c.type === 'flag') return allow('flag', ['ManageFeatureFlag'], [c.target]);
  if (c.type === 'segment') return allow('segment', ['ManageSegment'], [c.target]);
  return allow(c.type, ['*'], [c.target]);
};

describe.each(backends)('every route checks its action (%s)', (backend) => {
  let f: Fixture;
  beforeEach(async () => {
    const t = await makeApp(backend);
    const org = await setupOrg(t);
    const owner = as(t, org.owner);
    const b = builder(owner);
    const web = await b.project('web');
    const row = async (table: 'projects' | 'environments' | 'feature_flags' | 'segments' | 'env_secrets', where: Record<string, string>) => {
      let q = t.db.kysely.selectFrom(table).selectAll();
      for (const [k, v] of Object.entries(where)) q = q.where(k as any, '=', v);
      return (await q.executeTakeFirst()) ?? null;
    };
    f = { t, org, owner, b, web, row };
  });
  afterEach(async () => f.t.close());

  const auditCount = async () =>
    Number(
      (
        await f.t.db.kysely
          .selectFrom('audit_logs')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('covers every route of projects, environments, flags, segments and the audit log', async () => {
    const doc = (await f.t.call('GET', '/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, { tags?: string[] }>>).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.tags?.some((tag) => ['projects', 'environment secrets', 'feature-flags', 'segments', 'audit'].includes(tag)))
        .map(([method]) => `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '')}`),
    );
    expect(documented.length).toBe(48);
    expect(ROUTES.map((c) => c.route).sort()).toEqual(documented.sort());
  });

  it.each(ROUTES)('$route', async (c) => {
    let n = 0;
    const attempt = async (statements: StatementInput[]) => {
      const m = await member(f.t, f.org, statements);
      const a = await c.arrange(f, ++n);
      const before = [await a.state(), await auditCount()];
      const res = await f.t.call(a.method, `/api/v1${a.url}`, { auth: m.auth, body: a.body });
      const after = [await a.state(), await auditCount()];
      return { a, res, before, after };
    };
    const refused = async (statements: StatementInput[], why: string) => {
      const { a, res, before, after } = await attempt(statements);
      if (a.refused) a.refused(res);
      else expect({ why, status: res.status, body: res.body }).toEqual({ why, status: 403, body: { success: false, errors: ['Forbidden'], data: null } });
      expect(after, `${why}: nothing changes`).toEqual(before);
    };
    const succeeds = async (statements: StatementInput[], why: string) => {
      const { a, res, before, after } = await attempt(statements);
      expect({ why, status: res.status, success: res.body.success }).toEqual({ why, status: 200, success: true });
      if (a.allowed) a.allowed(res.body.data);
      else {
        expect(after[0], `${why}: the resource changed`).not.toEqual(before[0]);
        expect(after[1], `${why}: one audit entry`).toBe((before[1] as number) + 1);
      }
    };

    // Lacking the action (holding every other one) is refused, for each action the route needs.
    for (const action of c.actions) await refused([allExcept(action)], `without ${action}`);
    // Granted exactly, through the alias, or through `*`: allowed.
    await succeeds([allow(c.type, c.actions, [c.target])], `with ${c.actions.join(' + ')}`);
    await succeeds([aliasOf(c)], 'with the alias');
    await succeeds([EVERYTHING], 'with *');
    // An allow plus a matching deny: the deny wins.
    for (const action of c.actions) await refused([EVERYTHING, deny(c.type, [action], [c.target])], `with * and deny ${action}`);
  });
});

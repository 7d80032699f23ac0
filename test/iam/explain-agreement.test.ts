// Explain agrees with enforcement: its `allowed` is what `permits` (the check behind every requirePermission, run on
// the principal the authentication hook builds) decides, on random statements, random layers and random requests.
// Alphabets are tiny (`a`, `b`, `*`) so patterns and RNs collide often; each property asserts it was not vacuous.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { layer, permits, type Principal } from '../../src/auth/principal.ts';
import { createExplainService } from '../../src/explain/explain-service.ts';
import { AppError } from '../../src/platform/errors.ts';
import { ACTIONS, expandActions } from '../../src/policy/actions.ts';
import { decisive } from '../../src/policy/evaluate.ts';
import { explain, type ExplainLayer } from '../../src/policy/explain.ts';
import type { Rn } from '../../src/policy/rn.ts';
import type { ResourceType, Statement } from '../../src/policy/statement.ts';
import { as, builtinPolicyId, createPolicy, expectOk, inviteAndRedeem, login, setupOwner } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const SHAPES: Record<ResourceType, string[]> = {
  organization: ['organization'],
  iam: ['iam'],
  'access-token': ['access-token'],
  project: ['project'],
  env: ['project', 'env'],
  flag: ['project', 'env', 'flag'],
  segment: ['project', 'env', 'segment'],
};
const TYPES = Object.keys(SHAPES) as ResourceType[];
const TAGGED = new Set<ResourceType>(['flag', 'segment']);
const ACTION_POOL = ['ToggleFlag', 'DeleteFlag', 'CreateFlag', 'UpdateSegmentRules', 'CanAccessEnv', 'DeleteEnv', 'CanAccessProject', 'CreateEnv', 'UpdateOrgName', 'CanManageIAM', 'ListAccessTokens'];
const NAME_POOL = [...ACTION_POOL, '*', 'ManageFeatureFlag', 'ManageSegment'];

const word = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: max }).map((cs) => cs.join(''));
const glob = word(['a', 'b', '*'], 3);
const key = fc.oneof({ weight: 9, arbitrary: word(['a', 'b'], 2) }, { weight: 1, arbitrary: fc.constant('*') });

/** A pattern: `*`, or a prefix of some type's shape with glob keys, sometimes tagged. Always savable through the API. */
const patternArb = (type: ResourceType | '*') =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant('*') },
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          type === '*' ? fc.constantFrom(...TYPES) : fc.oneof({ weight: 4, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.constantFrom(...TYPES) }),
          fc.nat(),
          fc.array(glob, { minLength: 3, maxLength: 3 }),
          fc.array(word(['a', 'b', '*'], 2), { maxLength: 2 }),
        )
        .map(([t, n, keys, tags]) => {
          const shape = SHAPES[t];
          const body = shape
            .slice(0, 1 + (n % shape.length))
            .map((s, i) => `${s}/${keys[i]}`)
            .join(':');
          return tags.length > 0 ? `${body};${tags.join(',')}` : body;
        }),
    },
  );

const statementArb: fc.Arbitrary<Omit<Statement, 'id'>> = fc.constantFrom<Statement['resourceType']>('*', ...TYPES).chain((resourceType) =>
  fc.record({
    resourceType: fc.constant(resourceType),
    effect: fc.oneof({ weight: 4, arbitrary: fc.constant('allow' as const) }, { weight: 1, arbitrary: fc.constant('deny' as const) }),
    actions: fc.uniqueArray(fc.constantFrom(...NAME_POOL.filter((n) => expandActions(resourceType, [n]).size > 0)), { minLength: 1, maxLength: 3 }),
    resources: fc.uniqueArray(patternArb(resourceType), { minLength: 1, maxLength: 2 }),
  }),
);
const statementsArb = (max: number) =>
  fc.array(
    statementArb.map((s): Statement => ({ id: '', ...s })),
    { maxLength: max },
  );

/** A request: an action and a well-typed RN for it (CreateEnv also on an env, the collection form). */
const requestArb: fc.Arbitrary<{ action: string; name: Rn }> = fc.constantFrom(...ACTION_POOL).chain((action) => {
  const type = TYPES.find((t) => ACTIONS[t].includes(action))!;
  const shapes = action === 'CreateEnv' ? [SHAPES.project, SHAPES.env] : [SHAPES[type]];
  return fc.tuple(fc.constantFrom(...shapes), fc.array(key, { minLength: 3, maxLength: 3 }), fc.array(word(['a', 'b'], 2), { maxLength: 2 })).map(([shape, keys, tags]) => ({
    action,
    name: { segments: shape.map((t, i) => ({ type: t, key: keys[i] })), tags: TAGGED.has(type) ? tags : [] },
  }));
});

/** What enforcement decides for these layers: `permits` over the compiled layers a principal carries. */
const enforced = (layers: readonly ExplainLayer[], action: string, name: Rn) => permits({ layers: layers.map((l) => layer(l.policies.flatMap((p) => [...p.statements]))) }, action, name);

describe('explain agrees with permits (pure)', () => {
  it('on 12,000 random layer sets and requests: same answer, and the reason is true', () => {
    const layersArb = fc.oneof(
      statementsArb(6).chain((a) =>
        fc.tuple(fc.constant(a), statementsArb(3)).map(([s1, s2]): ExplainLayer[] => [
          {
            role: 'member',
            policies: [
              { id: 'p1', name: null, statements: s1 },
              { id: 'p2', name: null, statements: s2 },
            ],
          },
        ]),
      ),
      fc.tuple(statementsArb(6), statementsArb(4), fc.boolean()).map(([owner, own, hidden]): ExplainLayer[] => [
        { role: 'owner', hidden, policies: [{ id: 'o', name: null, statements: owner }] },
        { role: 'token', policies: [{ id: null, name: null, statements: own }] },
      ]),
    );
    const seen = { allowed: 0, deny: 0, 'no-allow': 0, token: 0, owner: 0 };
    fc.assert(
      fc.property(layersArb, requestArb, (layers, { action, name }) => {
        const e = explain(layers, action, name);
        expect(e.allowed).toBe(enforced(layers, action, name));
        seen[e.allowed ? 'allowed' : e.limitedBy!]++;
        if (e.deciding) {
          // The named statement exists and has the effect the answer claims.
          const l = layers.find((x) => x.role === e.deciding!.layer)!;
          const statement = l.policies.find((p) => p.id === e.deciding!.policyId)!.statements[e.deciding.statementIndex];
          expect(decisive([statement], action, name)?.effect).toBe(e.allowed ? 'allow' : 'deny');
          expect(l.hidden).not.toBe(true);
        }
        // "token" / "owner": that layer alone refuses, the other alone allows.
        if (e.limitedBy === 'token' || e.limitedBy === 'owner') {
          for (const l of layers) expect(enforced([l], action, name)).toBe(l.role !== e.limitedBy);
        }
      }),
      { numRuns: 12_000, seed: 20_260_116 },
    );
    for (const [outcome, n] of Object.entries(seen)) expect(n, outcome).toBeGreaterThan(200);
  });
});

const fakeRequest = (t: TestApp, authorization: string, orgId: string) => ({ headers: { authorization, organization: orgId }, method: 'GET', server: t.app }) as unknown as FastifyRequest;
const fakeReply = { header: () => fakeReply } as unknown as FastifyReply;

describe.each(backends)("explain agrees with the authentication hook's principals (%s)", (backend) => {
  let t: TestApp;
  const subjects: { label: string; principal: Principal; layers: ExplainLayer[]; asked: ExplainLayer[] }[] = [];
  const sample = <T>(arb: fc.Arbitrary<T>, n: number, seed: number) => fc.sample(arb, { numRuns: n, seed });

  beforeAll(async () => {
    t = await makeApp(backend);
    const owner = await setupOwner(t);
    const o = as(t, owner);
    const service = createExplainService({ kysely: t.app.ctx.kysely, clock: t.app.ctx.clock });
    const tokensPolicy = await createPolicy(t, owner, [{ resourceType: 'access-token', effect: 'allow', actions: ['*'], resources: ['access-token/*'] }]);
    const policies: string[] = [];
    for (const [i, statements] of sample(fc.array(statementArb, { minLength: 1, maxLength: 5 }), 8, 7).entries()) policies.push(await createPolicy(t, owner, statements, `random-${i}`));
    const credentials: { label: string; auth: string }[] = [{ label: 'owner session', auth: owner.auth }];
    const members: { id: string; auth: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const picked = policies.filter((_, j) => (j + i) % 3 !== 0);
      const m = await inviteAndRedeem(t, owner, { email: `m${i}@example.com`, policyIds: [tokensPolicy, ...picked] });
      const auth = await login(t, `m${i}@example.com`, 'member-password');
      members.push({ id: m.id, auth });
      credentials.push({ label: `member ${i}`, auth });
      const me = as(t, { auth, orgId: owner.orgId });
      credentials.push({ label: `member ${i} full token`, auth: expectOk(await me('POST', '/access-tokens', { name: `full-${i}`, type: 'Personal', permissions: [] })).secret });
      // A narrowed token: some of the member's own statements, when the member covers them (else the server refuses).
      for (const [k, statements] of sample(fc.array(statementArb, { minLength: 1, maxLength: 3 }), 6, 100 + i).entries()) {
        const res = await me('POST', '/access-tokens', { name: `narrow-${i}-${k}`, type: 'Personal', permissions: statements });
        if (res.status === 200) credentials.push({ label: `member ${i} narrowed token ${k}`, auth: res.body.data.secret });
      }
    }
    for (const [k, statements] of sample(fc.array(statementArb, { minLength: 1, maxLength: 4 }), 3, 300).entries()) {
      credentials.push({ label: `service token ${k}`, auth: expectOk(await o('POST', '/access-tokens', { name: `svc-${k}`, type: 'Service', permissions: statements })).secret });
    }
    // Owners' permissions move after their tokens were made: tokens now follow them down (and a member becomes Developer).
    const denies = sample(
      fc.array(
        statementArb.map((st) => ({ ...st, effect: 'deny' as const })),
        { minLength: 2, maxLength: 4 },
      ),
      1,
      400,
    )[0];
    const guard = await createPolicy(t, owner, denies, 'random-denies');
    for (const m of members.slice(0, 3)) expectOk(await o('PUT', `/members/${m.id}/add-policy/${guard}`));
    for (const [i, m] of members.entries()) for (const p of policies.filter((_, j) => (j + i) % 3 === 1)) expectOk(await o('PUT', `/members/${m.id}/remove-policy/${p}`));
    // Member 0 keeps only the token rights: their tokens are now refused by their owner alone.
    for (const p of policies.filter((_, j) => j % 3 === 2)) expectOk(await o('PUT', `/members/${members[0].id}/remove-policy/${p}`));
    expectOk(await o('PUT', `/members/${members[3].id}/add-policy/${await builtinPolicyId(t, owner, 'developer')}`));
    const asOwner = await t.app.ctx.auth.authenticate(fakeRequest(t, owner.auth, owner.orgId), fakeReply);
    if (asOwner instanceof AppError || asOwner.kind === 'user') throw new Error('owner did not authenticate');
    for (const c of credentials) {
      const principal = await t.app.ctx.auth.authenticate(fakeRequest(t, c.auth, owner.orgId), fakeReply);
      if (principal instanceof AppError || principal.kind === 'user') throw new Error(`${c.label} did not authenticate`);
      const self = await service.layersOf(principal, { self: true });
      const subject = principal.kind === 'token' ? { token: principal.tokenId } : { member: principal.memberId };
      const asked = await service.layersOf(asOwner, subject);
      if (!Array.isArray(self) || !Array.isArray(asked)) throw new Error(`${c.label} is unusable`);
      subjects.push({ label: c.label, principal, layers: self, asked });
    }
  }, 300_000);
  afterAll(async () => t?.close());

  it('on ≥ 10,000 random requests over real members and tokens: explain (asked by oneself, or by the Owner) = permits(principal)', () => {
    expect(subjects.length).toBeGreaterThanOrEqual(15);
    for (const kind of ['session', 'full token', 'narrowed token', 'service token'])
      expect(
        subjects.some((s) => s.label.includes(kind)),
        kind,
      ).toBe(true);
    const perSubject = Math.ceil(10_000 / subjects.length);
    let cases = 0;
    let allowedCount = 0;
    for (const [i, s] of subjects.entries()) {
      for (const { action, name } of sample(requestArb, perSubject, 1000 + i)) {
        const truth = permits(s.principal.kind === 'user' ? { layers: [] } : s.principal.permission, action, name);
        expect(explain(s.layers, action, name).allowed, `${s.label}: ${action}`).toBe(truth);
        expect(explain(s.asked, action, name).allowed, `${s.label} asked by the Owner: ${action}`).toBe(truth);
        cases++;
        if (truth) allowedCount++;
      }
    }
    expect(cases).toBeGreaterThanOrEqual(10_000);
    expect(allowedCount).toBeGreaterThan(cases * 0.05);
    expect(allowedCount).toBeLessThan(cases * 0.95);
  });
});

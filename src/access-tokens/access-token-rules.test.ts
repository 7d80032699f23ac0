// The token-management decision (tokenRefusal): one table over caller kind × target kind × relation, and
// properties that tie "the caller holds all the token can do" to the IAM core's covers and evaluation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layer, permits, type MemberPrincipal, type OrgPrincipal, type TokenPrincipal } from '../auth/principal.ts';
import { covers } from '../policy/covers.ts';
import { BUILTIN_POLICIES } from '../policy/builtin-policies.ts';
import { rn, type Rn } from '../policy/rn.ts';
import type { Statement } from '../policy/statement.ts';
import { allowedOperations, holdsAtLeast, tokenRefusal, type TokenFacts, type TokenOperation } from './access-token-rules.ts';

const org = { id: 'org1', key: 'acme' };
const policy = (key: string) => BUILTIN_POLICIES.find((p) => p.key === key)!.statements;
const allow = (resourceType: Statement['resourceType'], actions: string[], resources: string[]): Statement => ({ id: '', resourceType, effect: 'allow', actions, resources });

const OWNER = policy('owner');
const ADMIN = policy('administrator');
const DEVELOPER = policy('developer');
const TOKENS_ONLY = [allow('access-token', ['ManagePersonalAccessTokens', 'ManageServiceAccessTokens', 'ListAccessTokens'], ['access-token/*'])];
const READ_ENV = [allow('env', ['CanAccessEnv'], ['project/*:env/*']), ...TOKENS_ONLY];
const TOGGLE = [allow('flag', ['ToggleFlag'], ['project/web:env/prod:flag/*'])];

function member(memberId: string, statements: Statement[]): MemberPrincipal {
  return { kind: 'member', userId: `u-${memberId}`, sessionId: 's', name: memberId, email: `${memberId}@x`, org, memberId, permission: { layers: [layer(statements, memberId)] }, statements };
}

/** A personal token of `owner`: its own statements (none = follows the owner) ∩ the owner's current ones. */
function personalToken(tokenId: string, owner: MemberPrincipal, own: Statement[]): TokenPrincipal {
  const layers = [owner.permission.layers[0], ...(own.length > 0 ? [layer(own)] : [])];
  return { kind: 'token', tokenType: 'Personal', tokenId, tokenName: tokenId, org, memberId: owner.memberId, userId: owner.userId, name: owner.name, email: owner.email, permission: { layers } };
}

function serviceToken(tokenId: string, statements: Statement[]): TokenPrincipal {
  return { kind: 'token', tokenType: 'Service', tokenId, tokenName: tokenId, org, memberId: null, userId: null, name: null, email: null, permission: { layers: [layer(statements)] } };
}

const owner = member('owner', OWNER);
const admin = member('admin', ADMIN);
const dev = member('dev', DEVELOPER);
const callers: Record<string, OrgPrincipal> = {
  'Owner session': owner,
  'Administrator session': admin,
  'Developer session': dev,
  "Developer's full personal token": personalToken('dev-full', dev, []),
  "Developer's narrow personal token": personalToken('dev-narrow', dev, READ_ENV),
  'service token *': serviceToken('svc-star', OWNER),
  'service token holding only token actions': serviceToken('svc-tokens', TOKENS_ONLY),
};

const service = (id: string, creator: string | null, statements: Statement[], creatorTokenId: string | null = null): TokenFacts => ({
  id,
  type: 'Service',
  ownerMemberId: creator,
  creatorTokenId,
  permissions: statements,
});
const personal = (id: string, ownerId: string, statements: Statement[]): TokenFacts => ({ id, type: 'Personal', ownerMemberId: ownerId, creatorTokenId: null, permissions: statements });

const targets: Record<string, TokenFacts> = {
  "Owner's service token *": service('t1', 'owner', OWNER),
  "Developer's service token (toggle)": service('t2', 'dev', TOGGLE),
  'service token * made by the service token *': service('t3', null, OWNER, 'svc-star'),
  'service token (toggle) made by the token-actions service token': service('t4', null, TOGGLE, 'svc-tokens'),
  "Developer's personal token following them": personal('t5', 'dev', []),
  "Developer's personal token (toggle)": personal('t6', 'dev', TOGGLE),
  "Owner's personal token": personal('t7', 'owner', []),
};

type Outcome = 'ok' | 'Forbidden' | 'PermissionsExceedCaller';
const F = 'Forbidden' as const;
const X = 'PermissionsExceedCaller' as const;

// [caller, target, activate, reset]
const TABLE: [string, string, Outcome, Outcome][] = [
  ['Owner session', "Owner's service token *", 'ok', 'ok'],
  ['Owner session', "Developer's service token (toggle)", 'ok', F], // covers it, but did not create it
  ['Owner session', "Developer's personal token following them", F, F], // another member's personal token
  ['Owner session', "Owner's personal token", 'ok', 'ok'],
  ['Administrator session', "Owner's service token *", X, F],
  ['Administrator session', "Developer's service token (toggle)", 'ok', F],
  ['Administrator session', "Owner's personal token", F, F],
  ['Developer session', "Owner's service token *", X, F], // the escalation the issue reproduced
  ['Developer session', "Developer's service token (toggle)", 'ok', 'ok'],
  ['Developer session', "Developer's personal token following them", 'ok', 'ok'],
  ['Developer session', "Developer's personal token (toggle)", 'ok', 'ok'],
  ['Developer session', "Owner's personal token", F, F],
  ["Developer's full personal token", "Developer's service token (toggle)", 'ok', 'ok'],
  ["Developer's full personal token", "Developer's personal token following them", 'ok', 'ok'],
  ["Developer's narrow personal token", "Developer's personal token following them", X, X], // a narrow sibling re-enabling a full one
  ["Developer's narrow personal token", "Developer's personal token (toggle)", X, X],
  ["Developer's narrow personal token", "Developer's service token (toggle)", X, X],
  ["Developer's narrow personal token", "Owner's service token *", X, F],
  ['service token *', "Owner's service token *", 'ok', F], // not its creator
  ['service token *', 'service token * made by the service token *', 'ok', 'ok'],
  ['service token *', "Developer's personal token following them", F, F], // a service token owns no personal token
  ['service token holding only token actions', "Owner's service token *", X, F],
  ['service token holding only token actions', 'service token * made by the service token *', X, F],
  ['service token holding only token actions', 'service token (toggle) made by the token-actions service token', X, X],
];

describe('tokenRefusal: reset and activate never give anyone more than they hold', () => {
  it.each(TABLE)('%s → %s: activate %s, reset %s', (callerName, targetName, activate, reset) => {
    const p = callers[callerName];
    const t = targets[targetName];
    expect(tokenRefusal(p, t, 'activate') ?? 'ok').toBe(activate);
    expect(tokenRefusal(p, t, 'reset') ?? 'ok').toBe(reset);
  });

  it('covers every caller and every target at least once', () => {
    expect(new Set(TABLE.map((r) => r[0]))).toEqual(new Set(Object.keys(callers)));
    expect(new Set(TABLE.map((r) => r[1]))).toEqual(new Set(Object.keys(targets)));
  });

  it('deactivate and remove are not credential operations: an IAM manager may do them to anyone’s token, covering or not', () => {
    for (const op of ['deactivate', 'remove'] as TokenOperation[]) {
      expect(tokenRefusal(admin, targets["Owner's service token *"], op)).toBeNull();
      expect(tokenRefusal(admin, targets["Owner's personal token"], op)).toBeNull();
      expect(tokenRefusal(dev, targets["Owner's personal token"], op)).toBe('Forbidden');
    }
  });

  it('allowedOperations shows exactly what tokenRefusal permits', () => {
    for (const p of Object.values(callers))
      for (const t of Object.values(targets))
        expect(allowedOperations(p, t)).toEqual((['rename', 'activate', 'deactivate', 'reset', 'remove'] as const).filter((op) => tokenRefusal(p, t, op) === null));
  });
});

// ------------------------------------------------------------- properties against the IAM core

const ACTIONS = ['ToggleFlag', 'DeleteFlag', 'CanAccessEnv', 'UpdateSegmentRules', 'CreateEnv'];
const PATTERNS = [
  '*',
  'project/*',
  'project/web',
  'project/web:env/*',
  'project/web:env/prod',
  'project/*:env/prod',
  'project/web:env/prod:flag/*',
  'project/web:env/prod:flag/a*',
  'project/*:env/*:flag/*;beta',
  'project/web:env/*:segment/*',
];
const statementArb = (denyWeight: number) =>
  fc.record({
    id: fc.constant(''),
    resourceType: fc.constantFrom<Statement['resourceType']>('*', 'flag', 'env', 'segment', 'project'),
    effect: fc.oneof({ weight: 10 - denyWeight, arbitrary: fc.constant('allow' as const) }, { weight: denyWeight, arbitrary: fc.constant('deny' as const) }),
    actions: fc.uniqueArray(fc.constantFrom('*', ...ACTIONS), { minLength: 1, maxLength: 2 }),
    resources: fc.uniqueArray(fc.constantFrom(...PATTERNS), { minLength: 1, maxLength: 2 }),
  });
const statementsArb = (denyWeight: number) => fc.array(statementArb(denyWeight), { minLength: 0, maxLength: 3 });
const requestArb: fc.Arbitrary<{ action: string; rn: Rn }> = fc
  .tuple(fc.constantFrom(...ACTIONS), fc.constantFrom('web', 'api'), fc.constantFrom('prod', 'dev'), fc.constantFrom('a1', 'b1'), fc.constantFrom<string[][]>([], ['beta']))
  .map(([action, project, env, key, tags]) => ({
    action,
    rn:
      action === 'CreateEnv'
        ? rn.project(project)
        : action === 'CanAccessEnv'
          ? rn.env(project, env)
          : action === 'UpdateSegmentRules'
            ? rn.segment(project, env, key, tags)
            : rn.flag(project, env, key, tags),
  }));

const can = (statements: Statement[], r: { action: string; rn: Rn }) => permits({ layers: [layer(statements)] }, r.action, r.rn);

describe('holdsAtLeast agrees with the IAM core', () => {
  it('for a service token it is exactly covers(caller, token statements)', () => {
    fc.assert(
      fc.property(statementsArb(3), statementsArb(0), (caller, token) => {
        expect(holdsAtLeast(member('m', caller), service('t', 'x', token))).toBe(covers(caller, token));
      }),
      { numRuns: 3000 },
    );
  });

  it('is sound for personal tokens: when it says yes, every request the target can make, the caller can make', () => {
    let yes = 0;
    fc.assert(
      fc.property(statementsArb(2), statementsArb(0), statementsArb(0), fc.array(requestArb, { minLength: 20, maxLength: 20 }), (ownerStatements, callerOwn, targetOwn, requests) => {
        const o = member('o', ownerStatements);
        const caller = personalToken('caller', o, callerOwn);
        const target = personal('t', 'o', targetOwn);
        if (!holdsAtLeast(caller, target)) return;
        yes++;
        for (const r of requests) {
          const targetCan = can(ownerStatements, r) && (targetOwn.length === 0 || can(targetOwn, r));
          if (targetCan) expect(permits(caller.permission, r.action, r.rn)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    expect(yes).toBeGreaterThan(100);
  });
});

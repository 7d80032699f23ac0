import { describe, expect, it } from 'vitest';
import { covers, RN_SHAPE } from './covers.ts';
import type { Statement } from './statement.ts';

function st(resourceType: Statement['resourceType'], effect: Statement['effect'], actions: string[], resources: string[]): Statement {
  return { id: '', resourceType, effect, actions, resources };
}
const allow = (resourceType: Statement['resourceType'], actions: string[], resources: string[]) => st(resourceType, 'allow', actions, resources);
const deny = (resourceType: Statement['resourceType'], actions: string[], resources: string[]) => st(resourceType, 'deny', actions, resources);

const OWNER = [allow('*', ['*'], ['*'])];
const ADMINISTRATOR = [
  allow('organization', ['*'], ['organization/*']),
  allow('iam', ['*'], ['iam/*']),
  allow('access-token', ['*'], ['access-token/*']),
  allow('project', ['*'], ['project/*']),
  allow('env', ['*'], ['project/*:env/*']),
  allow('flag', ['*'], ['project/*:env/*:flag/*']),
  allow('segment', ['*'], ['project/*:env/*:segment/*']),
];
const DEVELOPER = [
  allow('access-token', ['ListAccessTokens', 'ManagePersonalAccessTokens', 'ManageServiceAccessTokens'], ['access-token/*']),
  allow('project', ['CanAccessProject'], ['project/*']),
  allow('env', ['CanAccessEnv'], ['project/*:env/*']),
  allow('flag', ['*'], ['project/*:env/*:flag/*']),
  allow('segment', ['*'], ['project/*:env/*:segment/*']),
];

describe('RN_SHAPE', () => {
  it('gives the segment types of each resource type', () => {
    expect(RN_SHAPE.flag).toEqual(['project', 'env', 'flag']);
    expect(RN_SHAPE['access-token']).toEqual(['access-token']);
  });
});

describe('covers: built-in policies', () => {
  it('everyone covers themselves and nothing', () => {
    for (const policy of [OWNER, ADMINISTRATOR, DEVELOPER]) {
      expect(covers(policy, policy)).toBe(true);
      expect(covers(policy, [])).toBe(true);
    }
  });

  it('only an Owner can grant Owner: the `*` of a `*`-typed statement is in no Administrator pattern', () => {
    expect(covers(OWNER, OWNER)).toBe(true);
    expect(covers(ADMINISTRATOR, OWNER)).toBe(false);
    expect(covers(ADMINISTRATOR, [allow('*', ['ToggleFlag'], ['*'])])).toBe(false);
  });

  it('judges a typed `*` and an Owner-style `*` for the same action separately', () => {
    expect(covers(DEVELOPER, [allow('flag', ['ToggleFlag'], ['*']), allow('*', ['ToggleFlag'], ['*'])])).toBe(false);
  });

  it('Owner covers Administrator, Administrator covers Developer, not the other way', () => {
    expect(covers(OWNER, ADMINISTRATOR)).toBe(true);
    expect(covers(ADMINISTRATOR, DEVELOPER)).toBe(true);
    expect(covers(DEVELOPER, ADMINISTRATOR)).toBe(false);
  });

  it('a developer cannot hand out project deletion or IAM', () => {
    expect(covers(DEVELOPER, [allow('project', ['DeleteProject'], ['project/web'])])).toBe(false);
    expect(covers(DEVELOPER, [allow('iam', ['CanManageIAM'], ['iam/*'])])).toBe(false);
  });
});

describe('covers: typed universe', () => {
  it('a T pattern `*` in a typed statement means every RN of that type', () => {
    expect(covers(DEVELOPER, [allow('flag', ['ToggleFlag'], ['*'])])).toBe(true);
    expect(covers(DEVELOPER, [allow('env', ['CanAccessEnv'], ['*'])])).toBe(true);
    expect(covers([allow('flag', ['*'], ['project/web'])], [allow('flag', ['ToggleFlag'], ['*'])])).toBe(false);
  });

  it('a prefix T pattern is read as the full shape below it', () => {
    expect(covers(DEVELOPER, [allow('flag', ['ToggleFlag'], ['project/web'])])).toBe(true);
    expect(covers([allow('flag', ['ToggleFlag'], ['project/*:env/prod:flag/*'])], [allow('flag', ['ToggleFlag'], ['project/web'])])).toBe(false);
    expect(covers([allow('flag', ['ToggleFlag'], ['project/*:env/*:flag/*'])], [allow('flag', ['ToggleFlag'], ['project/web:env/prod'])])).toBe(true);
  });

  it('an S pattern of the wrong shape contains nothing for that action', () => {
    const S = [allow('*', ['*'], ['organization/*'])];
    expect(covers(S, [allow('flag', ['ToggleFlag'], ['project/web'])])).toBe(false);
    expect(covers(S, [allow('organization', ['UpdateOrgName'], ['*'])])).toBe(true);
  });

  it('a T pattern that reaches no RN of the action type grants nothing, so needs no cover', () => {
    expect(covers([], [allow('flag', ['ToggleFlag'], ['organization/acme'])])).toBe(true);
    expect(covers([], [allow('project', ['CanAccessProject'], ['project/*;tagged'])])).toBe(true);
  });

  it('a `*`-typed T statement is judged per action type', () => {
    const T = [allow('*', ['*'], ['project/web'])];
    expect(covers(ADMINISTRATOR, T)).toBe(true);
    expect(covers(DEVELOPER, T)).toBe(false);
  });

  it('a T pattern longer than the action shape is judged on text, not waved through (CreateEnv on project/web:env/*)', () => {
    const T = [allow('project', ['CreateEnv'], ['project/web:env/*'])];
    expect(covers(DEVELOPER, T)).toBe(false);
    expect(covers(ADMINISTRATOR, T)).toBe(true);
    expect(covers([...ADMINISTRATOR, deny('project', ['CreateEnv'], ['project/web:env/prod'])], T)).toBe(false);
  });

  it('a deny longer than the action shape still blocks the grant it could bite (CreateEnv denied on project/web:env/*)', () => {
    const S = [...ADMINISTRATOR, deny('project', ['CreateEnv'], ['project/web:env/*'])];
    expect(covers(S, [allow('project', ['CreateEnv'], ['project/web'])])).toBe(false);
    expect(covers(S, [allow('project', ['CreateEnv'], ['project/api'])])).toBe(true);
  });
});

describe('covers: containment', () => {
  const flagS = (...resources: string[]) => [allow('flag', ['ToggleFlag'], resources)];
  const flagT = (...resources: string[]) => [allow('flag', ['ToggleFlag'], resources)];

  it('project/* contains project/web-* but not the reverse', () => {
    expect(covers(flagS('project/*'), flagT('project/web-*'))).toBe(true);
    expect(covers(flagS('project/web-*'), flagT('project/*'))).toBe(false);
  });

  it('a* contains a*b but a*b does not contain a*', () => {
    expect(covers(flagS('project/a*'), flagT('project/a*b'))).toBe(true);
    expect(covers(flagS('project/a*b'), flagT('project/a*'))).toBe(false);
  });

  it('an exact key is inside a glob that matches it', () => {
    expect(covers(flagS('project/*:env/*-prod'), flagT('project/web:env/eu-prod'))).toBe(true);
    expect(covers(flagS('project/*:env/*-prod'), flagT('project/web:env/eu-dev'))).toBe(false);
  });

  it('a shorter S pattern contains longer T patterns below it', () => {
    expect(covers(flagS('project/web'), flagT('project/web:env/prod:flag/f'))).toBe(true);
    expect(covers(flagS('project/web:env/prod:flag/f'), flagT('project/web'))).toBe(false);
  });

  it('needs the action too: the same pattern for another action is not enough', () => {
    expect(covers([allow('flag', ['DeleteFlag'], ['*'])], flagT('project/web'))).toBe(false);
  });

  it('tags: a tagged S pattern contains only T patterns with tags inside its tags', () => {
    expect(covers(flagS('project/*;beta'), flagT('project/web'))).toBe(false);
    expect(covers(flagS('project/*;beta'), flagT('project/web;beta'))).toBe(true);
    expect(covers(flagS('project/*;team-*'), flagT('project/web;team-pay,team-ops'))).toBe(true);
    expect(covers(flagS('project/*;team-*'), flagT('project/web;team-pay,beta'))).toBe(false);
    expect(covers(flagS('project/*'), flagT('project/web;beta'))).toBe(true);
  });

  it('is conservative where T needs the union of several S patterns', () => {
    // Every flag tagged a or b is allowed by one of the two, but neither alone contains the T pattern.
    expect(covers(flagS('project/web;a', 'project/web;b'), flagT('project/web;a,b'))).toBe(false);
    expect(covers(flagS('project/web;a,b'), flagT('project/web;a,b'))).toBe(true);
  });

  it('ignores deny statements of T: they only narrow it', () => {
    expect(covers(DEVELOPER, [...DEVELOPER, deny('*', ['*'], ['*'])])).toBe(true);
  });
});

describe('covers: denies of S', () => {
  const S = [...DEVELOPER, deny('flag', ['ToggleFlag'], ['project/*:env/prod:flag/*;locked'])];

  it('a T pattern overlapping an S deny is not covered (token to toggle locked prod flags)', () => {
    expect(covers(S, [allow('flag', ['ToggleFlag'], ['project/web'])])).toBe(false);
    expect(covers(S, [allow('flag', ['ToggleFlag'], ['project/web:env/p*'])])).toBe(false);
  });

  it('a T pattern disjoint from every S deny is covered', () => {
    expect(covers(S, [allow('flag', ['ToggleFlag'], ['project/web:env/dev'])])).toBe(true);
    expect(covers(S, [allow('flag', ['DeleteFlag'], ['project/web'])])).toBe(true);
  });

  it('a deny on another resource type does not block a typed grant', () => {
    const withDeny = [...ADMINISTRATOR, deny('*', ['*'], ['project/secret'])];
    expect(covers(withDeny, [allow('organization', ['UpdateOrgName'], ['*'])])).toBe(true);
    expect(covers(withDeny, [allow('flag', ['ToggleFlag'], ['project/secret-*'])])).toBe(true);
    expect(covers(withDeny, [allow('flag', ['ToggleFlag'], ['project/s*'])])).toBe(false);
  });

  it('a `*` deny blocks every grant of its actions', () => {
    expect(covers([...OWNER, deny('*', ['ToggleFlag'], ['*'])], [allow('flag', ['ToggleFlag'], ['project/x:env/y:flag/z'])])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { allowed, compilePolicy, decide } from './evaluate.ts';
import { rn, type Rn } from './rn.ts';
import type { Statement } from './statement.ts';

function st(resourceType: Statement['resourceType'], effect: Statement['effect'], actions: string[], resources: string[]): Statement {
  return { id: '', resourceType, effect, actions, resources };
}

// Every test checks the rule and the compiled index agree.
function both(statements: Statement[], action: string, name: Rn): boolean {
  const direct = allowed(statements, action, name);
  expect(decide(compilePolicy(statements), action, name)).toBe(direct);
  return direct;
}

const OWNER = [st('*', 'allow', ['*'], ['*'])];
const DEVELOPER = [
  st('access-token', 'allow', ['ListAccessTokens', 'ManagePersonalAccessTokens', 'ManageServiceAccessTokens'], ['access-token/*']),
  st('project', 'allow', ['CanAccessProject'], ['project/*']),
  st('env', 'allow', ['CanAccessEnv'], ['project/*:env/*']),
  st('flag', 'allow', ['*'], ['project/*:env/*:flag/*']),
  st('segment', 'allow', ['*'], ['project/*:env/*:segment/*']),
];

describe('allowed / decide', () => {
  it('denies when no statement applies', () => {
    expect(both([], 'ToggleFlag', rn.flag('p', 'e', 'f'))).toBe(false);
    expect(both(DEVELOPER, 'DeleteProject', rn.project('web'))).toBe(false);
  });

  it('the owner may do anything anywhere', () => {
    expect(both(OWNER, 'UpdateOrgName', rn.organization('acme'))).toBe(true);
    expect(both(OWNER, 'ToggleFlag', rn.flag('p', 'e', 'f', ['t']))).toBe(true);
  });

  it('a developer manages flags and creates them through the collection RN', () => {
    expect(both(DEVELOPER, 'ToggleFlag', rn.flag('web', 'prod', 'checkout', ['beta']))).toBe(true);
    expect(both(DEVELOPER, 'CreateFlag', rn.flag('web', 'prod', '*'))).toBe(true);
    expect(both(DEVELOPER, 'CanAccessEnv', rn.env('web', 'prod'))).toBe(true);
    expect(both(DEVELOPER, 'UpdateEnvSettings', rn.env('web', 'prod'))).toBe(false);
  });

  it('deny wins over any allow', () => {
    const statements = [...OWNER, st('flag', 'deny', ['ToggleFlag'], ['project/*:env/prod:flag/*;locked'])];
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'prod', 'f', ['locked']))).toBe(false);
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'prod', 'f', ['open']))).toBe(true);
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'dev', 'f', ['locked']))).toBe(true);
    expect(both(statements, 'DeleteFlag', rn.flag('web', 'prod', 'f', ['locked']))).toBe(true);
  });

  it('a deny that does not match the RN changes nothing', () => {
    const statements = [...DEVELOPER, st('flag', 'deny', ['*'], ['project/secret'])];
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'e', 'f'))).toBe(true);
    expect(both(statements, 'ToggleFlag', rn.flag('secret', 'e', 'f'))).toBe(false);
  });

  it('aliases grant their whole type and nothing else', () => {
    const statements = [st('flag', 'allow', ['ManageFeatureFlag'], ['project/web'])];
    expect(both(statements, 'UpdateFlagTargetingRules', rn.flag('web', 'e', 'f'))).toBe(true);
    expect(both(statements, 'UpdateSegmentRules', rn.segment('web', 'e', 's'))).toBe(false);
  });

  it('`*` grants only the statement type unless the type is `*`', () => {
    const statements = [st('env', 'allow', ['*'], ['*'])];
    expect(both(statements, 'DeleteEnv', rn.env('p', 'e'))).toBe(true);
    expect(both(statements, 'DeleteProject', rn.project('p'))).toBe(false);
  });

  it('a prefix pattern reaches down the tree; a longer pattern does not reach up', () => {
    const statements = [st('*', 'allow', ['CanAccessProject', 'ToggleFlag'], ['project/web:env/prod'])];
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'prod', 'f'))).toBe(true);
    expect(both(statements, 'CanAccessProject', rn.project('web'))).toBe(false);
  });

  it('a tagged pattern needs a shared tag', () => {
    const statements = [st('flag', 'allow', ['ToggleFlag'], ['project/*:env/*:flag/*;team-pay,beta'])];
    expect(both(statements, 'ToggleFlag', rn.flag('p', 'e', 'f', ['beta']))).toBe(true);
    expect(both(statements, 'ToggleFlag', rn.flag('p', 'e', 'f', ['team-ops']))).toBe(false);
  });

  it('invalid stored patterns match nothing instead of throwing', () => {
    const statements = [st('flag', 'allow', ['ToggleFlag'], ['project/', 'project/web']), st('flag', 'deny', ['ToggleFlag'], [';;'])];
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'e', 'f'))).toBe(true);
    expect(both(statements, 'ToggleFlag', rn.flag('api', 'e', 'f'))).toBe(false);
  });

  it('an unknown effect fails closed, as a deny', () => {
    const statements = [...OWNER, { ...st('flag', 'allow', ['ToggleFlag'], ['*']), effect: 'Allow' as never }];
    expect(both(statements, 'ToggleFlag', rn.flag('p', 'e', 'f'))).toBe(false);
  });

  it('looks up glob-headed and exact-headed patterns alike', () => {
    const statements = [
      st('flag', 'allow', ['ToggleFlag'], ['project/web:env/dev', 'project/api-*:env/*:flag/*']),
      st('flag', 'deny', ['ToggleFlag'], ['project/api-x', 'project/web:env/dev:flag/locked']),
    ];
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'dev', 'f'))).toBe(true);
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'dev', 'locked'))).toBe(false);
    expect(both(statements, 'ToggleFlag', rn.flag('api-y', 'prod', 'f'))).toBe(true);
    expect(both(statements, 'ToggleFlag', rn.flag('api-x', 'prod', 'f'))).toBe(false);
    expect(both(statements, 'ToggleFlag', rn.flag('web', 'prod', 'f'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { ACTIONS, ALIASES, actionType, expandActions, validateStatements } from './actions.ts';
import { RESOURCE_TYPES } from './statement.ts';

const ALL = RESOURCE_TYPES.flatMap((t) => ACTIONS[t]);

describe('ACTIONS', () => {
  it('lists the 37 actions of 02-iam.md and the 3 environment-secret actions of 05, each under exactly one type', () => {
    expect(ALL).toHaveLength(40);
    expect(new Set(ALL).size).toBe(40);
    expect(ACTIONS.env).toEqual(['CanAccessEnv', 'DeleteEnv', 'UpdateEnvSettings', 'CreateEnvSecret', 'UpdateEnvSecret', 'DeleteEnvSecret']);
    expect(ACTIONS.project).toEqual(['CanAccessProject', 'CreateProject', 'DeleteProject', 'UpdateProjectSettings', 'CreateEnv']);
    expect(ACTIONS.flag).toHaveLength(14);
    expect(ACTIONS.segment).toHaveLength(9);
  });

  it('aliases stand for every flag and every segment action', () => {
    expect(ALIASES.ManageFeatureFlag).toEqual(ACTIONS.flag);
    expect(ALIASES.ManageSegment).toEqual(ACTIONS.segment);
  });

  it('actionType names the type of concrete actions only', () => {
    expect(actionType('ToggleFlag')).toBe('flag');
    expect(actionType('CreateEnv')).toBe('project');
    expect(actionType('CanAccessEnv')).toBe('env');
    expect(actionType('ManageFeatureFlag')).toBeUndefined();
    expect(actionType('*')).toBeUndefined();
    expect(actionType('toString')).toBeUndefined();
  });
});

describe('expandActions', () => {
  it('`*` is every action of the statement type', () => {
    expect(expandActions('env', ['*'])).toEqual(new Set(ACTIONS.env));
  });

  it('`*` with resourceType `*` is every action of every type', () => {
    expect(expandActions('*', ['*'])).toEqual(new Set(ALL));
  });

  it('aliases expand to their type', () => {
    expect(expandActions('flag', ['ManageFeatureFlag'])).toEqual(new Set(ACTIONS.flag));
    expect(expandActions('*', ['ManageSegment', 'CanAccessEnv'])).toEqual(new Set([...ACTIONS.segment, 'CanAccessEnv']));
  });

  it('a name of another type, or unknown, grants nothing', () => {
    expect(expandActions('flag', ['CanAccessEnv', 'ManageSegment', 'Nope', 'toString'])).toEqual(new Set());
    expect(expandActions('env', ['CanAccessEnv', 'ToggleFlag'])).toEqual(new Set(['CanAccessEnv']));
  });
});

describe('validateStatements', () => {
  const good = { resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/*:env/*:flag/*'] };

  it('accepts valid statements and keeps ids as given, or empty', () => {
    const result = validateStatements([good, { ...good, id: 'st_1', resourceType: '*', actions: ['*'], resources: ['*'] }]);
    expect(result).toEqual({
      ok: true,
      statements: [
        { id: '', resourceType: 'flag', effect: 'allow', actions: ['ToggleFlag'], resources: ['project/*:env/*:flag/*'] },
        { id: 'st_1', resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] },
      ],
    });
  });

  it('accepts an empty list', () => {
    expect(validateStatements([])).toEqual({ ok: true, statements: [] });
  });

  it.each([
    [{}, 'statements_is_invalid'],
    [[null], 'statements_is_invalid'],
    [[[]], 'statements_is_invalid'],
    [[{ ...good, extra: 1 }], 'statements_is_invalid'],
    [[{ ...good, id: 7 }], 'id_is_invalid'],
    [[{ ...good, resourceType: 'flags' }], 'resource_type_is_invalid'],
    [[{ ...good, effect: 'Allow' }], 'effect_is_invalid'],
    [[{ ...good, actions: [] }], 'actions_is_required'],
    [[{ ...good, actions: 'ToggleFlag' }], 'actions_is_required'],
    [[{ ...good, actions: ['CanAccessEnv'] }], 'action_is_invalid'],
    [[{ ...good, actions: ['ManageSegment'] }], 'action_is_invalid'],
    [[{ ...good, actions: ['Nope'] }], 'action_is_invalid'],
    [[{ ...good, actions: [1] }], 'action_is_invalid'],
    [[{ ...good, resources: [] }], 'resources_is_required'],
    [[{ ...good, resources: undefined }], 'resources_is_required'],
    [[{ ...good, resources: ['project/'] }], 'resource_is_invalid'],
    [[{ ...good, resources: [42] }], 'resource_is_invalid'],
  ])('rejects %j with %s', (input, code) => {
    expect(validateStatements(input)).toEqual({ ok: false, errors: [code] });
  });

  it('reports every distinct problem once', () => {
    const bad = { resourceType: 'x', effect: 'maybe', actions: ['Nope'], resources: ['bad'] };
    const result = validateStatements([bad, bad]);
    expect(result.ok).toBe(false);
    expect(!result.ok && [...result.errors].sort()).toEqual(['action_is_invalid', 'effect_is_invalid', 'resource_is_invalid', 'resource_type_is_invalid'].sort());
  });

  it('accepts any known action or alias under resourceType `*`', () => {
    expect(validateStatements([{ ...good, resourceType: '*', actions: ['ManageSegment', 'CanManageIAM'] }]).ok).toBe(true);
  });
});

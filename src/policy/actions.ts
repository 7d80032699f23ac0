// The action vocabulary of statements, and validation of statements sent by a client.
//
// An action name in a statement is a concrete action, an alias, or `*`. A statement
// only ever grants actions of its own resource type (or of any type when its
// resourceType is `*`); names outside that are rejected on save and, should one
// be stored anyway, grant nothing.

import { patternCanMatch } from './rn.ts';
import { RESOURCE_TYPES, type Effect, type ResourceType, type Statement } from './statement.ts';

export const ACTIONS: Readonly<Record<ResourceType, readonly string[]>> = Object.freeze({
  organization: Object.freeze(['UpdateOrgName', 'UpdateOrgDefaultUserPermissions']),
  iam: Object.freeze(['CanManageIAM']),
  'access-token': Object.freeze(['ListAccessTokens', 'ManagePersonalAccessTokens', 'ManageServiceAccessTokens']),
  project: Object.freeze(['CanAccessProject', 'CreateProject', 'DeleteProject', 'UpdateProjectSettings', 'CreateEnv']),
  env: Object.freeze(['CanAccessEnv', 'DeleteEnv', 'UpdateEnvSettings', 'CreateEnvSecret', 'UpdateEnvSecret', 'DeleteEnvSecret']),
  flag: Object.freeze([
    'CreateFlag',
    'ArchiveFlag',
    'RestoreFlag',
    'DeleteFlag',
    'CloneFlag',
    'ToggleFlag',
    'UpdateFlagName',
    'UpdateFlagDescription',
    'UpdateFlagOffVariation',
    'UpdateFlagVariations',
    'UpdateFlagTags',
    'UpdateFlagDefaultRule',
    'UpdateFlagIndividualTargeting',
    'UpdateFlagTargetingRules',
  ]),
  segment: Object.freeze([
    'CreateSegment',
    'ArchiveSegment',
    'RestoreSegment',
    'DeleteSegment',
    'UpdateSegmentName',
    'UpdateSegmentDescription',
    'UpdateSegmentTags',
    'UpdateSegmentTargetingUsers',
    'UpdateSegmentRules',
  ]),
});

export type ActionAlias = 'ManageFeatureFlag' | 'ManageSegment';

/** Each alias stands for every action of one resource type. */
export const ALIASES: Readonly<Record<ActionAlias, readonly string[]>> = Object.freeze({
  ManageFeatureFlag: ACTIONS.flag,
  ManageSegment: ACTIONS.segment,
});

const ALIAS_TYPE: Readonly<Record<ActionAlias, ResourceType>> = Object.freeze({
  ManageFeatureFlag: 'flag',
  ManageSegment: 'segment',
});

const TYPE_OF_ACTION: ReadonlyMap<string, ResourceType> = new Map(RESOURCE_TYPES.flatMap((type) => ACTIONS[type].map((action) => [action, type] as const)));

function isAlias(name: string): name is ActionAlias {
  return Object.hasOwn(ALIAS_TYPE, name);
}

/** The resource type a concrete action belongs to; undefined for aliases, `*` and unknown names. */
export function actionType(action: string): ResourceType | undefined {
  return TYPE_OF_ACTION.get(action);
}

// A known name that may appear in a statement of this resource type; `*` fits every type.
function nameFitsType(name: string, resourceType: ResourceType | '*'): boolean {
  if (name === '*') return true;
  const type = isAlias(name) ? ALIAS_TYPE[name] : TYPE_OF_ACTION.get(name);
  if (type === undefined) return false;
  return resourceType === '*' || resourceType === type;
}

/** The concrete actions a statement with this resource type and these action names grants. */
export function expandActions(resourceType: ResourceType | '*', actions: readonly string[]): Set<string> {
  const granted = new Set<string>();
  const types = resourceType === '*' ? RESOURCE_TYPES : RESOURCE_TYPES.filter((t) => t === resourceType);
  for (const name of actions) {
    if (!nameFitsType(name, resourceType)) continue;
    const concrete = name === '*' ? types.flatMap((t) => ACTIONS[t]) : isAlias(name) ? ALIASES[name] : [name];
    for (const action of concrete) granted.add(action);
  }
  return granted;
}

export type StatementsValidation = { ok: true; statements: Statement[] } | { ok: false; errors: string[] };

const STATEMENT_KEYS = new Set(['id', 'resourceType', 'effect', 'actions', 'resources']);
const EFFECTS: readonly Effect[] = ['allow', 'deny'];

function isResourceType(value: unknown): value is ResourceType | '*' {
  return value === '*' || (RESOURCE_TYPES as readonly unknown[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Validates statements from a request body. Error codes are stable and deduplicated;
// ids are kept as given (or '') because the caller assigns them.
export function validateStatements(input: unknown): StatementsValidation {
  if (!Array.isArray(input)) return { ok: false, errors: ['statements_is_invalid'] };
  const errors = new Set<string>();
  const statements: Statement[] = [];
  for (const item of input) {
    if (!isRecord(item) || Object.keys(item).some((key) => !STATEMENT_KEYS.has(key))) {
      errors.add('statements_is_invalid');
      continue;
    }
    const { id, resourceType, effect, actions, resources } = item;
    if (id !== undefined && typeof id !== 'string') errors.add('id_is_invalid');
    if (!isResourceType(resourceType)) errors.add('resource_type_is_invalid');
    if (typeof effect !== 'string' || !(EFFECTS as readonly string[]).includes(effect)) errors.add('effect_is_invalid');
    if (!Array.isArray(actions) || actions.length === 0) {
      errors.add('actions_is_required');
    } else {
      // With an invalid resource type only unknown names can still be reported.
      const scope = isResourceType(resourceType) ? resourceType : '*';
      if (!actions.every((a) => typeof a === 'string' && nameFitsType(a, scope))) errors.add('action_is_invalid');
    }
    if (!Array.isArray(resources) || resources.length === 0) {
      errors.add('resources_is_required');
    } else if (!resources.every((r) => typeof r === 'string' && patternCanMatch(r))) {
      errors.add('resource_is_invalid');
    }
    if (errors.size === 0) {
      statements.push({
        id: typeof id === 'string' ? id : '',
        resourceType: resourceType as ResourceType | '*',
        effect: effect as Effect,
        actions: [...(actions as string[])],
        resources: [...(resources as string[])],
      });
    }
  }
  return errors.size > 0 ? { ok: false, errors: [...errors] } : { ok: true, statements };
}

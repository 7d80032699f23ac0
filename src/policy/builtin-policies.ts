// The three SysManaged policies every organization starts with (02-iam.md, "Built-in policies").
import type { Statement } from './statement.ts';
import { ACTIONS } from './actions.ts';

const all = (resourceType: Statement['resourceType'], resources: string[], id: string): Statement => ({
  id,
  resourceType,
  effect: 'allow',
  actions: ['*'],
  resources,
});

export const BUILTIN_POLICIES: { key: string; name: string; description: string; statements: Statement[] }[] = [
  {
    key: 'owner',
    name: 'Owner',
    description: 'Full access to everything in the organization.',
    statements: [all('*', ['*'], 'owner-all')],
  },
  {
    key: 'administrator',
    name: 'Administrator',
    description: 'Every action on every resource type, including IAM.',
    statements: [
      all('organization', ['organization/*'], 'admin-organization'),
      all('iam', ['iam/*'], 'admin-iam'),
      all('access-token', ['access-token/*'], 'admin-access-token'),
      all('project', ['project/*'], 'admin-project'),
      all('env', ['project/*:env/*'], 'admin-env'),
      all('flag', ['project/*:env/*:flag/*'], 'admin-flag'),
      all('segment', ['project/*:env/*:segment/*'], 'admin-segment'),
    ],
  },
  {
    key: 'developer',
    name: 'Developer',
    description: 'Access tokens, read projects and environments, and everything on flags and segments.',
    statements: [
      { id: 'dev-access-token', resourceType: 'access-token', effect: 'allow', actions: [...ACTIONS['access-token']], resources: ['access-token/*'] },
      { id: 'dev-project', resourceType: 'project', effect: 'allow', actions: ['CanAccessProject'], resources: ['project/*'] },
      { id: 'dev-env', resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] },
      all('flag', ['project/*:env/*:flag/*'], 'dev-flag'),
      all('segment', ['project/*:env/*:segment/*'], 'dev-segment'),
    ],
  },
];

import { allowed } from '../../src/policy/evaluate.ts';
import { covers } from '../../src/policy/covers.ts';
import { ACTIONS, expandActions } from '../../src/policy/actions.ts';
import { formatRn, rn, type Rn } from '../../src/policy/rn.ts';
import type { ResourceType, Statement } from '../../src/policy/statement.ts';
import { RESOURCE_TYPES } from '../../src/policy/statement.ts';

export { rn, formatRn, ACTIONS, RESOURCE_TYPES };
export type { ResourceType, Statement, Rn };

// The server decides; the UI only hides what the member cannot use, with the
// very same evaluation the server runs.
export function can(statements: Statement[], action: string, resource: Rn): boolean {
  return allowed(statements, action, resource);
}

// The organization key is not known to the UI: the server checks organization,
// IAM and access-token actions against a `*` child, and so do we.
export const ORG_WIDE = {
  iam: rn.iam('*'),
  organization: rn.organization('*'),
  accessTokens: rn.accessToken('*'),
} as const;

// Actions of one resource type that some allow statement grants, somewhere.
// Used to offer only what the member could hand out; exact coverage of the
// chosen resources is checked with `covers` before saving.
export function heldActions(statements: Statement[], type: ResourceType): string[] {
  const held = new Set<string>();
  for (const s of statements) {
    if (s.effect !== 'allow') continue;
    if (s.resourceType !== type && s.resourceType !== '*') continue;
    for (const a of expandActions(type, s.actions)) held.add(a);
  }
  return ACTIONS[type].filter((a) => held.has(a));
}

export function isCovered(mine: Statement[], wanted: Statement[]): boolean {
  return covers(mine, wanted);
}

export const RESOURCE_TYPE_LABELS: Record<ResourceType, string> = {
  flag: 'Feature flags',
  segment: 'Segments',
  project: 'Projects',
  env: 'Environments',
  iam: 'IAM',
  'access-token': 'Access tokens',
  organization: 'Organization',
};

// The order the permission picker shows resource types in.
export const PICKER_ORDER: ResourceType[] = ['flag', 'segment', 'project', 'env', 'iam', 'access-token', 'organization'];

export interface ResourceSpec {
  project: string;
  env: string;
  key: string;
  tags: string[];
}

const clean = (s: string) => s.trim() || '*';

// Build an RN pattern such as `project/web:env/prod:flag/*;beta` from the picker's fields.
export function resourcePattern(type: ResourceType, spec: ResourceSpec | null): string {
  const s = spec ?? { project: '*', env: '*', key: '*', tags: [] };
  const tags = s.tags.map((t) => t.trim()).filter(Boolean);
  switch (type) {
    case 'project':
      return formatRn(rn.project(clean(s.project)));
    case 'env':
      return formatRn(rn.env(clean(s.project), clean(s.env)));
    case 'flag':
      return formatRn(rn.flag(clean(s.project), clean(s.env), clean(s.key), tags));
    case 'segment':
      return formatRn(rn.segment(clean(s.project), clean(s.env), clean(s.key), tags));
    case 'iam':
      return formatRn(rn.iam('*'));
    case 'organization':
      return formatRn(rn.organization('*'));
    case 'access-token':
      return formatRn(rn.accessToken('*'));
  }
}

// Keys may not contain these characters (02-iam.md, resource names).
export function invalidKeyChars(value: string): boolean {
  return /[:;,/]/.test(value);
}

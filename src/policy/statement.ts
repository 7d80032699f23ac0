// The shapes the IAM core works on: plain data, no I/O.

export const RESOURCE_TYPES = ['organization', 'iam', 'access-token', 'project', 'env', 'flag', 'segment'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export type Effect = 'allow' | 'deny';

export interface Statement {
  id: string;
  resourceType: ResourceType | '*';
  effect: Effect;
  actions: string[];
  resources: string[];
}

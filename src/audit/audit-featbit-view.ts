// An audit entry as FeatBit's AuditLogVm (Application/AuditLogs/AuditLogVm.cs), and FeatBit's words for Ensign's.
import type { Static } from 'typebox';
import { Type } from '../platform/schemas.ts';
import type { AuditRow } from './audit-store.ts';

const Nullable = Type.Union([Type.String(), Type.Null()]);

export const AuditLogVm = Type.Object({
  id: Type.String(),
  refId: Type.String(),
  refType: Type.String(),
  operation: Type.String(),
  dataChange: Type.Object({ previous: Type.String(), current: Type.String() }),
  comment: Nullable,
  creatorId: Nullable,
  creatorName: Nullable,
  creatorEmail: Nullable,
  createdAt: Type.String(),
  instructions: Type.Array(Type.Any()),
});

export type AuditLogVm = Static<typeof AuditLogVm>;

/** FeatBit's refType for Ensign's; kinds FeatBit has no word for keep Ensign's. */
const REF_TYPES: Record<string, string> = { flag: 'FeatureFlag', segment: 'Segment' };

export const featbitRefType = (refType: string): string => REF_TYPES[refType] ?? refType;

/** The Ensign refType a filter names, whichever vocabulary the caller used. */
export const ensignRefType = (refType: string): string => Object.entries(REF_TYPES).find(([, featbit]) => featbit === refType)?.[0] ?? refType;

/** FeatBit's operation (Domain/AuditLogs/Operations.cs) for an Ensign action such as `ArchiveFlag`. */
export function operationOf(action: string): string {
  if (/^(Create|Clone)/.test(action)) return 'Create';
  if (action.startsWith('Archive')) return 'Archive';
  if (action.startsWith('Restore')) return 'Restore';
  if (/^(Delete|Remove)/.test(action)) return 'Remove';
  return 'Update';
}

const json = (value: unknown): string => (value === null || value === undefined ? '' : JSON.stringify(value));

/** The comment column arrives with the flag-routes' comments; until then entries have none. */
const commentOf = (row: AuditRow): string | null => {
  const comment = (row as AuditRow & { comment?: unknown }).comment;
  return typeof comment === 'string' ? comment : null;
};

/** What FeatBit's `query` searches: the keyword (key and name of the subject) and the comment. */
export function matchesQuery(row: AuditRow, query: string): boolean {
  const needle = query.toLowerCase();
  const changes = JSON.parse(row.changes) as { before?: { name?: unknown } | null; after?: { name?: unknown } | null };
  const names = [changes.after?.name, changes.before?.name].filter((n): n is string => typeof n === 'string');
  return [row.ref_key, ...names, commentOf(row) ?? ''].some((text) => text.toLowerCase().includes(needle));
}

/**
 * The creator as FeatBit shows it: a member by name and email; a token by its id and name with the email
 * "Access token"; anything else as "System". `emails` holds the members still in the organization.
 */
export function auditLogVm(row: AuditRow, emails: Map<string, string>): AuditLogVm {
  const changes = JSON.parse(row.changes) as { before: unknown; after: unknown };
  const creator =
    row.actor_kind === 'token'
      ? { creatorId: row.actor_token_id, creatorName: row.actor_token_name, creatorEmail: 'Access token' }
      : row.actor_kind === 'member'
        ? { creatorId: row.actor_member_id, creatorName: row.actor_name, creatorEmail: (row.actor_member_id && emails.get(row.actor_member_id)) ?? null }
        : { creatorId: null, creatorName: row.actor_name, creatorEmail: 'System' };
  return {
    id: row.id,
    refId: row.ref_id,
    refType: featbitRefType(row.ref_type),
    operation: operationOf(row.action),
    dataChange: { previous: json(changes.before), current: json(changes.after) },
    comment: commentOf(row),
    ...creator,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    // FeatBit derives semantic-patch instructions from whole before/after documents; Ensign keeps changed fields only.
    instructions: [],
  };
}

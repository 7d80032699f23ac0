// What clients see of an audit entry (Ensign's own shape); FeatBit's AuditLogVm is in audit-featbit-view.ts.
import type { Static } from 'typebox';
import { Type } from '../platform/schemas.ts';
import type { AuditRow } from './audit-store.ts';

const Nullable = Type.Union([Type.String(), Type.Null()]);

export const AuditEntry = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  action: Type.String(),
  refType: Type.String(),
  refId: Type.String(),
  refKey: Type.String(),
  projectId: Nullable,
  envId: Nullable,
  actor: Type.Object({ kind: Type.String(), memberId: Nullable, memberName: Nullable, tokenId: Nullable, tokenName: Nullable }),
  changes: Type.Object({ before: Type.Any(), after: Type.Any() }),
  comment: Type.String(),
});

export type AuditEntryView = Static<typeof AuditEntry>;

export const auditEntryView = (r: AuditRow): AuditEntryView => ({
  id: r.id,
  createdAt: new Date(Number(r.created_at)).toISOString(),
  action: r.action,
  refType: r.ref_type,
  refId: r.ref_id,
  refKey: r.ref_key,
  projectId: r.project_id,
  envId: r.env_id,
  actor: { kind: r.actor_kind, memberId: r.actor_member_id, memberName: r.actor_name, tokenId: r.actor_token_id, tokenName: r.actor_token_name },
  changes: JSON.parse(r.changes) as { before: unknown; after: unknown },
  comment: r.comment,
});

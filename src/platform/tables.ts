// Row types of the one schema both databases share (see migrations.ts).
// Times are epoch milliseconds (bigint), booleans 0/1, lists and objects JSON text.
import type { Generated } from 'kysely';

export interface Database {
  users: { id: string; email: string; name: string; password_hash: string; created_at: number };
  organizations: { id: string; key: string; name: string; default_policy_ids: string; created_at: number };
  /** user_id is null while the member is Invited; email and name are what the inviter typed until redeemed. */
  members: {
    id: string;
    org_id: string;
    user_id: string | null;
    status: 'Active' | 'Invited';
    email: string;
    name: string;
    invitor_member_id: string | null;
    created_at: number;
  };
  /** One live code per invited member, stored as a keyed digest; deleted when redeemed or revoked. */
  invitations: { id: string; org_id: string; member_id: string; digest: string; created_by_member_id: string | null; created_at: number; expires_at: number };
  policies: {
    id: string;
    org_id: string;
    key: string;
    name: string;
    description: string;
    type: 'SysManaged' | 'CustomerManaged';
    statements: string;
    created_at: number;
    updated_at: number;
  };
  member_policies: { member_id: string; policy_id: string; org_id: string };
  groups: { id: string; org_id: string; name: string; description: string; created_at: number; updated_at: number };
  group_members: { group_id: string; member_id: string; org_id: string };
  group_policies: { group_id: string; policy_id: string; org_id: string };
  sessions: { id: string; digest: string; user_id: string; created_at: number; expires_at: number };
  access_tokens: {
    id: string;
    org_id: string;
    name: string;
    name_lower: string;
    type: 'Personal' | 'Service';
    status: 'Active' | 'Inactive';
    inactive_reason: 'Deactivated' | 'OwnerRemoved' | 'Leaked' | null;
    hint: string;
    digest: string;
    prev_digest: string | null;
    prev_digest_until: number | null;
    permissions: string;
    /** The member who created it (for a personal token: its owner); null when a service token created it. */
    creator_member_id: string | null;
    creator_user_id: string | null;
    creator_token_id: string | null;
    creator_name: string;
    created_at: number;
    updated_at: number;
    last_used_at: number | null;
    expires_at: number | null;
    /** A JSON array of canonical CIDR ranges the token may be used from; null: anywhere. Never changes. */
    allowed_cidrs: string | null;
  };
  /** An organization's token policy; no row: the default, which asks nothing. Booleans are 0/1. */
  token_policies: { org_id: string; max_lifetime_days: number | null; require_expiry: number; allow_following_owner: number; updated_at: number };
  projects: { id: string; org_id: string; key: string; name: string; created_at: number; updated_at: number };
  environments: {
    id: string;
    org_id: string;
    project_id: string;
    key: string;
    name: string;
    description: string;
    /** FeatBit's EnvironmentSettings as JSON text: {"requireChangeComment": boolean}. */
    settings: Generated<string>;
    created_at: number;
    updated_at: number;
  };
  env_secrets: {
    id: string;
    org_id: string;
    env_id: string;
    name: string;
    type: 'server' | 'client';
    digest: string;
    hint: string;
    value: string | null; // client keys only
    prev_digest: string | null;
    prev_until: number | null;
    created_at: number;
    updated_at: number;
  };
  feature_flags: {
    id: string;
    org_id: string;
    env_id: string;
    key: string;
    name: string;
    description: string;
    is_enabled: number;
    variation_type: string;
    variations: string;
    enabled_variation_id: string;
    disabled_variation_id: string;
    revision: string;
    target_users: string;
    rules: string;
    fallthrough: string;
    expt_include_all_targets: number;
    creator_id: string;
    updator_id: string;
    tags: string;
    is_archived: number;
    created_at: number;
    updated_at: number;
  };
  segments: {
    id: string;
    org_id: string;
    env_id: string;
    key: string;
    name: string;
    description: string;
    included: string;
    excluded: string;
    type: string;
    scopes: string;
    rules: string;
    tags: string;
    is_archived: number;
    created_at: number;
    updated_at: number;
  };
  /** Sign-in attempts per key (a digest of `email:…` or `address:…`) in the current window. */
  login_attempts: { key: string; window_start: number; attempts: number };
  flag_insights: { env_id: string; flag_key: string; hour: number; variation_id: string; count: number; last_at: number };
  audit_logs: {
    id: string;
    org_id: string;
    seq: number;
    created_at: number;
    action: string;
    ref_type: string;
    ref_id: string;
    ref_key: string;
    project_id: string | null;
    env_id: string | null;
    rn: string;
    actor_kind: 'member' | 'token' | 'system';
    actor_member_id: string | null;
    actor_name: string | null;
    actor_token_id: string | null;
    actor_token_name: string | null;
    changes: string;
    comment: string;
  };
}

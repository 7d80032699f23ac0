// An organization's rules for its tokens, as pure decisions: which rules a token breaks. The same function refuses
// a new token (422, every broken rule named) and an existing one (403 TokenViolatesPolicy, on every request while
// the policy stands: the token is not changed, so loosening the policy brings it back).

/** What the organization asks of every token. The default asks nothing. */
export interface TokenPolicy {
  /** A token must expire within this many days of its creation (one without an expiry breaks it); null: no cap. */
  maxLifetimeDays: number | null;
  /** A token must have an expiry. */
  requireExpiry: boolean;
  /** A personal token may follow its owner in full (created with no statements of its own). */
  allowPersonalTokensThatFollowOwner: boolean;
}

export const DEFAULT_TOKEN_POLICY: Readonly<TokenPolicy> = Object.freeze({ maxLifetimeDays: null, requireExpiry: false, allowPersonalTokensThatFollowOwner: true });

export const MAX_LIFETIME_DAYS = 3650;

/** The policy as the hot path checks it: null when it asks nothing (most organizations), so no check runs. */
export interface CompiledTokenPolicy {
  maxLifetimeMs: number | null;
  requireExpiry: boolean;
  allowFollowingOwner: boolean;
}

/** What the policy looks at in a token. */
export interface TokenPolicyFacts {
  createdAt: number;
  expiresAt: number | null;
  /** A personal token with no statements of its own. */
  followsOwner: boolean;
}

export type TokenPolicyRule = 'TokenExpiryRequired' | 'TokenLifetimeExceedsPolicy' | 'PersonalTokenFollowingOwnerNotAllowed';

const DAY_MS = 86_400_000;

export function compileTokenPolicy(p: TokenPolicy): CompiledTokenPolicy | null {
  if (p.maxLifetimeDays === null && !p.requireExpiry && p.allowPersonalTokensThatFollowOwner) return null;
  return { maxLifetimeMs: p.maxLifetimeDays === null ? null : p.maxLifetimeDays * DAY_MS, requireExpiry: p.requireExpiry, allowFollowingOwner: p.allowPersonalTokensThatFollowOwner };
}

const RULES: readonly [TokenPolicyRule, (t: TokenPolicyFacts, p: CompiledTokenPolicy) => boolean][] = [
  ['TokenExpiryRequired', (t, p) => p.requireExpiry && t.expiresAt === null],
  // A token with no expiry lives for ever, which is longer than any cap.
  ['TokenLifetimeExceedsPolicy', (t, p) => p.maxLifetimeMs !== null && (t.expiresAt === null || t.expiresAt - t.createdAt > p.maxLifetimeMs)],
  ['PersonalTokenFollowingOwnerNotAllowed', (t, p) => !p.allowFollowingOwner && t.followsOwner],
];

/** The first rule the token breaks, or null: what a request made with it checks (no allocation). */
export function tokenPolicyRefusal(token: TokenPolicyFacts, policy: CompiledTokenPolicy | null): TokenPolicyRule | null {
  if (policy === null) return null;
  for (const [name, broken] of RULES) if (broken(token, policy)) return name;
  return null;
}

/** Every rule the token breaks: what a refused creation names. */
export function tokenPolicyViolations(token: TokenPolicyFacts, policy: CompiledTokenPolicy | null): TokenPolicyRule[] {
  return policy === null ? [] : RULES.filter(([, broken]) => broken(token, policy)).map(([name]) => name);
}

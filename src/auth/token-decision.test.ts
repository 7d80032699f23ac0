// The one token decision, one row per case: what is known of the credential and the request → the answer.
import { describe, expect, it } from 'vitest';
import type { Statement } from '../policy/statement.ts';
import { memberEntry, tokenEntry, type MemberEntry, type TokenEntry } from './credential-entry.ts';
import type { CredentialKind } from './credential-format.ts';
import { DEFAULT_TOKEN_POLICY, type TokenPolicy } from './token-policy.ts';
import { decideToken, isLookUp, isRefusal, type RequestFacts, type TokenDecision } from './token-decision.ts';

const NOW = 1_000_000_000;
const DAY = 86_400_000;
const READ: Statement[] = [{ id: 's1', resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/*:env/*'] }];
const ALL: Statement[] = [{ id: 's2', resourceType: '*', effect: 'allow', actions: ['*'], resources: ['*'] }];

function token(over: Partial<Parameters<typeof tokenEntry>[0]> = {}): TokenEntry {
  return tokenEntry(
    {
      id: 't1',
      orgId: 'o1',
      orgKey: 'acme',
      name: 'ci',
      type: 'Service',
      status: 'Active',
      expiresAt: null,
      ownerMemberId: 'm1',
      permissions: READ,
      current: true,
      prevDigestUntil: null,
      createdAt: NOW - DAY,
      allowedCidrs: null,
      policy: null,
      ...over,
    },
    NOW,
  );
}
const personal = (over: Partial<Parameters<typeof tokenEntry>[0]> = {}) => token({ type: 'Personal', permissions: [], ...over });
const member = (orgId = 'o1'): MemberEntry => memberEntry({ memberId: 'm1', userId: 'u1', orgId, orgKey: 'acme', name: 'Ada', email: 'ada@x', statements: ALL }, NOW);

/** What a decision reads as in the table: a refusal's status, what to look up next, or the principal's token type and layer count. */
function outcome(d: TokenDecision): string {
  if (isRefusal(d)) return `${d.status} ${d.code}`;
  if (isLookUp(d)) return `look up ${d.lookUp}`;
  return `${d.tokenType} principal, ${d.permission.layers.length} layer(s)`;
}

const header: RequestFacts = { now: NOW, via: 'header', clientAddress: '203.0.113.9' };
const cookie: RequestFacts = { ...header, via: 'cookie' };
const at = (now: number): RequestFacts => ({ ...header, now });
/** The request as the credential gate (and the flag read, before it asks) knows it: no client address resolved. */
const unresolved: RequestFacts = { now: NOW, via: 'header' };
const from = (clientAddress: string): RequestFacts => ({ ...header, clientAddress });
const policy = (p: Partial<TokenPolicy>): TokenPolicy => ({ ...DEFAULT_TOKEN_POLICY, ...p });
const HERE = ['203.0.113.0/24', '2001:db8::/32'];
const ELSEWHERE = ['10.0.0.0/8'];

type Row = [string, { kind: CredentialKind | null; token?: TokenEntry | null; owner?: MemberEntry | null }, RequestFacts, string];

const TABLE: Row[] = [
  // Before any look-up (the credential gate's question).
  ['malformed or wrong checksum', { kind: null }, header, '401 Unauthorized'],
  ['a token in the session cookie', { kind: 'Personal' }, cookie, '401 Unauthorized'],
  ['a service token in the cookie', { kind: 'Service' }, cookie, '401 Unauthorized'],
  ['a session in the cookie', { kind: 'Session' }, cookie, 'look up session'],
  ['a session as Bearer', { kind: 'Session' }, header, 'look up session'],
  ['a well-formed token, not looked up', { kind: 'Service' }, header, 'look up token'],
  // After the token look-up.
  ['unknown token', { kind: 'Service', token: null }, header, '401 Unauthorized'],
  ['active service token', { kind: 'Service', token: token() }, header, 'Service principal, 1 layer(s)'],
  ['expired token, at its expiry', { kind: 'Service', token: token({ expiresAt: NOW }) }, header, '401 Unauthorized'],
  ['token before its expiry', { kind: 'Service', token: token({ expiresAt: NOW + 1 }) }, header, 'Service principal, 1 layer(s)'],
  ['inactive token', { kind: 'Service', token: token({ status: 'Inactive' }) }, header, '403 Forbidden'],
  ['expired and inactive: expiry wins (same 401 as unknown)', { kind: 'Service', token: token({ status: 'Inactive', expiresAt: 1 }) }, header, '401 Unauthorized'],
  ['pre-reset secret within its grace', { kind: 'Service', token: token({ current: false, prevDigestUntil: NOW + 1 }) }, header, 'Service principal, 1 layer(s)'],
  ['pre-reset secret at the end of its grace', { kind: 'Service', token: token({ current: false, prevDigestUntil: NOW }) }, header, '401 Unauthorized'],
  ['pre-reset secret reset with no grace', { kind: 'Service', token: token({ current: false, prevDigestUntil: null }) }, header, '401 Unauthorized'],
  ['pre-reset secret of an inactive token', { kind: 'Service', token: token({ current: false, prevDigestUntil: NOW + 1, status: 'Inactive' }) }, header, '403 Forbidden'],
  // Personal tokens follow their owner.
  ['personal token, owner not looked up', { kind: 'Personal', token: personal() }, header, 'look up owner'],
  ['personal token with no owner recorded', { kind: 'Personal', token: personal({ ownerMemberId: null }), owner: null }, header, '403 Forbidden'],
  ['personal token whose owner left', { kind: 'Personal', token: personal(), owner: null }, header, '403 Forbidden'],
  ["personal token whose owner's membership is another organization's", { kind: 'Personal', token: personal(), owner: member('o2') }, header, '403 Forbidden'],
  ['personal token following its owner', { kind: 'Personal', token: personal(), owner: member() }, header, 'Personal principal, 1 layer(s)'],
  ['narrowed personal token: its own ∩ its owner', { kind: 'Personal', token: personal({ permissions: READ }), owner: member() }, header, 'Personal principal, 2 layer(s)'],
  ['inactive personal token: refused before its owner is looked up', { kind: 'Personal', token: personal({ status: 'Inactive' }) }, header, '403 Forbidden'],
  ['expired personal token: refused before its owner is looked up', { kind: 'Personal', token: personal({ expiresAt: NOW - 1 }) }, header, '401 Unauthorized'],
  // Network-bound tokens (allowedCidrs): checked after the 401s, before the status, so a request from elsewhere learns nothing more.
  ['network-bound token from an allowed IPv4 address', { kind: 'Service', token: token({ allowedCidrs: HERE }) }, header, 'Service principal, 1 layer(s)'],
  ['network-bound token from an allowed IPv6 address', { kind: 'Service', token: token({ allowedCidrs: HERE }) }, from('2001:db8:1::9'), 'Service principal, 1 layer(s)'],
  ['network-bound token from an IPv4-mapped IPv6 address (dual-stack socket)', { kind: 'Service', token: token({ allowedCidrs: HERE }) }, from('::ffff:203.0.113.9'), 'Service principal, 1 layer(s)'],
  ['network-bound token from elsewhere', { kind: 'Service', token: token({ allowedCidrs: ELSEWHERE }) }, header, '403 AddressNotAllowed'],
  ['network-bound token from a neighbouring IPv6 range', { kind: 'Service', token: token({ allowedCidrs: HERE }) }, from('2001:db9::1'), '403 AddressNotAllowed'],
  ['network-bound token from an unreadable address', { kind: 'Service', token: token({ allowedCidrs: HERE }) }, from(''), '403 AddressNotAllowed'],
  ['network-bound token, address not resolved (before routing): nothing decided', { kind: 'Service', token: token({ allowedCidrs: HERE }) }, unresolved, 'look up address'],
  ['network-bound token, address not resolved, but expired: the 401 needs no address', { kind: 'Service', token: token({ allowedCidrs: HERE, expiresAt: NOW }) }, unresolved, '401 Unauthorized'],
  ['a token without ranges needs no address', { kind: 'Service', token: token() }, unresolved, 'Service principal, 1 layer(s)'],
  ['network-bound and expired, from elsewhere: the 401 comes first', { kind: 'Service', token: token({ allowedCidrs: ELSEWHERE, expiresAt: NOW }) }, header, '401 Unauthorized'],
  ['network-bound and inactive, from elsewhere: the address refusal comes first', { kind: 'Service', token: token({ allowedCidrs: ELSEWHERE, status: 'Inactive' }) }, header, '403 AddressNotAllowed'],
  ['network-bound and inactive, from inside', { kind: 'Service', token: token({ allowedCidrs: HERE, status: 'Inactive' }) }, header, '403 Forbidden'],
  ['network-bound personal token from elsewhere: refused before its owner is looked up', { kind: 'Personal', token: personal({ allowedCidrs: ELSEWHERE }) }, header, '403 AddressNotAllowed'],
  ['network-bound personal token from inside', { kind: 'Personal', token: personal({ allowedCidrs: HERE }), owner: member() }, header, 'Personal principal, 1 layer(s)'],
  // The organization's token policy: after the status, so an inactive token stays plain Forbidden.
  ['a policy that asks nothing', { kind: 'Service', token: token({ policy: DEFAULT_TOKEN_POLICY }) }, header, 'Service principal, 1 layer(s)'],
  ['no expiry where the policy requires one', { kind: 'Service', token: token({ policy: policy({ requireExpiry: true }) }) }, header, '403 TokenViolatesPolicy'],
  ['an expiry where the policy requires one', { kind: 'Service', token: token({ policy: policy({ requireExpiry: true }), expiresAt: NOW + DAY }) }, header, 'Service principal, 1 layer(s)'],
  [
    'a lifetime within the cap (measured from creation)',
    { kind: 'Service', token: token({ policy: policy({ maxLifetimeDays: 30 }), createdAt: NOW - 29 * DAY, expiresAt: NOW + DAY }) },
    header,
    'Service principal, 1 layer(s)',
  ],
  ['a lifetime beyond the cap', { kind: 'Service', token: token({ policy: policy({ maxLifetimeDays: 30 }), createdAt: NOW - 29 * DAY, expiresAt: NOW + 2 * DAY }) }, header, '403 TokenViolatesPolicy'],
  ['no expiry under a lifetime cap', { kind: 'Service', token: token({ policy: policy({ maxLifetimeDays: 30 }) }) }, header, '403 TokenViolatesPolicy'],
  ['inactive and breaking the policy: Forbidden first', { kind: 'Service', token: token({ policy: policy({ requireExpiry: true }), status: 'Inactive' }) }, header, '403 Forbidden'],
  [
    'expired and breaking the policy: the 401 first',
    { kind: 'Service', token: token({ policy: policy({ requireExpiry: true, maxLifetimeDays: 1 }), createdAt: NOW - 9 * DAY, expiresAt: NOW }) },
    header,
    '401 Unauthorized',
  ],
  [
    'breaking the policy, from elsewhere: the address refusal first',
    { kind: 'Service', token: token({ policy: policy({ requireExpiry: true }), allowedCidrs: ELSEWHERE }) },
    header,
    '403 AddressNotAllowed',
  ],
  ['breaking the policy, address not resolved: nothing decided', { kind: 'Service', token: token({ policy: policy({ requireExpiry: true }), allowedCidrs: HERE }) }, unresolved, 'look up address'],
  [
    'personal token following its owner where the policy forbids it: refused before its owner is looked up',
    { kind: 'Personal', token: personal({ policy: policy({ allowPersonalTokensThatFollowOwner: false }) }) },
    header,
    '403 TokenViolatesPolicy',
  ],
  [
    'narrowed personal token where following is forbidden',
    { kind: 'Personal', token: personal({ permissions: READ, policy: policy({ allowPersonalTokensThatFollowOwner: false }) }) },
    header,
    'look up owner',
  ],
  [
    'service token with no own statements is not "following"',
    { kind: 'Service', token: token({ policy: policy({ allowPersonalTokensThatFollowOwner: false }) }) },
    header,
    'Service principal, 1 layer(s)',
  ],
];

describe('decideToken', () => {
  it.each(TABLE)('%s → %s', (_name, evidence, facts, expected) => {
    expect(outcome(decideToken(evidence, facts))).toBe(expected);
  });

  it('a token valid until a moment is refused from that moment on, whatever the path', () => {
    const t = token({ expiresAt: NOW + 10 });
    expect(outcome(decideToken({ kind: 'Service', token: t }, at(NOW + 9)))).toBe('Service principal, 1 layer(s)');
    expect(outcome(decideToken({ kind: 'Service', token: t }, at(NOW + 10)))).toBe('401 Unauthorized');
  });

  it('a personal token has its owner identity and both layers; a service token has no person', () => {
    const p = decideToken({ kind: 'Personal', token: personal({ permissions: READ }), owner: member() }, header);
    expect(p).toMatchObject({ kind: 'token', tokenId: 't1', org: { id: 'o1', key: 'acme' }, memberId: 'm1', userId: 'u1', email: 'ada@x' });
    const s = decideToken({ kind: 'Service', token: token() }, header);
    expect(s).toMatchObject({ kind: 'token', tokenType: 'Service', memberId: null, userId: null, name: null, email: null });
  });

  it('reuses one frozen principal while its entries are the same, and builds a new one when the owner changes', () => {
    const t = personal();
    const owner = member();
    const first = decideToken({ kind: 'Personal', token: t, owner }, header);
    expect(decideToken({ kind: 'Personal', token: t, owner }, header)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const reloaded = member();
    const next = decideToken({ kind: 'Personal', token: t, owner: reloaded }, header);
    expect(next).not.toBe(first);
    expect(next).toEqual(first);
  });

  it("a network-bound token's principal names its canonical ranges; an unbound one's names none", () => {
    expect(decideToken({ kind: 'Service', token: token({ allowedCidrs: ['203.0.113.0/24', '2001:DB8::/32'] }) }, header)).toMatchObject({ allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] });
    expect(decideToken({ kind: 'Service', token: token() }, header)).toMatchObject({ allowedCidrs: null });
  });

  it('refusals are shared values: deciding a flood of bad credentials allocates none', () => {
    expect(decideToken({ kind: null }, header)).toBe(decideToken({ kind: 'Service', token: null }, header));
  });
});

// The credential cache: entries age out, each invalidation drops exactly what it may have narrowed, and a load
// that raced an invalidation never puts stale data back.
import { describe, expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.ts';
import { memberEntry, tokenEntry, type SessionEntry } from './credential-entry.ts';

const MAX_AGE = 1000;
const token = (id: string, orgId = 'o1', loadedAt = 0) =>
  tokenEntry(
    {
      id,
      orgId,
      orgKey: 'acme',
      name: id,
      type: 'Service',
      status: 'Active',
      expiresAt: null,
      ownerMemberId: null,
      permissions: [],
      current: true,
      prevDigestUntil: null,
      createdAt: 0,
      allowedCidrs: null,
      policy: null,
    },
    loadedAt,
  );
const session = (id: string, userId: string, orgIds: string[], loadedAt = 0): SessionEntry => ({ id, userId, name: 'Ada', email: 'ada@x', expiresAt: 10_000, orgIds, loadedAt });
const member = (memberId: string, orgId = 'o1', loadedAt = 0) => memberEntry({ memberId, userId: 'u1', orgId, orgKey: 'acme', name: 'Ada', email: 'ada@x', statements: [] }, loadedAt);

describe('CredentialCache', () => {
  it('serves an entry until it is maxAge old, then asks for a reload', () => {
    const c = new CredentialCache(MAX_AGE);
    c.putToken('k', token('t1'), c.stamp());
    expect(c.token('k', MAX_AGE - 1)?.id).toBe('t1');
    expect(c.token('k', MAX_AGE)).toBeUndefined();
  });

  it('caches "not a member" too (null), apart from "not cached" (undefined)', () => {
    const c = new CredentialCache(MAX_AGE);
    expect(c.member('m:x', 0)).toBeUndefined();
    c.putMember('m:x', null, 0, c.stamp());
    expect(c.member('m:x', 1)).toBeNull();
    expect(c.member('m:x', MAX_AGE)).toBeUndefined();
  });

  it('a load that began before an invalidation is not cached', () => {
    const c = new CredentialCache(MAX_AGE);
    const stamp = c.stamp();
    c.invalidate({ kind: 'token', tokenId: 'other' });
    c.putToken('k', token('t1'), stamp);
    c.putSession('s', session('s1', 'u1', ['o1']), stamp);
    c.putMember('m:m1', member('m1'), 0, stamp);
    expect(c.sizes()).toEqual({ tokens: 0, sessions: 0, members: 0 });
  });

  it('a token invalidation drops every digest of that token (current and pre-reset), and nothing else', () => {
    const c = new CredentialCache(MAX_AGE);
    const t1 = token('t1');
    c.putToken('current', t1, c.stamp());
    c.putToken('previous', t1, c.stamp());
    c.putToken('k2', token('t2'), c.stamp());
    c.putMember('m:m1', member('m1'), 0, c.stamp());
    c.invalidate({ kind: 'token', tokenId: 't1' });
    expect(c.token('current', 0)).toBeUndefined();
    expect(c.token('previous', 0)).toBeUndefined();
    expect(c.token('k2', 0)?.id).toBe('t2');
    expect(c.member('m:m1', 0)).not.toBeUndefined();
  });

  it("an organization's invalidation drops its tokens, its members' sessions and every member entry", () => {
    const c = new CredentialCache(MAX_AGE);
    c.putToken('a', token('t1', 'o1'), c.stamp());
    c.putToken('b', token('t2', 'o2'), c.stamp());
    c.putSession('s1', session('s1', 'u1', ['o1', 'o2']), c.stamp());
    c.putSession('s2', session('s2', 'u2', ['o2']), c.stamp());
    c.putMember('m:m1', member('m1', 'o2'), 0, c.stamp());
    c.invalidate({ kind: 'org', orgId: 'o1' });
    expect(c.token('a', 0)).toBeUndefined();
    expect(c.token('b', 0)?.id).toBe('t2');
    expect(c.session('s1', 0)).toBeUndefined();
    expect(c.session('s2', 0)?.id).toBe('s2');
    // Members are keyed by member or by user, not by organization: all go.
    expect(c.member('m:m1', 0)).toBeUndefined();
  });

  it("a session invalidation drops that user's sessions and every member entry, but no token", () => {
    const c = new CredentialCache(MAX_AGE);
    c.putSession('s1', session('s1', 'u1', ['o1']), c.stamp());
    c.putSession('s2', session('s2', 'u2', ['o1']), c.stamp());
    c.putToken('a', token('t1'), c.stamp());
    c.putMember('u:o1:u1', member('m1'), 0, c.stamp());
    c.invalidate({ kind: 'session', userId: 'u1' });
    expect(c.session('s1', 0)).toBeUndefined();
    expect(c.session('s2', 0)?.id).toBe('s2');
    expect(c.token('a', 0)?.id).toBe('t1');
    expect(c.member('u:o1:u1', 0)).toBeUndefined();
  });

  it('flag and SDK-key events leave API credentials alone, and do not spoil a load in flight', () => {
    const c = new CredentialCache(MAX_AGE);
    const stamp = c.stamp();
    c.invalidate({ kind: 'flags', envIds: ['e1'] });
    c.invalidate({ kind: 'sdk-secrets', envIds: ['e1'], secretId: null, reason: 'deleted', graceUntil: null });
    c.putToken('a', token('t1'), stamp);
    expect(c.token('a', 0)?.id).toBe('t1');
  });

  it('"all" empties everything', () => {
    const c = new CredentialCache(MAX_AGE);
    c.putToken('a', token('t1'), c.stamp());
    c.putSession('s1', session('s1', 'u1', ['o1']), c.stamp());
    c.putMember('m:m1', member('m1'), 0, c.stamp());
    c.invalidate({ kind: 'all' });
    expect(c.sizes()).toEqual({ tokens: 0, sessions: 0, members: 0 });
  });

  it('never holds more than maxEntries of a kind: a full map starts over', () => {
    const c = new CredentialCache(MAX_AGE, 2);
    c.putToken('a', token('t1'), c.stamp());
    c.putToken('b', token('t2'), c.stamp());
    c.putToken('c', token('t3'), c.stamp());
    expect(c.sizes().tokens).toBe(1);
    expect(c.token('c', 0)?.id).toBe('t3');
  });
});

// Who may see an audit entry, decided from its RN: one row per kind of RN, and the per-request memory.
import { describe, expect, it } from 'vitest';
import { layer, type MemberPrincipal } from '../auth/principal.ts';
import type { Statement } from '../policy/statement.ts';
import { readCheckOf, visibilityFor } from './audit-visibility.ts';

const member = (statements: Statement[]): MemberPrincipal => ({
  kind: 'member',
  userId: 'u1',
  sessionId: 's1',
  name: 'Ada',
  email: 'ada@x',
  org: { id: 'o1', key: 'acme' },
  memberId: 'm1',
  permission: { layers: [layer(statements, 'm1')] },
  statements,
});
const allow = (resourceType: Statement['resourceType'], actions: string[], resources: string[]): Statement => ({ id: '', resourceType, effect: 'allow', actions, resources });

describe('readCheckOf', () => {
  it.each([
    ['project/web:env/prod:flag/checkout', 'CanAccessEnv project/web:env/prod'],
    ['project/web:env/prod:segment/beta', 'CanAccessEnv project/web:env/prod'],
    ['project/web:env/prod', 'CanAccessEnv project/web:env/prod'],
    ['project/web', 'CanAccessProject project/web'],
    ['access-token/t1', 'ListAccessTokens access-token/*'],
    ['iam/acme', 'CanManageIAM iam/acme'],
    ['organization/acme', 'everyone'],
    // Fail closed: anything not known to be readable is hidden.
    ['flag/checkout', 'nobody'],
    ['project/web:segment/beta', 'nobody'],
    ['not an rn', 'nobody'],
    ['', 'nobody'],
  ])('%s → %s', (text, expected) => {
    const check = readCheckOf(text, 'acme');
    const shown = typeof check === 'string' ? check : `${check.action} ${check.target.segments.map((s) => `${s.type}/${s.key}`).join(':')}`;
    expect(shown).toBe(expected);
  });
});

describe('visibilityFor', () => {
  it('shows an entry exactly when the caller could read what it refers to', () => {
    const visible = visibilityFor(member([allow('env', ['CanAccessEnv'], ['project/web:env/prod'])]));
    expect(visible('project/web:env/prod:flag/checkout')).toBe(true);
    expect(visible('project/web:env/dev:flag/checkout')).toBe(false);
    expect(visible('access-token/t1')).toBe(false);
    expect(visible('iam/acme')).toBe(false);
    expect(visible('organization/acme')).toBe(true);
    expect(visible('garbage')).toBe(false);
  });

  it('a deny wins, as everywhere else', () => {
    const visible = visibilityFor(member([allow('*', ['*'], ['*']), { ...allow('env', ['CanAccessEnv'], ['project/web:env/prod']), effect: 'deny' }]));
    expect(visible('project/web:env/prod:flag/checkout')).toBe(false);
    expect(visible('project/web:env/dev:flag/checkout')).toBe(true);
  });

  it('remembers each answer for the request: the same RN is decided once', () => {
    const p = member([allow('access-token', ['ListAccessTokens'], ['access-token/*'])]);
    const visible = visibilityFor(p);
    expect(visible('access-token/t1')).toBe(true);
    // The principal's layers are frozen per request; a changed layer would not be seen by the same visibility test.
    p.permission.layers = [];
    expect(visible('access-token/t1')).toBe(true);
    expect(visibilityFor(p)('access-token/t1')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { explain, type ExplainLayer } from './explain.ts';
import { rn } from './rn.ts';
import type { Statement } from './statement.ts';

const st = (effect: Statement['effect'], resourceType: Statement['resourceType'], actions: string[], resources: string[]): Statement => ({ id: '', effect, resourceType, actions, resources });
const toggleProd = rn.flag('web', 'prod', 'checkout', ['pay']);

const readEnv = st('allow', 'env', ['CanAccessEnv'], ['project/*:env/*']);
const allFlags = st('allow', 'flag', ['ManageFeatureFlag'], ['project/*:env/*:flag/*']);
const noProd = st('deny', 'flag', ['ToggleFlag'], ['project/web:env/prod']);

const member = (...policies: [string, Statement[]][]): ExplainLayer => ({ role: 'member', policies: policies.map(([id, statements]) => ({ id, name: id.toUpperCase(), statements })) });

describe('explain', () => {
  it('names the allowing statement by policy and 0-based index within that policy', () => {
    const e = explain([member(['p1', [readEnv]], ['p2', [readEnv, allFlags]])], 'ToggleFlag', toggleProd);
    expect(e).toMatchObject({ allowed: true, limitedBy: null, deciding: { layer: 'member', policyId: 'p2', statementIndex: 1 } });
    expect(e.reason).toBe('Allowed: statement 2 of policy "P2" allows ToggleFlag on project/web:env/prod:flag/checkout;pay.');
  });

  it('a deny anywhere wins over an earlier allow, and is the deciding statement', () => {
    const e = explain([member(['p1', [allFlags]], ['p2', [readEnv, noProd]])], 'ToggleFlag', toggleProd);
    expect(e).toMatchObject({ allowed: false, limitedBy: 'deny', deciding: { policyId: 'p2', statementIndex: 1 } });
    expect(e.reason).toContain('statement 2 of policy "P2" denies ToggleFlag');
  });

  it('nothing matching is "no-allow" with no deciding statement', () => {
    expect(explain([member(['p1', [readEnv]])], 'ToggleFlag', toggleProd)).toMatchObject({ allowed: false, limitedBy: 'no-allow', deciding: null });
    expect(explain([], 'ToggleFlag', toggleProd)).toMatchObject({ allowed: false, limitedBy: 'no-allow', deciding: null });
  });

  it('a personal token refused by its own statements is limited by "token"; by its owner\'s, by "owner"', () => {
    const owner: ExplainLayer = { role: 'owner', policies: [{ id: 'dev', name: 'Developer', statements: [allFlags] }] };
    const readOnly: ExplainLayer = { role: 'token', policies: [{ id: null, name: null, statements: [readEnv] }] };
    expect(explain([owner, readOnly], 'ToggleFlag', toggleProd)).toMatchObject({ allowed: false, limitedBy: 'token', deciding: null });
    const wide: ExplainLayer = { role: 'token', policies: [{ id: null, name: null, statements: [allFlags, readEnv] }] };
    const narrowOwner: ExplainLayer = { role: 'owner', policies: [{ id: 'r', name: 'Reader', statements: [readEnv] }] };
    expect(explain([narrowOwner, wide], 'ToggleFlag', toggleProd)).toMatchObject({ allowed: false, limitedBy: 'owner', deciding: null });
    // Both lacking: neither alone is the reason.
    expect(explain([narrowOwner, readOnly], 'ToggleFlag', toggleProd).limitedBy).toBe('no-allow');
    // Allowed by both: the token's own statement is named (the narrower layer).
    const both = explain([owner, wide], 'ToggleFlag', toggleProd);
    expect(both).toMatchObject({ allowed: true, deciding: { layer: 'token', policyId: null, statementIndex: 0 } });
    expect(both.reason).toContain("statement 1 of the token's own statements");
  });

  it('a hidden layer decides but is never named', () => {
    const owner: ExplainLayer = { role: 'owner', hidden: true, policies: [{ id: 'secret-policy', name: 'Secret', statements: [allFlags, noProd] }] };
    const token: ExplainLayer = { role: 'token', policies: [{ id: null, name: null, statements: [allFlags] }] };
    const e = explain([owner, token], 'ToggleFlag', toggleProd);
    expect(e).toMatchObject({ allowed: false, limitedBy: 'deny', deciding: null });
    expect(e.reason).not.toContain('Secret');
    expect(e.reason).not.toContain('secret-policy');
    const ok = explain([owner, token], 'ToggleFlag', rn.flag('web', 'dev', 'checkout'));
    expect(ok).toMatchObject({ allowed: true, deciding: { layer: 'token', statementIndex: 0 } });
  });

  it('reads statements exactly as enforcement does: aliases, prefixes, tags, malformed patterns', () => {
    const tagged = st('allow', 'flag', ['ToggleFlag'], ['project/web:env/prod:flag/*;beta']);
    expect(explain([member(['p', [tagged]])], 'ToggleFlag', toggleProd).allowed).toBe(false);
    expect(explain([member(['p', [tagged]])], 'ToggleFlag', rn.flag('web', 'prod', 'x', ['beta'])).allowed).toBe(true);
    const prefix = st('allow', '*', ['*'], ['project/web']);
    expect(explain([member(['p', [prefix]])], 'ToggleFlag', toggleProd).allowed).toBe(true);
    const broken = st('deny', 'flag', ['ToggleFlag'], ['not a pattern']);
    expect(explain([member(['p', [broken, allFlags]])], 'ToggleFlag', toggleProd)).toMatchObject({ allowed: true, deciding: { statementIndex: 1 } });
    // An action outside the statement's resource type grants nothing.
    const misfit = st('allow', 'env', ['ToggleFlag'], ['*']);
    expect(explain([member(['p', [misfit]])], 'ToggleFlag', toggleProd).limitedBy).toBe('no-allow');
  });

  it('inline policies without an id are named by their position', () => {
    const e = explain(
      [
        {
          role: 'policies',
          policies: [
            { id: null, name: null, statements: [readEnv] },
            { id: null, name: null, statements: [allFlags] },
          ],
        },
      ],
      'ToggleFlag',
      toggleProd,
    );
    expect(e).toMatchObject({ allowed: true, deciding: { layer: 'policies', policyId: null, statementIndex: 0 } });
    expect(e.reason).toContain('statement 1 of policy 2');
  });
});

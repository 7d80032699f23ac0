// Builders for the people and policies tests need, made through the public API like a real client would.
import type { Statement } from '../../src/policy/statement.ts';
import type { TestApp } from './harness.ts';

export interface Session {
  auth: string;
  orgId: string;
  memberId: string;
  email: string;
}

let seq = 0;
const unique = (prefix: string) => `${prefix}${++seq}${Math.random().toString(36).slice(2, 6)}`;

export function expectOk(res: { status: number; body: any }, what = 'request'): any {
  if (res.status !== 200 || !res.body?.success) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export async function setupOwner(t: TestApp, email = 'owner@example.com'): Promise<Session> {
  const data = expectOk(await t.call('POST', '/api/v1/setup', { body: { organizationName: 'Acme', name: 'Olivia Owner', email, password: 'owner-password' } }), 'setup');
  return { auth: `Bearer ${data.session}`, orgId: data.organizationId, memberId: data.memberId, email };
}

export async function login(t: TestApp, email: string, password: string, _orgId?: string): Promise<string> {
  const data = expectOk(await t.call('POST', '/api/v1/identity/login-by-email', { body: { email, password } }), 'login');
  return `Bearer ${data.session}`;
}

export async function builtinPolicyId(t: TestApp, owner: Session, key: 'owner' | 'administrator' | 'developer'): Promise<string> {
  const page = expectOk(await t.call('GET', '/api/v1/policies?pageSize=100', { auth: owner.auth, headers: { organization: owner.orgId } }));
  return page.items.find((p: any) => p.key === key).id;
}

export async function createPolicy(t: TestApp, owner: Session, statements: Omit<Statement, 'id'>[], key = unique('p')): Promise<string> {
  const data = expectOk(await t.call('POST', '/api/v1/policies', { auth: owner.auth, headers: { organization: owner.orgId }, body: { name: key, key, statements } }), 'create policy');
  return data.id;
}

/**
 * Invites `email` into the owner's organization and redeems the code at once, creating the account with
 * `password` (the person's own choice): what a new member does, in one call. Returns the member view.
 */
export async function inviteAndRedeem(
  t: TestApp,
  owner: { auth: string; orgId: string },
  body: { email: string; name?: string; policyIds?: string[]; groupIds?: string[] },
  password = 'member-password',
): Promise<any> {
  const created = expectOk(await t.call('POST', '/api/v1/members', { auth: owner.auth, headers: { organization: owner.orgId }, body }), 'invite member');
  const name = body.name ?? body.email.split('@')[0];
  expectOk(await t.call('POST', '/api/v1/invitations/redeem', { body: { code: created.invitation.code, name, password } }), 'redeem invitation');
  return expectOk(await t.call('GET', `/api/v1/members/${created.member.id}`, { auth: owner.auth, headers: { organization: owner.orgId } }), 'read member');
}

/** A member with exactly these policies (built-in keys or ids), signed in. */
export async function addMember(t: TestApp, owner: Session, opts: { policyIds?: string[]; statements?: Omit<Statement, 'id'>[]; email?: string } = {}): Promise<Session> {
  const email = opts.email ?? `${unique('m')}@example.com`;
  const policyIds = [...(opts.policyIds ?? [])];
  if (opts.statements) policyIds.push(await createPolicy(t, owner, opts.statements));
  const m = await inviteAndRedeem(t, owner, { email, name: email.split('@')[0], policyIds });
  return { auth: await login(t, email, 'member-password'), orgId: owner.orgId, memberId: m.id, email };
}

/** Calls within the session's organization. */
export function as(t: TestApp, s: { auth: string; orgId?: string }) {
  return (method: string, url: string, body?: unknown) => t.call(method, `/api/v1${url}`, { auth: s.auth, headers: s.orgId ? { organization: s.orgId } : {}, body });
}

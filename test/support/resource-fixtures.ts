// People, policies and tokens for the resource tests, written straight into the database so these
// tests do not depend on the IAM or access-token APIs. Resources themselves go through the API.
import { generateCredential } from '../../src/auth/credential-format.ts';
import { ACTIONS } from '../../src/policy/actions.ts';
import { RESOURCE_TYPES, type Statement } from '../../src/policy/statement.ts';
import { createOrganizationWithOwner } from '../../src/organizations/organization-store.ts';
import type { TestApp } from './harness.ts';

export type StatementInput = Omit<Statement, 'id'>;

export interface Org {
  id: string;
  key: string;
  owner: Caller;
}

export interface Caller {
  auth: string;
  memberId: string;
  name: string;
  tokenId?: string;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

export const allow = (resourceType: Statement['resourceType'], actions: string[], resources: string[]): StatementInput => ({ resourceType, effect: 'allow', actions, resources });
export const deny = (resourceType: Statement['resourceType'], actions: string[], resources: string[]): StatementInput => ({ resourceType, effect: 'deny', actions, resources });
export const EVERYTHING = allow('*', ['*'], ['*']);
export const ALL_ACTIONS: string[] = RESOURCE_TYPES.flatMap((t) => [...ACTIONS[t]]);
/** Every concrete action of every type except these, on everything. */
export const allExcept = (...missing: string[]): StatementInput =>
  allow(
    '*',
    ALL_ACTIONS.filter((a) => !missing.includes(a)),
    ['*'],
  );

export function expectOk(res: { status: number; body: any }, what = 'request'): any {
  if (res.status !== 200 || !res.body?.success) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** The first organization, through POST /setup; its owner holds the Owner policy. */
export async function setupOrg(t: TestApp): Promise<Org> {
  const data = expectOk(await t.call('POST', '/api/v1/setup', { body: { organizationName: 'Acme', name: 'Olivia Owner', email: 'owner@example.com', password: 'owner-password' } }), 'setup');
  const org = await t.db.kysely.selectFrom('organizations').select(['id', 'key']).where('id', '=', data.organizationId).executeTakeFirstOrThrow();
  return { ...org, owner: { auth: `Bearer ${data.session}`, memberId: data.memberId, name: 'Olivia Owner' } };
}

async function newSession(t: TestApp, userId: string): Promise<string> {
  const credential = generateCredential('Session');
  const now = t.app.ctx.clock.now();
  await t.db.kysely
    .insertInto('sessions')
    .values({ id: t.app.ctx.ids.next(), digest: t.app.ctx.digester.digest(credential), user_id: userId, created_at: now, expires_at: now + 3_600_000 })
    .execute();
  return `Bearer ${credential}`;
}

async function newUser(t: TestApp, name: string): Promise<string> {
  const id = t.app.ctx.ids.next();
  await t.db.kysely
    .insertInto('users')
    .values({ id, email: `${unique('u')}@example.com`, name, password_hash: 'not-a-hash', created_at: t.app.ctx.clock.now() })
    .execute();
  return id;
}

/** Another organization with its own owner (a different user), as a second tenant. */
export async function otherOrg(t: TestApp, name = 'Globex'): Promise<Org> {
  const userId = await newUser(t, 'Gary Globex');
  const owner = await t.db.kysely.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
  const created = await createOrganizationWithOwner(t.db.kysely, t.app.ctx.ids, t.app.ctx.clock.now(), name, owner);
  return { id: created.org.id, key: created.org.key, owner: { auth: await newSession(t, userId), memberId: created.memberId, name: 'Gary Globex' } };
}

/** A member of `org` whose only policy holds exactly these statements, with a session. */
export async function member(t: TestApp, org: Org, statements: StatementInput[], name = unique('member')): Promise<Caller & { policyId: string }> {
  const k = t.db.kysely;
  const now = t.app.ctx.clock.now();
  const userId = await newUser(t, name);
  const memberId = t.app.ctx.ids.next();
  const policyId = t.app.ctx.ids.next();
  const user = await k.selectFrom('users').select(['email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
  await k.insertInto('members').values({ id: memberId, org_id: org.id, user_id: userId, status: 'Active', email: user.email, name: user.name, invitor_member_id: null, created_at: now }).execute();
  await k
    .insertInto('policies')
    .values({
      id: policyId,
      org_id: org.id,
      key: unique('policy'),
      name: 'test policy',
      description: '',
      type: 'CustomerManaged',
      statements: JSON.stringify(statements.map((s, i) => ({ id: `s${i}`, ...s }))),
      created_at: now,
      updated_at: now,
    })
    .execute();
  await k.insertInto('member_policies').values({ member_id: memberId, policy_id: policyId, org_id: org.id }).execute();
  return { auth: await newSession(t, userId), memberId, name, policyId };
}

/** Replaces a member's statements (and drops what instances cached about the organization). */
export async function setStatements(t: TestApp, org: Org, m: { policyId: string }, statements: StatementInput[]): Promise<void> {
  await t.db.kysely
    .updateTable('policies')
    .set({ statements: JSON.stringify(statements.map((s, i) => ({ id: `s${i}`, ...s }))) })
    .where('id', '=', m.policyId)
    .execute();
  await t.app.ctx.invalidate({ kind: 'org', orgId: org.id });
}

/** A personal token of `owner`, made through POST /access-tokens (permissions [] = all the owner's), usable as `Authorization: <secret>`. */
export async function personalToken(t: TestApp, owner: Caller, name: string, permissions: StatementInput[] = []): Promise<Caller> {
  const data = expectOk(await t.call('POST', '/api/v1/access-tokens', { auth: owner.auth, body: { name, type: 'Personal', permissions } }), 'create token');
  return { auth: data.secret, memberId: owner.memberId, name: owner.name, tokenId: data.id };
}

/** Calls under /api/v1 as one caller. */
export function as(t: TestApp, caller: { auth: string }) {
  return (method: string, url: string, body?: unknown) => t.call(method, `/api/v1${url}`, { auth: caller.auth, body });
}
export type Api = ReturnType<typeof as>;

export interface ProjectInfo {
  id: string;
  key: string;
  env: Record<string, string>;
}

/** Resources made by a caller allowed to make them (normally the owner). */
export function builder(api: Api) {
  return {
    async project(key: string, name = key): Promise<ProjectInfo> {
      const p = expectOk(await api('POST', '/projects', { key, name }), `create project ${key}`);
      return { id: p.id, key: p.key, env: Object.fromEntries(p.environments.map((e: any) => [e.key, e.id])) };
    },
    async env(project: ProjectInfo, key: string): Promise<string> {
      const e = expectOk(await api('POST', `/projects/${project.id}/envs`, { key, name: key }), `create env ${key}`);
      project.env[key] = e.id;
      return e.id;
    },
    async flag(envId: string, key: string, extra: Record<string, unknown> = {}): Promise<any> {
      return expectOk(await api('POST', `/envs/${envId}/feature-flags`, { key, name: key, ...extra }), `create flag ${key}`);
    },
    async archivedFlag(envId: string, key: string, extra: Record<string, unknown> = {}): Promise<any> {
      await this.flag(envId, key, extra);
      // FeatBit's archive answers true: the flag as archived is read back.
      expectOk(await api('PUT', `/envs/${envId}/feature-flags/${key}/archive`), `archive flag ${key}`);
      return expectOk(await api('GET', `/envs/${envId}/feature-flags/${key}`), `read flag ${key}`);
    },
    async segment(envId: string, key: string, extra: Record<string, unknown> = {}): Promise<any> {
      return expectOk(await api('POST', `/envs/${envId}/segments`, { key, name: key, ...extra }), `create segment ${key}`);
    },
    async archivedSegment(envId: string, key: string, extra: Record<string, unknown> = {}): Promise<any> {
      const s = await this.segment(envId, key, extra);
      expectOk(await api('PUT', `/envs/${envId}/segments/${s.id}/archive`), `archive segment ${key}`);
      return expectOk(await api('GET', `/envs/${envId}/segments/${s.id}`), `read segment ${key}`);
    },
  };
}

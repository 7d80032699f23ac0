// A populated organization (and a second, foreign one) with every kind of credential, for the bad-input fuzzer.
import { generateCredential } from '../../../src/auth/credential-format.ts';
import { SESSION_COOKIE, WEB_CLIENT_HEADER, WEB_CLIENT_VALUE } from '../../../src/auth/authenticate.ts';
import { addMember, as, builtinPolicyId, expectOk, setupOwner } from '../../support/fixtures.ts';
import type { TestApp } from '../../support/harness.ts';
import { otherOrg } from '../../support/resource-fixtures.ts';

export type Headers = Record<string, string | string[]>;

export interface Credential {
  name: string;
  headers: Headers;
  /** Authenticates on safe methods (GET). */
  validForGet: boolean;
  /** Authenticates on state-changing methods. */
  validForWrite: boolean;
  /** A session: only sessions read the Organization header. */
  session: boolean;
  /** Valid, but holds only read permissions: refused every change. */
  readOnly?: boolean;
}

/** Path-parameter values that exist in the caller's organization, and the same kinds from another organization. */
export type Ids = Record<'orgId' | 'projectId' | 'envId' | 'key' | 'segmentId' | 'memberId' | 'policyId' | 'groupId' | 'id' | 'status' | 'invitationId', string>;

export interface World {
  own: Ids;
  foreign: Ids;
  ownerEmail: string;
  valid: Credential[];
  invalid: Credential[];
  /** Every secret the world holds (for scans). */
  secrets: string[];
}

const statement = (resourceType: string, actions: string[], resources: string[]) => ({ resourceType, effect: 'allow', actions, resources });

async function populate(call: ReturnType<typeof as>, flagKey: string): Promise<Omit<Ids, 'orgId' | 'memberId' | 'status' | 'id'>> {
  const invited = expectOk(await call('POST', '/members', { email: `fz-invited-${flagKey}@example.com`, policyIds: [] }), 'invitation');
  const project = expectOk(await call('POST', '/projects', { key: 'fz-proj', name: 'Fuzz project' }), 'project');
  const envId = project.environments.find((e: any) => e.key === 'dev').id;
  expectOk(await call('POST', `/envs/${envId}/feature-flags`, { key: flagKey, name: 'Live flag', tags: ['fz'] }), 'flag');
  const segment = expectOk(await call('POST', `/envs/${envId}/segments`, { key: 'fz-seg', name: 'Fuzz segment', included: ['u1'] }), 'segment');
  const group = expectOk(await call('POST', '/groups', { name: 'fz-group', description: 'fuzz' }), 'group');
  const policy = expectOk(await call('POST', '/policies', { key: 'fz-policy', name: 'Fuzz policy', statements: [statement('project', ['CanAccessProject'], ['project/*'])] }), 'policy');
  return { projectId: project.id, envId, key: flagKey, segmentId: segment.id, groupId: group.id, policyId: policy.id, invitationId: invited.invitation.id };
}

export async function buildWorld(t: TestApp): Promise<World> {
  const owner = await setupOwner(t, 'fuzz-owner@example.com');
  const call = as(t, owner);
  const own = await populate(call, 'fz-flag-live');
  const dev = await addMember(t, owner, { policyIds: [await builtinPolicyId(t, owner, 'developer')] });

  const token = async (name: string, type: 'Personal' | 'Service', permissions: unknown[]) =>
    expectOk(await call('POST', '/access-tokens', { name, type, permissions }), `token ${name}`) as { id: string; secret: string };
  const service = await token('fz-service', 'Service', [statement('*', ['*'], ['*'])]);
  const personal = await token('fz-personal', 'Personal', []);
  const readOnly = await token('fz-readonly', 'Service', [
    statement('project', ['CanAccessProject'], ['project/*']),
    statement('env', ['CanAccessEnv'], ['project/*:env/*']),
    statement('access-token', ['ListAccessTokens'], ['access-token/*']),
  ]);
  const deactivated = await token('fz-deactivated', 'Service', [statement('*', ['*'], ['*'])]);
  expectOk(await call('PUT', `/access-tokens/${deactivated.id}/deactivate`), 'deactivate');
  const removed = await token('fz-removed', 'Service', [statement('*', ['*'], ['*'])]);
  expectOk(await call('DELETE', `/access-tokens/${removed.id}`), 'remove');

  const web = await t.call('POST', '/api/v1/identity/login-by-email', { body: { email: owner.email, password: 'owner-password' }, headers: { [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE } });
  const cookieSession = String(web.headers['set-cookie']).match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))![1];

  // A second tenant, with its own resources: its ids must be as unknown to us as made-up ones.
  const globex = await otherOrg(t);
  // A different flag key: keys are per environment, so the same key would be valid in ours.
  const theirs = await populate(as(t, { auth: globex.owner.auth }), 'fz-flag-theirs');
  const theirToken = expectOk(await as(t, { auth: globex.owner.auth })('POST', '/access-tokens', { name: 'their-token', type: 'Personal', permissions: [] }), 'their token');

  const ownerSecret = owner.auth.slice('Bearer '.length);
  const flip = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
  const cookie = (value: string) => `${SESSION_COOKIE}=${value}`;
  const valid: Credential[] = [
    { name: 'owner session', headers: { authorization: owner.auth }, validForGet: true, validForWrite: true, session: true },
    { name: 'owner session, organization header', headers: { authorization: owner.auth, organization: owner.orgId }, validForGet: true, validForWrite: true, session: true },
    { name: 'owner cookie from the web UI', headers: { cookie: cookie(cookieSession), [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE }, validForGet: true, validForWrite: true, session: true },
    { name: 'service token (everything)', headers: { authorization: service.secret }, validForGet: true, validForWrite: true, session: false },
    { name: 'service token as Bearer', headers: { authorization: `Bearer ${service.secret}` }, validForGet: true, validForWrite: true, session: false },
    { name: 'personal token', headers: { authorization: personal.secret }, validForGet: true, validForWrite: true, session: false },
    { name: 'developer session', headers: { authorization: dev.auth }, validForGet: true, validForWrite: true, session: true },
    { name: 'first of two Authorization headers is valid', headers: { authorization: [service.secret, 'garbage'] }, validForGet: true, validForWrite: true, session: false },
    { name: 'read-only service token', headers: { authorization: readOnly.secret }, validForGet: true, validForWrite: true, session: false, readOnly: true },
  ];
  const invalid: Credential[] = [
    { name: 'no credential', headers: {}, validForGet: false, validForWrite: false, session: false },
    { name: 'empty Authorization', headers: { authorization: '' }, validForGet: false, validForWrite: false, session: false },
    { name: 'Bearer and nothing', headers: { authorization: 'Bearer ' }, validForGet: false, validForWrite: false, session: false },
    { name: 'Basic scheme', headers: { authorization: 'Basic b3duZXI6b3duZXItcGFzc3dvcmQ=' }, validForGet: false, validForWrite: false, session: false },
    { name: 'token with a bad checksum', headers: { authorization: flip(service.secret) }, validForGet: false, validForWrite: false, session: false },
    { name: 'session with a bad checksum', headers: { authorization: `Bearer ${flip(ownerSecret)}` }, validForGet: false, validForWrite: false, session: false },
    { name: 'valid-checksum token that never existed', headers: { authorization: generateCredential('Service') }, validForGet: false, validForWrite: false, session: false },
    { name: 'valid-checksum session that never existed', headers: { authorization: `Bearer ${generateCredential('Session')}` }, validForGet: false, validForWrite: false, session: false },
    { name: 'removed token', headers: { authorization: removed.secret }, validForGet: false, validForWrite: false, session: false },
    { name: 'deactivated token', headers: { authorization: deactivated.secret }, validForGet: false, validForWrite: false, session: false },
    { name: 'token in the session cookie', headers: { cookie: cookie(service.secret), [WEB_CLIENT_HEADER]: WEB_CLIENT_VALUE }, validForGet: false, validForWrite: false, session: false },
    { name: 'session cookie without X-Requested-With', headers: { cookie: cookie(cookieSession) }, validForGet: true, validForWrite: false, session: true },
    { name: 'session cookie with a wrong X-Requested-With', headers: { cookie: cookie(cookieSession), [WEB_CLIENT_HEADER]: 'XMLHttpRequest' }, validForGet: true, validForWrite: false, session: true },
    { name: 'first of two Authorization headers is bad', headers: { authorization: ['garbage', service.secret] }, validForGet: false, validForWrite: false, session: false },
    { name: 'token prefix with a 2 KiB tail', headers: { authorization: `ens_svc_${'A'.repeat(2048)}` }, validForGet: false, validForWrite: false, session: false },
    { name: 'session prefix in latin-1', headers: { authorization: `Bearer ens_ses_${'é'.repeat(38)}` }, validForGet: false, validForWrite: false, session: false },
  ];
  return {
    own: { ...own, orgId: owner.orgId, memberId: dev.memberId, id: personal.id, status: 'true' },
    foreign: { ...theirs, orgId: globex.id, memberId: globex.owner.memberId, id: theirToken.id, status: 'maybe' },
    ownerEmail: owner.email,
    valid,
    invalid,
    secrets: [ownerSecret, cookieSession, service.secret, personal.secret, readOnly.secret, deactivated.secret, removed.secret],
  };
}

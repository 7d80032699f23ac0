// Environment secrets (SDK keys): created with every environment, shown whole once (server) or always (client),
// added, renamed, rotated with a grace period and deleted at FeatBit's paths; resolved by the SDK-key resolver,
// which refuses malformed keys without a lookup and deleted or expired ones at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateSdkSecret } from '../../src/sdk-keys/sdk-key-format.ts';
import type { SdkSecretRevocation } from '../../src/sdk-keys/sdk-secret-resolver.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';
import { memoryLog, type MemoryLog } from '../support/memory-log.ts';
import { addMember, builtinPolicyId } from '../support/fixtures.ts';
import { allow, as, expectOk, member, otherOrg, setupOrg, type Api, type Org } from '../support/resource-fixtures.ts';

const SERVER = /^ens_srv_[0-9A-Za-z]{38}$/;
const CLIENT = /^ens_cli_[0-9A-Za-z]{38}$/;
const SERVER_HINT = /^ens_srv_…[0-9A-Za-z]{4}$/;

describe.each(backends)('environment secrets (%s)', (backend) => {
  let t: TestApp;
  let clock: FakeClock;
  let org: Org;
  let owner: Api;
  let log: MemoryLog;
  beforeEach(async () => {
    clock = new FakeClock();
    log = memoryLog('trace');
    t = await makeApp(backend, { clock, logger: log.options });
    org = await setupOrg(t);
    owner = as(t, org.owner);
  });
  afterEach(async () => t.close());

  const resolve = (value: string) => t.app.ctx.sdkSecrets.resolve(value, clock.now());
  const secretRows = () => t.db.kysely.selectFrom('env_secrets').selectAll().orderBy('id').execute();
  const auditRows = () => t.db.kysely.selectFrom('audit_logs').selectAll().orderBy('id').execute();
  const envOf = async (projectId: string, envId: string) => expectOk(await owner('GET', `/projects/${projectId}/envs/${envId}`));

  async function project(key = 'web') {
    const p = expectOk(await owner('POST', '/projects', { key, name: key }));
    const prod = p.environments.find((e: any) => e.key === 'prod');
    const server = prod.secrets.find((s: any) => s.type === 'server');
    const client = prod.secrets.find((s: any) => s.type === 'client');
    return { p, prod, server, client };
  }

  it('creates a server and a client key with every environment of a new project, whole in that response only', async () => {
    const { p } = await project();
    expect(p.environments).toHaveLength(2);
    for (const env of p.environments) {
      expect(env.settings).toEqual({ requireChangeComment: false });
      expect(env.secrets).toEqual([
        { id: expect.any(String), name: 'Server Key', type: 'server', value: expect.stringMatching(SERVER), previousValidUntil: null },
        { id: expect.any(String), name: 'Client Key', type: 'client', value: expect.stringMatching(CLIENT), previousValidUntil: null },
      ]);
      const [server, client] = env.secrets;
      expect(await resolve(server.value)).toEqual({ secretId: server.id, envId: env.id, orgId: org.id, type: 'server', validUntil: null });
      expect(await resolve(client.value)).toEqual({ secretId: client.id, envId: env.id, orgId: org.id, type: 'client', validUntil: null });
      // Later reads: the server key as a hint, the client key whole.
      const later = [{ ...server, value: `ens_srv_…${server.value.slice(-4)}` }, client];
      expect((await envOf(p.id, env.id)).secrets).toEqual(later);
      expect(expectOk(await owner('GET', `/projects/${p.id}`)).environments.find((e: any) => e.id === env.id).secrets).toEqual(later);
      expect(expectOk(await owner('GET', '/projects'))[0].environments.find((e: any) => e.id === env.id).secrets).toEqual(later);
      expect(expectOk(await owner('PUT', `/projects/${p.id}/envs/${env.id}`, { name: 'Renamed' })).secrets).toEqual(later);
    }
    // Stored: server keys only as digests; no server key anywhere in the table.
    const rows = await secretRows();
    expect(rows).toHaveLength(4);
    const dump = JSON.stringify(rows);
    for (const env of p.environments) expect(dump).not.toContain(env.secrets[0].value);
    expect(rows.filter((r) => r.type === 'server').every((r) => r.value === null)).toBe(true);
  });

  it('creates both keys with a new environment, the server key whole in that response only', async () => {
    const { p } = await project();
    const qa = expectOk(await owner('POST', `/projects/${p.id}/envs`, { key: 'qa', name: 'QA' }));
    expect(qa.secrets.map((s: any) => [s.type, s.value])).toEqual([
      ['server', expect.stringMatching(SERVER)],
      ['client', expect.stringMatching(CLIENT)],
    ]);
    expect((await resolve(qa.secrets[0].value))?.envId).toBe(qa.id);
    const later = (await envOf(p.id, qa.id)).secrets;
    expect(later[0].value).toMatch(SERVER_HINT);
    expect(later[1].value).toBe(qa.secrets[1].value);
  });

  it('adds a key (whole once), renames it, and lists it with the environment', async () => {
    const { p, prod } = await project();
    clock.advance(1000);
    const added = expectOk(await owner('POST', `/envs/${prod.id}/secrets`, { name: ' Backend ', type: 'server' }));
    expect(added).toEqual({ id: expect.any(String), name: 'Backend', type: 'server', value: expect.stringMatching(SERVER), previousValidUntil: null });
    expect((await resolve(added.value))?.secretId).toBe(added.id);
    const renamed = expectOk(await owner('PUT', `/envs/${prod.id}/secrets/${added.id}`, { name: 'Backend API' }));
    expect(renamed).toEqual({ ...added, name: 'Backend API', value: `ens_srv_…${added.value.slice(-4)}` });
    expect((await envOf(p.id, prod.id)).secrets.map((s: any) => s.name)).toEqual(['Server Key', 'Client Key', 'Backend API']);
    const client = expectOk(await owner('POST', `/envs/${prod.id}/secrets`, { name: 'Browser', type: 'client' }));
    expect((await envOf(p.id, prod.id)).secrets.find((s: any) => s.id === client.id).value).toBe(client.value);
  });

  it('rotating with a grace period keeps the old key working until the grace ends, then refuses it and says so', async () => {
    const { p, prod, server } = await project();
    const events: SdkSecretRevocation[] = [];
    t.app.ctx.sdkSecrets.onRevoked((e) => events.push(e));
    expect(await resolve(server.value)).not.toBeNull(); // cached now
    const rotated = expectOk(await owner('POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 60 }));
    const graceEnd = clock.now() + 60_000;
    expect(rotated).toEqual({ ...server, value: expect.stringMatching(SERVER), previousValidUntil: new Date(graceEnd).toISOString() });
    expect(rotated.value).not.toBe(server.value);
    expect(await resolve(rotated.value)).toMatchObject({ secretId: server.id, validUntil: null });
    expect(await resolve(server.value)).toMatchObject({ secretId: server.id, validUntil: graceEnd });
    expect((await envOf(p.id, prod.id)).secrets[0]).toEqual({ ...rotated, value: `ens_srv_…${rotated.value.slice(-4)}` });

    clock.advance(60_000 - 1);
    expect(await resolve(server.value)).not.toBeNull();
    events.length = 0;
    clock.advance(1);
    expect(await resolve(server.value)).toBeNull();
    expect(await resolve(rotated.value)).not.toBeNull();
    // The grace end is announced (by the resolver's timer) so open sockets using the old key can be closed.
    t.app.ctx.sdkSecrets.checkGraceEnds(clock.now());
    expect(events).toEqual([{ envId: prod.id, secretId: server.id, reason: 'rotated' }]);
    expect((await envOf(p.id, prod.id)).secrets[0].previousValidUntil).toBeNull();
  });

  it('rotating without a grace period refuses the old key at once; a client key rotates to a new whole value', async () => {
    const { p, prod, server, client } = await project();
    expect(await resolve(server.value)).not.toBeNull();
    const events: SdkSecretRevocation[] = [];
    t.app.ctx.sdkSecrets.onRevoked((e) => events.push(e));
    const rotated = expectOk(await owner('POST', `/envs/${prod.id}/secrets/${server.id}/rotate`));
    expect(rotated.previousValidUntil).toBeNull();
    expect(await resolve(server.value)).toBeNull();
    expect(await resolve(rotated.value)).not.toBeNull();
    expect(events).toEqual([{ envId: prod.id, secretId: server.id, reason: 'rotated' }]);

    const newClient = expectOk(await owner('POST', `/envs/${prod.id}/secrets/${client.id}/rotate`, { graceSeconds: 0 }));
    expect(newClient.value).toMatch(CLIENT);
    expect(await resolve(client.value)).toBeNull();
    expect((await envOf(p.id, prod.id)).secrets[1].value).toBe(newClient.value);
  });

  it('a second rotation ends the first one’s grace at once', async () => {
    const { prod, server } = await project();
    const first = expectOk(await owner('POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 600 }));
    expect(await resolve(server.value)).not.toBeNull();
    const second = expectOk(await owner('POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 600 }));
    expect(await resolve(server.value)).toBeNull();
    expect(await resolve(first.value)).toMatchObject({ validUntil: clock.now() + 600_000 });
    expect(await resolve(second.value)).toMatchObject({ validUntil: null });
  });

  it('concurrent rotations queue: exactly one key is current and one (its predecessor) in grace, none built from a stale read', async () => {
    const { prod, server } = await project();
    const results = await Promise.all(Array.from({ length: 10 }, () => owner('POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 60 })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const values = results.map((r) => r.body.data.value);
    // Serialized, each rotation's predecessor is the previous one's key: the last key is current and the one before it
    // is in grace; the others were replaced by a later rotation. Exactly one is current and exactly one in grace.
    const resolved = await Promise.all(values.map(resolve));
    expect(resolved.filter((r) => r?.validUntil === null)).toHaveLength(1);
    expect(resolved.filter((r) => r !== null && r.validUntil !== null)).toHaveLength(1);
    expect((await auditRows()).filter((a) => a.action === 'RotateEnvSecret')).toHaveLength(10);
  });

  it('deleting a key refuses it at once (even when cached) and announces it; deleting the environment refuses all of its keys', async () => {
    const { p, prod, server, client } = await project();
    const events: SdkSecretRevocation[] = [];
    t.app.ctx.sdkSecrets.onRevoked((e) => events.push(e));
    expect(await resolve(server.value)).not.toBeNull();
    expect(expectOk(await owner('DELETE', `/envs/${prod.id}/secrets/${server.id}`))).toBe(true);
    expect(await resolve(server.value)).toBeNull();
    expect(events).toEqual([{ envId: prod.id, secretId: server.id, reason: 'deleted' }]);
    expect((await envOf(p.id, prod.id)).secrets.map((s: any) => s.id)).toEqual([client.id]);
    expect((await owner('DELETE', `/envs/${prod.id}/secrets/${server.id}`)).status).toBe(404);

    expect(await resolve(client.value)).not.toBeNull();
    events.length = 0;
    expectOk(await owner('DELETE', `/projects/${p.id}/envs/${prod.id}`));
    expect(await resolve(client.value)).toBeNull();
    expect(events).toEqual([{ envId: prod.id, secretId: null, reason: 'deleted' }]);
    expect((await secretRows()).filter((r) => r.env_id === prod.id)).toEqual([]);
  });

  it('deleting a project refuses the keys of all its environments', async () => {
    const { p } = await project();
    const values = p.environments.flatMap((e: any) => e.secrets.map((s: any) => s.value));
    for (const v of values) expect(await resolve(v)).not.toBeNull();
    expectOk(await owner('DELETE', `/projects/${p.id}`));
    for (const v of values) expect(await resolve(v)).toBeNull();
    expect(await secretRows()).toEqual([]);
  });

  it('never asks the database about a string that fails the format or checksum', async () => {
    const { server } = await project();
    const lookups = vi.spyOn(t.app.ctx.kysely, 'selectFrom');
    const forged = server.value.slice(0, -1) + (server.value.endsWith('0') ? '1' : '0');
    for (const bad of ['', 'x', forged, `${server.value}=`, server.value.toLowerCase(), `ens_pat_${server.value.slice(8)}`, `${server.value} `, 'a'.repeat(10_000)]) {
      expect(await resolve(bad)).toBeNull();
    }
    expect(lookups).not.toHaveBeenCalled();
    // A well-formed key nobody issued does cost one lookup (and is refused).
    expect(await resolve(generateSdkSecret('server'))).toBeNull();
    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockRestore();
  });

  it('serves a known key from memory until the re-validation bound', async () => {
    const { server } = await project();
    expect(await resolve(server.value)).not.toBeNull();
    const lookups = vi.spyOn(t.app.ctx.kysely, 'selectFrom');
    for (let i = 0; i < 5; i++) expect(await resolve(server.value)).not.toBeNull();
    expect(lookups).not.toHaveBeenCalled();
    // Deleted behind the server's back: refused once the cache entry reaches the bound (5 s in tests).
    await t.db.kysely.deleteFrom('env_secrets').where('id', '=', server.id).execute();
    clock.advance(4_999);
    expect(await resolve(server.value)).not.toBeNull();
    clock.advance(1);
    expect(await resolve(server.value)).toBeNull();
    lookups.mockRestore();
  });

  it("another organization's environment or key is 404 on every route, and nothing changes", async () => {
    const { prod, server } = await project();
    const other = await otherOrg(t);
    const them = as(t, other.owner);
    const theirs = expectOk(await them('POST', '/projects', { key: 'web', name: 'Web' })).environments[1];
    const before = [await secretRows(), await auditRows()];
    const attempts: [string, string, unknown][] = [
      ['POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'server' }],
      ['PUT', `/envs/${prod.id}/secrets/${server.id}`, { name: 'x' }],
      ['POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, {}],
      ['DELETE', `/envs/${prod.id}/secrets/${server.id}`, undefined],
      // Their own environment, our key id.
      ['PUT', `/envs/${theirs.id}/secrets/${server.id}`, { name: 'x' }],
      ['POST', `/envs/${theirs.id}/secrets/${server.id}/rotate`, {}],
      ['DELETE', `/envs/${theirs.id}/secrets/${server.id}`, undefined],
    ];
    for (const [method, url, body] of attempts) {
      expect({ url, ...(await them(method, url, body)) }).toMatchObject({ url, status: 404, body: { success: false, errors: ['ResourceNotFound'], data: null } });
    }
    expect([await secretRows(), await auditRows()]).toEqual(before);
    expect(await resolve(server.value)).not.toBeNull();
  });

  it('refuses callers without the action and changes nothing: reading the environment is not enough, nor is renaming enough to rotate', async () => {
    const { p, prod, server, client } = await project();
    const PROD = 'project/web:env/prod';
    const reader = as(t, await member(t, org, [allow('project', ['CanAccessProject'], ['project/*']), allow('env', ['CanAccessEnv'], [PROD])]));
    const renamer = as(t, await member(t, org, [allow('env', ['CanAccessEnv', 'UpdateEnvSecret'], [PROD])]));
    const developer = as(t, await member(t, org, [allow('project', ['CanAccessProject'], ['project/*']), allow('env', ['CanAccessEnv'], ['project/*:env/*'])]));
    const before = [await secretRows(), await auditRows()];
    const attempts: [Api, string, string, unknown][] = [
      [reader, 'POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'server' }],
      [reader, 'PUT', `/envs/${prod.id}/secrets/${server.id}`, { name: 'x' }],
      [reader, 'POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 10 }],
      [reader, 'DELETE', `/envs/${prod.id}/secrets/${server.id}`, undefined],
      [renamer, 'POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, {}],
      [renamer, 'POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'client' }],
      [renamer, 'DELETE', `/envs/${prod.id}/secrets/${server.id}`, undefined],
      [developer, 'POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'server' }],
      // A refusal does not reveal whether the key exists.
      [reader, 'DELETE', `/envs/${prod.id}/secrets/no-such-key`, undefined],
    ];
    for (const [api, method, url, body] of attempts) {
      expect({ method, url, ...(await api(method, url, body)) }).toMatchObject({ method, url, status: 403, body: { success: false, errors: ['Forbidden'], data: null } });
    }
    expect([await secretRows(), await auditRows()]).toEqual(before);
    // The reader sees the server key only as a hint, the client key whole.
    const seen = expectOk(await reader('GET', `/projects/${p.id}/envs/${prod.id}`)).secrets;
    expect(seen.map((s: any) => s.value)).toEqual([expect.stringMatching(SERVER_HINT), client.value]);
    expect(expectOk(await renamer('PUT', `/envs/${prod.id}/secrets/${server.id}`, { name: 'Renamed' })).value).toMatch(SERVER_HINT);
  });

  it('the built-in Administrator may add, rotate and delete keys; the built-in Developer may not (as in FeatBit)', async () => {
    const { prod, server } = await project();
    const ownerSession = { auth: org.owner.auth, orgId: org.id, memberId: org.owner.memberId, email: 'owner@example.com' };
    const admin = as(t, await addMember(t, ownerSession, { policyIds: [await builtinPolicyId(t, ownerSession, 'administrator')] }));
    const dev = as(t, await addMember(t, ownerSession, { policyIds: [await builtinPolicyId(t, ownerSession, 'developer')] }));
    const before = await secretRows();
    expect((await dev('POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'server' })).status).toBe(403);
    expect((await dev('POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, {})).status).toBe(403);
    expect((await dev('DELETE', `/envs/${prod.id}/secrets/${server.id}`)).status).toBe(403);
    expect(await secretRows()).toEqual(before);
    const added = expectOk(await admin('POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'server' }));
    expectOk(await admin('POST', `/envs/${prod.id}/secrets/${added.id}/rotate`, {}));
    expectOk(await admin('DELETE', `/envs/${prod.id}/secrets/${added.id}`));
  });

  it('validates bodies (400) and changes nothing', async () => {
    const { prod, server } = await project();
    const before = [await secretRows(), await auditRows()];
    const attempts: [string, string, unknown, string[]][] = [
      ['POST', `/envs/${prod.id}/secrets`, { name: '   ', type: 'server' }, ['name_is_required']],
      ['POST', `/envs/${prod.id}/secrets`, { type: 'server' }, ['name_is_required']],
      ['POST', `/envs/${prod.id}/secrets`, { name: 'x'.repeat(129), type: 'server' }, ['name_is_invalid']],
      ['POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'admin' }, ['type_is_invalid']],
      ['POST', `/envs/${prod.id}/secrets`, { name: 'x', type: 'server', value: 'mine' }, ['value_is_unknown']],
      ['PUT', `/envs/${prod.id}/secrets/${server.id}`, { name: '' }, ['name_is_invalid']],
      ['PUT', `/envs/${prod.id}/secrets/${server.id}`, { name: 'x', type: 'client' }, ['type_is_unknown']],
      ['POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 86_401 }, ['graceSeconds_is_invalid']],
      ['POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: -1 }, ['graceSeconds_is_invalid']],
      ['POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 1.5 }, ['graceSeconds_is_invalid']],
      ['POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { value: 'mine' }, ['value_is_unknown']],
    ];
    for (const [method, url, body, errors] of attempts) {
      const res = await owner(method, url, body);
      expect({ body, status: res.status, errors: res.body.errors }).toEqual({ body, status: 400, errors });
    }
    expect([await secretRows(), await auditRows()]).toEqual(before);
  });

  it('audits every create, rename, rotate and delete with the hint, never the key', async () => {
    const { prod, server } = await project();
    const added = expectOk(await owner('POST', `/envs/${prod.id}/secrets`, { name: 'Browser', type: 'client' }));
    expectOk(await owner('PUT', `/envs/${prod.id}/secrets/${added.id}`, { name: 'Web app' }));
    const rotated = expectOk(await owner('POST', `/envs/${prod.id}/secrets/${server.id}/rotate`, { graceSeconds: 30 }));
    expectOk(await owner('DELETE', `/envs/${prod.id}/secrets/${added.id}`));
    const entries = expectOk(await owner('GET', `/audit-logs?pageSize=100&refType=env-secret`)).items;
    expect(entries.map((e: any) => [e.action, e.refId, e.envId])).toEqual([
      ['DeleteEnvSecret', added.id, prod.id],
      ['RotateEnvSecret', server.id, prod.id],
      ['UpdateEnvSecret', added.id, prod.id],
      ['CreateEnvSecret', added.id, prod.id],
    ]);
    expect(entries[1].changes).toEqual({ before: { hint: `ens_srv_…${server.value.slice(-4)}` }, after: { hint: `ens_srv_…${rotated.value.slice(-4)}`, graceSeconds: 30 } });
    const stored = JSON.stringify(await auditRows());
    for (const v of [server.value, rotated.value, added.value]) {
      expect(stored).not.toContain(v);
      expect(stored).not.toContain(v.slice(8, 40));
    }
  });

  it('never writes a key to the log, even at trace level', async () => {
    const { p, prod, server, client } = await project();
    const added = expectOk(await owner('POST', `/envs/${prod.id}/secrets`, { name: 'Backend', type: 'server' }));
    const rotated = expectOk(await owner('POST', `/envs/${prod.id}/secrets/${added.id}/rotate`, { graceSeconds: 5 }));
    const qa = expectOk(await owner('POST', `/projects/${p.id}/envs`, { key: 'qa', name: 'QA' }));
    await owner('GET', '/projects');
    await resolve(server.value);
    await resolve(rotated.value);
    expectOk(await owner('DELETE', `/envs/${prod.id}/secrets/${added.id}`));
    const values = [server.value, client.value, added.value, rotated.value, ...qa.secrets.map((s: any) => s.value)];
    const text = log.text();
    expect(text.length).toBeGreaterThan(1000);
    for (const v of values) {
      expect(text).not.toContain(v);
      expect(text).not.toContain(v.slice(8, 40));
    }
  });

  it('caps the keys of one environment', async () => {
    const { prod } = await project();
    for (let i = 2; i < 20; i++) expectOk(await owner('POST', `/envs/${prod.id}/secrets`, { name: `k${i}`, type: 'client' }));
    const res = await owner('POST', `/envs/${prod.id}/secrets`, { name: 'one too many', type: 'client' });
    expect([res.status, res.body.errors]).toEqual([422, ['SecretLimitReached']]);
  });
});

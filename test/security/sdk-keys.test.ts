// An SDK key reads every flag and segment of its environment, so handing one out is handing out CanAccessEnv there:
// nobody may mint one (add, rotate, or see a new environment's server key whole) without holding that right.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Statement } from '../../src/policy/statement.ts';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

const SECRET_ACTIONS: Omit<Statement, 'id'> = { resourceType: 'env', effect: 'allow', actions: ['CreateEnvSecret', 'UpdateEnvSecret'], resources: ['project/web:env/prod'] };
const READ_PROD: Omit<Statement, 'id'> = { resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/prod'] };
const CREATE_PROJECT: Omit<Statement, 'id'> = { resourceType: 'project', effect: 'allow', actions: ['CreateProject', 'CanAccessProject'], resources: ['project/*'] };

describe.each(backends)('SDK keys are never more than the caller holds (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let o: ReturnType<typeof as>;
  let prodId: string;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
    o = as(t, owner);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    prodId = project.environments.find((e: any) => e.key === 'prod').id;
  });
  afterEach(async () => t.close());

  const token = async (permissions: Omit<Statement, 'id'>[]) => expectOk(await o('POST', '/access-tokens', { name: `t-${Math.random()}`, type: 'Service', permissions })).secret as string;
  const secretRows = () => t.db.kysely.selectFrom('env_secrets').selectAll().where('env_id', '=', prodId).orderBy('id').execute();

  it('adding or rotating a key without CanAccessEnv on its environment is refused, and nothing changes', async () => {
    const narrow = await token([SECRET_ACTIONS]);
    const before = await secretRows();
    const add = await t.call('POST', `/api/v1/envs/${prodId}/secrets`, { auth: narrow, body: { name: 'sneaky', type: 'server' } });
    expect(add.status).toBe(403);
    const rotate = await t.call('POST', `/api/v1/envs/${prodId}/secrets/${before.find((s) => s.type === 'server')!.id}/rotate`, { auth: narrow, body: { graceSeconds: 0 } });
    expect(rotate.status).toBe(403);
    expect(JSON.stringify([add.body, rotate.body])).not.toContain('ens_srv_');
    expect(await secretRows()).toEqual(before);
    // With the right to read the environment as well, the same token may.
    const wider = await token([SECRET_ACTIONS, READ_PROD]);
    const added = expectOk(await t.call('POST', `/api/v1/envs/${prodId}/secrets`, { auth: wider, body: { name: 'ok', type: 'server' } }));
    expect(added.value).toMatch(/^ens_srv_[0-9A-Za-z]{38}$/);
  });

  it('a creator who may not read a new environment sees its server keys only as hints (client keys are public anyway)', async () => {
    const creator = await token([CREATE_PROJECT]);
    const created = expectOk(await t.call('POST', '/api/v1/projects', { auth: creator, body: { name: 'Api', key: 'api' } }));
    for (const env of created.environments) {
      const server = env.secrets.find((s: any) => s.type === 'server');
      const client = env.secrets.find((s: any) => s.type === 'client');
      expect(server.value).toMatch(/^ens_srv_…[0-9A-Za-z]{4}$/);
      expect(client.value).toMatch(/^ens_cli_[0-9A-Za-z]{38}$/);
    }
    // The Owner, who may read every environment, gets them whole in the creating response.
    const mine = expectOk(await o('POST', '/projects', { name: 'Mine', key: 'mine' }));
    for (const env of mine.environments) expect(env.secrets.find((s: any) => s.type === 'server').value).toMatch(/^ens_srv_[0-9A-Za-z]{38}$/);
  });
});

// The hot flag read (one prepared statement, then memory) stays exactly as consistent as the store:
// it never shows a write that is not committed, and every write is visible to the next read.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectOk, setupOwner, type Session } from '../support/fixtures.ts';
import { backends, makeApp, type TestApp } from '../support/harness.ts';

describe.each(backends)('flag reads (%s)', (backend) => {
  let t: TestApp;
  let owner: Session;
  let o: ReturnType<typeof as>;
  let envId: string;
  beforeEach(async () => {
    t = await makeApp(backend);
    owner = await setupOwner(t);
    o = as(t, owner);
    const project = expectOk(await o('POST', '/projects', { name: 'Web', key: 'web' }));
    envId = project.environments.find((e: any) => e.key === 'prod').id;
    expectOk(await o('POST', `/envs/${envId}/feature-flags`, { key: 'checkout', name: 'Checkout' }));
  });
  afterEach(async () => t.close());

  it('never shows a write that is still inside a transaction, even one that is then rolled back', async () => {
    // The caller's credential is cached first, so the read below waits on nothing but the flag itself.
    expect((await o('GET', `/envs/${envId}/feature-flags/absent`)).status).toBe(404);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let written!: () => void;
    const wrote = new Promise<void>((r) => (written = r));
    const transaction = t.db.kysely
      .transaction()
      .execute(async (trx) => {
        await sql`update feature_flags set name = 'Uncommitted' where key = 'checkout'`.execute(trx);
        written();
        await gate;
        throw new Error('roll back');
      })
      .catch((err: Error) => err.message);
    await wrote;
    // SQLite shares one connection with that transaction: the read must queue behind it, not see inside it.
    const read = o('GET', `/envs/${envId}/feature-flags/checkout`);
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await transaction).toBe('roll back');
    expect(expectOk(await read).name).toBe('Checkout');
    expect(expectOk(await o('GET', `/envs/${envId}/feature-flags/checkout`)).name).toBe('Checkout');
  });

  it('every change is served by the very next read (the read cache is dropped before the response)', async () => {
    const read = async () => expectOk(await o('GET', `/envs/${envId}/feature-flags/checkout`));
    expect((await read()).isEnabled).toBe(false); // now cached
    expectOk(await o('PUT', `/envs/${envId}/feature-flags/checkout/toggle/true`));
    expect((await read()).isEnabled).toBe(true);
    expectOk(await o('PUT', `/envs/${envId}/feature-flags/checkout/name`, { name: 'Renamed' }));
    expect((await read()).name).toBe('Renamed');
    expectOk(await o('PUT', `/envs/${envId}/feature-flags/checkout/archive`));
    expect((await read()).isArchived).toBe(true);
    expectOk(await o('DELETE', `/envs/${envId}/feature-flags/checkout`));
    expect((await o('GET', `/envs/${envId}/feature-flags/checkout`)).status).toBe(404);
  });

  it('deleting the environment or the project takes its cached flags with it', async () => {
    const project = expectOk(await o('POST', '/projects', { name: 'Shop', key: 'shop' }));
    const dev = project.environments.find((e: any) => e.key === 'dev').id;
    const prod = project.environments.find((e: any) => e.key === 'prod').id;
    for (const env of [dev, prod]) expectOk(await o('POST', `/envs/${env}/feature-flags`, { key: 'cart', name: 'Cart' }));
    for (const env of [dev, prod]) expectOk(await o('GET', `/envs/${env}/feature-flags/cart`)); // cached
    expectOk(await o('DELETE', `/projects/${project.id}/envs/${dev}`));
    expect((await o('GET', `/envs/${dev}/feature-flags/cart`)).status).toBe(404);
    expectOk(await o('GET', `/envs/${prod}/feature-flags/cart`));
    expectOk(await o('DELETE', `/projects/${project.id}`));
    expect((await o('GET', `/envs/${prod}/feature-flags/cart`)).status).toBe(404);
  });

  it('a cached flag is still checked against the caller: another organization sees 404, a narrower token 403', async () => {
    expectOk(await o('GET', `/envs/${envId}/feature-flags/checkout`)); // cached
    // The same person acting in a second organization of theirs: the environment is not there.
    const other = expectOk(await t.call('POST', '/api/v1/organizations', { auth: owner.auth, headers: { organization: owner.orgId }, body: { name: 'Other' } }), 'create organization');
    const foreign = await t.call('GET', `/api/v1/envs/${envId}/feature-flags/checkout`, { auth: owner.auth, headers: { organization: other.id } });
    expect(foreign.status).toBe(404);
    const dev = expectOk(
      await o('POST', '/access-tokens', { name: 'dev-only', type: 'Service', permissions: [{ resourceType: 'env', effect: 'allow', actions: ['CanAccessEnv'], resources: ['project/web:env/dev'] }] }),
    );
    expect((await t.call('GET', `/api/v1/envs/${envId}/feature-flags/checkout`, { auth: dev.secret })).status).toBe(403);
  });
});

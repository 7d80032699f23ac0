// 0002_targeting on a database holding rows written before it: they stay valid, and a flag keeps serving
// what it served (its enabled variation to everyone when on).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { flagStore } from '../../src/flags/flag-store.ts';
import type { Db } from '../../src/platform/db.ts';
import { migrateTo, migrateToLatest } from '../../src/platform/migrations.ts';
import { segmentStore } from '../../src/segments/segment-store.ts';
import { backends, openTestDb } from '../support/harness.ts';

describe.each(backends)('migration 0002_targeting (%s)', (backend) => {
  let db: Db;
  let dir: string;
  afterEach(async () => {
    if (db.pgSchema) await sql.raw(`drop schema if exists ${db.pgSchema} cascade`).execute(db.kysely);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the targeting columns with defaults; existing flags serve their enabled variation through the fallthrough', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ensign-migration-'));
    db = await openTestDb(backend, dir);
    await migrateTo(db.kysely, '0001_initial', db.pgSchema);
    const k = db.kysely;
    await k.insertInto('organizations').values({ id: 'o1', key: 'acme', name: 'Acme', default_policy_ids: '[]', created_at: 1 }).execute();
    await k.insertInto('projects').values({ id: 'p1', org_id: 'o1', key: 'web', name: 'Web', created_at: 1, updated_at: 1 }).execute();
    await k.insertInto('environments').values({ id: 'e1', org_id: 'o1', project_id: 'p1', key: 'prod', name: 'Prod', description: '', created_at: 1, updated_at: 1 }).execute();
    await sql`insert into feature_flags (id, org_id, env_id, key, name, description, tags, is_archived, created_at, updated_at, is_enabled, variation_type, variations, enabled_variation_id, disabled_variation_id)
              values ('f1', 'o1', 'e1', 'old', 'Old', '', '[]', 0, 5, 7, 1, 'boolean', ${JSON.stringify([
                { id: 'on-1', name: 'true', value: 'true' },
                { id: 'off-1', name: 'false', value: 'false' },
              ])}, 'on-1', 'off-1')`.execute(k);
    await sql`insert into segments (id, org_id, env_id, key, name, description, tags, is_archived, created_at, updated_at, included, excluded)
              values ('s1', 'o1', 'e1', 'vips', 'VIPs', '', '[]', 0, 5, 7, '["u1"]', '[]')`.execute(k);

    expect(await migrateToLatest(k, db.pgSchema)).toContain('0002_targeting');

    const flag = await flagStore(k, db.dialect).find('o1', 'e1', 'old');
    expect(flag).toMatchObject({
      revision: '00000000-0000-0000-0000-000000000000',
      targetUsers: [],
      rules: [],
      fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: 'on-1', rollout: [0, 1], exptRollout: 1 }] },
      exptIncludeAllTargets: true,
      creatorId: '',
      updatorId: '',
      enabledVariationId: 'on-1',
      updatedAt: 7,
    });
    const segment = await segmentStore(k, db.dialect).find('o1', 'e1', 's1');
    expect(segment).toMatchObject({ type: 'environment-specific', scopes: ['project/web:env/prod'], rules: [], included: ['u1'] });
  });
});

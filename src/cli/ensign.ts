// ensign serve | migrate | create-owner | reset-password | tokens list|deactivate — on either database.
import { Command } from 'commander';
import { sql } from 'kysely';
import { loadConfig } from '../config.ts';
import { hashPassword } from '../identity/passwords.ts';
import { normalizeEmail } from '../platform/schemas.ts';
import { createOrganizationWithOwner } from '../organizations/organization-store.ts';
import { systemClock, uuidIds } from '../platform/clock.ts';
import { createAuditLog } from '../audit/audit-log.ts';
import { CLI_ACTOR, deactivateAsOperator } from '../access-tokens/access-token-service.ts';
import { openDatabase, type Db } from '../platform/db.ts';
import { invalidationChannel } from '../platform/invalidation-bus.ts';
import { migrateToLatest } from '../platform/migrations.ts';

async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await migrateToLatest(db.kysely, db.pgSchema);
    return await work(db);
  } finally {
    await db.close();
  }
}

function passwordFrom(opts: { password?: string }): string {
  const password = opts.password ?? process.env.ENSIGN_PASSWORD ?? '';
  if (password.length < 8) throw new Error('a password of at least 8 characters is required (--password or ENSIGN_PASSWORD)');
  return password;
}

/** Tell running PostgreSQL instances to drop cached credentials (a SQLite server notices the commit itself: PRAGMA data_version). */
async function broadcast(db: Db, event: object): Promise<void> {
  if (db.dialect !== 'postgres') return;
  const channel = invalidationChannel(db.pgSchema);
  await sql`select pg_notify(${channel}, ${JSON.stringify({ from: 'cli', event })})`.execute(db.kysely);
}

const program = new Command('ensign').description('Ensign feature-flag server. Configuration comes from the environment (DATABASE_URL, DATA_DIR, ENSIGN_SECRET, HOST, PORT).');

program
  .command('serve')
  .description('run the server (API and web UI)')
  .action(async () => {
    const { serve } = await import('../main.ts');
    await serve();
  });

program
  .command('migrate')
  .description('apply pending schema migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase(config);
    const applied = await migrateToLatest(db.kysely, db.pgSchema);
    await db.close();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  });

program
  .command('create-owner')
  .description('create a user (if new) and a new organization with them as its Owner')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .option('--password <password>', 'or set ENSIGN_PASSWORD (keeps it out of the process list)')
  .option('--org <name>', 'organization name', 'Default')
  .action(async (opts: { email: string; name: string; password?: string; org: string }) => {
    const password = passwordFrom(opts);
    const hash = await hashPassword(password);
    await withDb(async (db) => {
      const now = Date.now();
      const email = normalizeEmail(opts.email);
      const result = await db.kysely.transaction().execute(async (trx) => {
        let user = await trx.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst();
        if (!user) {
          user = { id: uuidIds.next(), email, name: opts.name };
          await trx.insertInto('users').values({ ...user, password_hash: hash, created_at: now }).execute();
        }
        return createOrganizationWithOwner(trx, uuidIds, now, opts.org, user);
      });
      console.log(`organization ${result.org.name} (${result.org.id}) created with ${email} as Owner`);
    });
  });

program
  .command('reset-password')
  .description("set a user's password and end all their sessions")
  .requiredOption('--email <email>')
  .option('--password <password>', 'or set ENSIGN_PASSWORD')
  .action(async (opts: { email: string; password?: string }) => {
    const hash = await hashPassword(passwordFrom(opts));
    await withDb(async (db) => {
      const email = normalizeEmail(opts.email);
      const user = await db.kysely.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (!user) throw new Error(`no user with email ${email}`);
      const log = createAuditLog(systemClock, uuidIds);
      await db.kysely.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
        // One entry in each organization the person belongs to, naming the CLI (never the password).
        const memberships = await trx.selectFrom('members').innerJoin('organizations', 'organizations.id', 'members.org_id').select(['members.id', 'members.org_id', 'organizations.key']).where('members.user_id', '=', user.id).execute();
        for (const m of memberships)
          await log.record(trx, { orgId: m.org_id, actor: CLI_ACTOR, action: 'ResetPassword', refType: 'iam', refId: m.id, refKey: email, rn: `iam/${m.key}`, before: null, after: { sessionsEnded: true } });
      });
      await broadcast(db, { kind: 'session', userId: user.id });
      console.log(`password reset for ${email}; their sessions ended`);
    });
  });

const tokens = program.command('tokens').description('break-glass access to API tokens, straight on the database');

tokens
  .command('list')
  .description('list tokens (never their secrets)')
  .option('--org <key>', 'only this organization (its key)')
  .action(async (opts: { org?: string }) => {
    await withDb(async (db) => {
      let q = db.kysely
        .selectFrom('access_tokens')
        .innerJoin('organizations', 'organizations.id', 'access_tokens.org_id')
        .select(['access_tokens.id', 'organizations.key as org', 'access_tokens.name', 'access_tokens.type', 'access_tokens.status', 'access_tokens.hint', 'access_tokens.creator_name']);
      if (opts.org) q = q.where('organizations.key', '=', opts.org);
      const rows = await q.orderBy('access_tokens.created_at', 'desc').execute();
      for (const r of rows) console.log([r.id, r.org, r.name, r.type, r.status, r.hint, r.creator_name].join('\t'));
      if (rows.length === 0) console.log('no tokens');
    });
  });

tokens
  .command('deactivate <tokenId>')
  .description('deactivate a token at once (audited as the CLI; running servers refuse it from their next request)')
  .action(async (tokenId: string) => {
    await withDb(async (db) => {
      const found = await deactivateAsOperator(db.kysely, createAuditLog(systemClock, uuidIds), tokenId, Date.now());
      if (!found) throw new Error(`no token with id ${tokenId}`);
      await broadcast(db, { kind: 'token', tokenId });
      console.log(`token ${tokenId} deactivated`);
    });
  });

program.parseAsync().catch((err) => {
  console.error(`ensign: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

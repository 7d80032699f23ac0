// ensign serve | migrate | create-owner | reset-password | tokens list|deactivate|lookup|revoke-leaked — on either database.
import { Command } from 'commander';
import { sql } from 'kysely';
import { readFileSync } from 'node:fs';
import { loadConfig, type Config } from '../config.ts';
import { hashPassword } from '../identity/passwords.ts';
import { normalizeEmail } from '../platform/schemas.ts';
import { createOrganizationWithOwner } from '../organizations/organization-store.ts';
import { systemClock, uuidIds } from '../platform/clock.ts';
import { createAuditLog } from '../audit/audit-log.ts';
import { CLI_ACTOR, deactivateAsOperator } from '../access-tokens/access-token-service.ts';
import { findTokensByDigests } from '../access-tokens/access-token-store.ts';
import { createDigester, parseCredential } from '../auth/credential-format.ts';
import { revokeLeaked, type LeakAlert } from '../secret-scanning/leak-service.ts';
import { openDatabase, type Db } from '../platform/db.ts';
import { invalidationChannel } from '../platform/invalidation-bus.ts';
import { migrateToLatest } from '../platform/migrations.ts';

async function withDb<T>(work: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await migrateToLatest(db.kysely, db.pgSchema);
    return await work(db, config);
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
      const log = createAuditLog(systemClock, uuidIds);
      const result = await db.kysely.transaction().execute(async (trx) => {
        let user = await trx.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst();
        const newAccount = !user;
        if (!user) {
          user = { id: uuidIds.next(), email, name: opts.name };
          await trx
            .insertInto('users')
            .values({ ...user, password_hash: hash, created_at: now })
            .execute();
        }
        const created = await createOrganizationWithOwner(trx, uuidIds, now, opts.org, user);
        // An Owner made outside the API is on record in the new organization, naming the CLI (never the password).
        await log.record(trx, {
          orgId: created.org.id,
          actor: CLI_ACTOR,
          action: 'CreateOwner',
          refType: 'iam',
          refId: created.memberId,
          refKey: email,
          rn: `iam/${created.org.key}`,
          before: null,
          after: { organization: created.org.name, policy: 'owner', newAccount },
        });
        return { ...created, newAccount };
      });
      console.log(`organization ${result.org.name} (${result.org.id}) created with ${email} as Owner`);
      // An existing account keeps its own password: say so, so the operator does not hand out one that does not work.
      if (!result.newAccount) console.log(`${email} already had an account: its password is unchanged (the one given was not used)`);
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
        const memberships = await trx
          .selectFrom('members')
          .innerJoin('organizations', 'organizations.id', 'members.org_id')
          .select(['members.id', 'members.org_id', 'organizations.key'])
          .where('members.user_id', '=', user.id)
          .execute();
        for (const m of memberships)
          await log.record(trx, {
            orgId: m.org_id,
            actor: CLI_ACTOR,
            action: 'ResetPassword',
            refType: 'iam',
            refId: m.id,
            refKey: email,
            rn: `iam/${m.key}`,
            before: null,
            after: { sessionsEnded: true },
          });
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

/** All of standard input, for a secret that should not appear in the process list. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

tokens
  .command('lookup [token]')
  .description('which token a secret belongs to, in any organization (give "-" or nothing to read the secret from standard input, out of the process list); never prints the secret')
  .action(async (token?: string) => {
    const secret = (token && token !== '-' ? token : await readStdin()).trim();
    const kind = parseCredential(secret);
    if (kind !== 'Personal' && kind !== 'Service') throw new Error('not an Ensign access token (prefix or checksum does not match)');
    await withDb(async (db, config) => {
      const digest = createDigester(config.secret).digest(secret);
      const [t] = await findTokensByDigests(db.kysely, [digest]);
      if (!t) throw new Error('no token has this secret (it may have been removed, or reset without a grace period)');
      const org = await db.kysely.selectFrom('organizations').select(['key', 'name']).where('id', '=', t.org_id).executeTakeFirst();
      const fields: [string, string | null][] = [
        ['id', t.id],
        ['organization', org ? `${org.key} (${org.name})` : t.org_id],
        ['name', t.name],
        ['type', t.type],
        ['status', t.inactive_reason ? `${t.status} (${t.inactive_reason})` : t.status],
        ['secret', t.digest === digest ? 'current' : 'previous (replaced by a reset)'],
        ['hint', t.hint],
        ['creator', t.creator_name],
        ['created', new Date(Number(t.created_at)).toISOString()],
        ['last used', t.last_used_at === null ? 'never' : new Date(Number(t.last_used_at)).toISOString()],
        ['expires', t.expires_at === null ? 'never' : new Date(Number(t.expires_at)).toISOString()],
      ];
      for (const [k, v] of fields) console.log(`${k}\t${v}`);
    });
  });

tokens
  .command('revoke-leaked <file>')
  .description(
    'deactivate (Leaked) every token listed in a leak report: GitHub\'s secret-scanning alert JSON, [{token, type, url, source}], "-" for standard input; any organization; audited as the CLI; running servers refuse them from their next request',
  )
  .action(async (file: string) => {
    const alerts = leakReportFrom(file === '-' ? await readStdin() : readFileSync(file, 'utf8'));
    await withDb(async (db, config) => {
      const deps = {
        kysely: db.kysely,
        digester: createDigester(config.secret),
        audit: createAuditLog(systemClock, uuidIds),
        clock: systemClock,
        invalidate: async (ids: string[]) => {
          for (const tokenId of ids) await broadcast(db, { kind: 'token', tokenId });
        },
      };
      const { feedback, revoked } = await revokeLeaked(deps, alerts, CLI_ACTOR);
      const ensign = feedback.filter((f) => f.label === 'true_positive').length;
      console.log(`${alerts.length} listed, ${ensign} Ensign access token(s), ${revoked.length} deactivated now`);
      for (const id of revoked) console.log(`deactivated\t${id}`);
    });
  });

/** A leak report: an array of {token, type?, url?, source?}; anything else is refused before the database is opened. */
function leakReportFrom(text: string): LeakAlert[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('the leak report is not JSON');
  }
  if (!Array.isArray(doc)) throw new Error('the leak report must be a JSON array of {token, type, url, source}');
  return doc.map((a: Record<string, unknown>, i) => {
    if (typeof a?.token !== 'string') throw new Error(`entry ${i} has no "token" string`);
    const text = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : '');
    return { token: a.token, type: text('type'), url: text('url'), source: text('source') };
  });
}

program.parseAsync().catch((err) => {
  console.error(`ensign: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

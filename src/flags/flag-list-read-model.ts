// Read model for the flag list (FeatBit's FeatureFlagVm): who created each flag and its last change, from the
// members, access tokens and audit log of the flags' organization. Read only; the list itself is flag-store.ts.
import { sql } from 'kysely';
import type { Q } from '../projects/project-store.ts';
import type { LastChangeVm, UserVm } from './flag-view.ts';

/** FeatBit's answer for someone it cannot find (LastChangeVm's "Ghost"). */
const GHOST = (id: string): UserVm => ({ id, name: 'Ghost', email: 'Ghost' });
const TOKEN_EMAIL = 'Access token';

/** Members (by name and email) and tokens (by name, email "Access token") among `ids`, as FeatBit's UserVm. */
async function usersByIds(db: Q, orgId: string, ids: readonly string[]): Promise<Map<string, UserVm>> {
  const wanted = [...new Set(ids.filter(Boolean))];
  const found = new Map<string, UserVm>();
  if (wanted.length === 0) return found;
  const members = await db
    .selectFrom('members')
    .leftJoin('users', 'users.id', 'members.user_id')
    .select((eb) => ['members.id', eb.fn.coalesce('users.name', 'members.name').as('name'), eb.fn.coalesce('users.email', 'members.email').as('email')])
    .where('members.org_id', '=', orgId)
    .where('members.id', 'in', wanted)
    .execute();
  for (const m of members) found.set(m.id, { id: m.id, name: m.name, email: m.email });
  const rest = wanted.filter((id) => !found.has(id));
  if (rest.length > 0) {
    const tokens = await db.selectFrom('access_tokens').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', rest).execute();
    for (const t of tokens) found.set(t.id, { id: t.id, name: t.name, email: TOKEN_EMAIL });
  }
  return found;
}

interface LastEntry {
  ref_id: string;
  created_at: number | string;
  comment: string;
  actor_kind: string;
  actor_member_id: string | null;
  actor_name: string | null;
  actor_token_id: string | null;
  actor_token_name: string | null;
}

/** The creator and last change of each flag, by flag id; a creator no longer found is null, as in FeatBit. */
export async function flagListExtras(db: Q, orgId: string, flags: readonly { id: string; creatorId: string }[]) {
  const flagIds = flags.map((f) => f.id);
  const last: LastEntry[] =
    flagIds.length === 0
      ? []
      : (
          await sql<LastEntry>`
            select ref_id, created_at, comment, actor_kind, actor_member_id, actor_name, actor_token_id, actor_token_name
              from (select a.*, row_number() over (partition by ref_id order by created_at desc, seq desc, id desc) as n
                      from audit_logs a
                     where org_id = ${orgId} and ref_type = 'flag' and ref_id in (${sql.join(flagIds)})) ranked
             where n = 1`.execute(db)
        ).rows;
  const users = await usersByIds(db, orgId, [...flags.map((f) => f.creatorId), ...last.flatMap((e) => (e.actor_member_id ? [e.actor_member_id] : []))]);
  const operator = (e: LastEntry): UserVm => {
    if (e.actor_kind === 'member' && e.actor_member_id) return users.get(e.actor_member_id) ?? { ...GHOST(e.actor_member_id), name: e.actor_name ?? 'Ghost' };
    if (e.actor_kind === 'token' && e.actor_token_id) return { id: e.actor_token_id, name: e.actor_token_name ?? '', email: TOKEN_EMAIL };
    return { id: '', name: e.actor_name ?? 'System', email: 'System' };
  };
  const lastChanges = new Map<string, LastChangeVm>(last.map((e) => [e.ref_id, { operator: operator(e), happenedAt: new Date(Number(e.created_at)).toISOString(), comment: e.comment ?? '' }]));
  return {
    creator: (f: { creatorId: string }): UserVm | null => users.get(f.creatorId) ?? null,
    lastChange: (f: { id: string }): LastChangeVm | null => lastChanges.get(f.id) ?? null,
  };
}

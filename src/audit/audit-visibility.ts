// Who may see an audit entry: whoever could read what it refers to. Decided from the entry's RN
// (not its refType), so entries written by any feature are covered the same way; an RN of an
// unknown kind is hidden (fail closed).
import { permits, type OrgPrincipal } from '../auth/principal.ts';
import { parseRn, rn, type Rn } from '../policy/rn.ts';

/** The read check an entry's RN calls for: an action on an RN, or `everyone` in the organization, or `nobody`. */
export type ReadCheck = { action: string; target: Rn } | 'everyone' | 'nobody';

export function readCheckOf(rnText: string, orgKey: string): ReadCheck {
  const parsed = parseRn(rnText);
  const head = parsed?.segments[0];
  if (!parsed || !head) return 'nobody';
  switch (head.type) {
    case 'project':
      // Flags, segments and environments are read with CanAccessEnv on their environment.
      if (parsed.segments.length >= 2 && parsed.segments[1].type === 'env') return { action: 'CanAccessEnv', target: rn.env(head.key, parsed.segments[1].key) };
      return parsed.segments.length === 1 ? { action: 'CanAccessProject', target: rn.project(head.key) } : 'nobody';
    case 'access-token':
      return { action: 'ListAccessTokens', target: rn.accessToken('*') };
    case 'iam':
      return { action: 'CanManageIAM', target: rn.iam(orgKey) };
    case 'organization':
      // The organization's name and settings are no secret to anyone acting inside it.
      return 'everyone';
    default:
      return 'nobody';
  }
}

/** A visibility test for one request, remembering its answer per RN (a log repeats the same few RNs). */
export function visibilityFor(p: OrgPrincipal): (rnText: string) => boolean {
  const seen = new Map<string, boolean>();
  return (rnText) => {
    let answer = seen.get(rnText);
    if (answer === undefined) {
      const check = readCheckOf(rnText, p.org.key);
      answer = check === 'everyone' ? true : check === 'nobody' ? false : permits(p.permission, check.action, check.target);
      seen.set(rnText, answer);
    }
    return answer;
  };
}

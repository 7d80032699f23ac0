// Stable error codes from the API, turned into sentences a person can act on.
const MESSAGES: Record<string, string> = {
  Forbidden: 'You do not have permission to do this.',
  Unauthorized: 'Your session has ended. Please sign in again.',
  ResourceNotFound: 'This item no longer exists, or you cannot see it.',
  Conflict: 'Something with this key already exists.',
  KeyHasBeenUsed: 'Something with this key already exists.',
  NameHasBeenUsed: 'This name is already used. Choose another one.',
  LastOwner: 'The organization must keep at least one owner.',
  PermissionsExceedCreator: 'You cannot grant permissions you do not hold yourself.',
  TokenPermissionsAreImmutable: 'A token’s type, owner and permissions cannot be changed after creation; only its name can.',
  TokenOwnerNotMember: 'This token’s owner has left the organization, so it cannot be activated again.',
  TokenLeakedResetFirst: 'This token’s secret was found in public. Reset it to get a new secret, then activate it.',
  CannotModifySysManagedPolicy: 'Built-in policies are read-only. Clone it to make a custom one.',
  CannotDeleteUnarchivedFeatureFlag: 'Archive the flag before deleting it.',
  FlagArchived: 'Archived flags cannot be changed; restore it first.',
  VariationInUse: 'This variation is served somewhere (on, off, individual targeting, a rule or the default rule); stop serving it first.',
  SegmentIsBeingUsed: 'Flags’ rules use this segment, so it cannot be archived. Remove it from their rules first.',
  SegmentArchived: 'Archived segments cannot be changed; restore it first.',
  CannotDeleteUnArchivedSegment: 'Archive the segment before deleting it.',
  segment_is_invalid: 'A rule names a segment that does not exist here, or is archived.',
  targetUsers_is_invalid: 'A user is targeted at more than one variation.',
  TooManyRequests: 'Too many requests. Wait a moment and try again.',
  PayloadTooLarge: 'The request is too large.',
  UnsupportedMediaType: 'The request was not JSON.',
  InternalServerError: 'The server hit an unexpected error. Try again, or check the server logs.',
  NetworkError: 'Could not reach the server. Check your connection.',
  InvalidCredentials: 'Wrong email or password.',
  InvalidInvitation: 'This invitation link is not valid: it may have been used, revoked, replaced by a newer one, or expired. Ask for a new one.',
  AccountExists: 'An account with this email already exists. Sign in with it, then accept the invitation.',
  InvitationEmailMismatch: 'This invitation is for another email address. Sign in with the account it was sent to.',
  WrongCurrentPassword: 'The current password is wrong.',
  MemberNotInvited: 'This member has already joined; there is no invitation to re-issue.',
  TokenLifetimeExceedsPolicy: 'The organization’s token policy caps how long a token may live: choose an earlier expiry.',
  TokenExpiryRequired: 'The organization’s token policy requires every token to expire: choose an expiry.',
  PersonalTokenFollowingOwnerNotAllowed: 'The organization’s token policy requires personal tokens to list their permissions.',
  TokenViolatesPolicy: 'This token breaks the organization’s token policy, so it is refused until the policy allows it.',
  AddressNotAllowed: 'This token cannot be used from this address.',
  allowedCidrs_is_invalid: 'Allowed addresses must be IPv4 or IPv6 ranges like 10.0.0.0/8 or 2001:db8::/32 (at most 32), with no host bits set.',
  PermissionsExceedCaller: 'The token can do more than you can (or from more places), so you cannot do this to it.',
};

// `name_is_required` → "Name is required."
export function humanizeCode(code: string): string {
  if (MESSAGES[code]) return MESSAGES[code];
  if (/^[a-z0-9]+(_[a-z0-9]+)+$/i.test(code)) {
    const words = code
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
    return `${words.charAt(0).toUpperCase() + words.slice(1)}.`;
  }
  // CamelCase codes we do not know yet: split the words.
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2');
  return `${words.charAt(0).toUpperCase() + words.slice(1).toLowerCase()}.`;
}

export function describeErrors(codes: string[]): string {
  if (codes.length === 0) return 'Something went wrong.';
  // Forbidden often comes with a more specific code: show the specific one.
  const specific = codes.filter((c) => c !== 'Forbidden');
  const shown = specific.length > 0 ? specific : codes;
  return [...new Set(shown.map(humanizeCode))].join(' ');
}

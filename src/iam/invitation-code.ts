// Invitation codes: 256 bits from a CSPRNG behind a recognisable prefix. Only a keyed digest is stored
// (auth/credential-format.ts's Digester); the code itself is shown once, to the inviter.
import { randomBytes } from 'node:crypto';

const PREFIX = 'ens_inv_';
const SHAPE = /^ens_inv_[A-Za-z0-9_-]{43}$/;

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export const generateInvitationCode = (): string => PREFIX + randomBytes(32).toString('base64url');

/** Whether the text can be a code at all: anything else is refused without a database read. */
export const isInvitationCodeShaped = (text: string): boolean => typeof text === 'string' && SHAPE.test(text);

/** The UI link: the code rides in the fragment, which browsers never send, so no server or proxy logs it. */
export const invitationUrl = (code: string): string => `/invite#${code}`;

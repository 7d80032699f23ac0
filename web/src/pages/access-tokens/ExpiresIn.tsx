import { Text, Tooltip } from '@mantine/core';
import type { AccessTokenView } from '../../api/types.ts';
import { formatDateTime } from '../../format.ts';

/** What "Expiring soon" means, here and in the list filter. */
export const EXPIRING_SOON_DAYS = 7;
const DAY = 86_400_000;

/** "expires in N days", in orange when that is soon; "Never"; "Expired". */
export function expiresInText(expiresAt: string | null, now = Date.now()): { text: string; soon: boolean } {
  if (!expiresAt) return { text: 'Never', soon: false };
  const left = new Date(expiresAt).getTime() - now;
  if (left <= 0) return { text: 'Expired', soon: true };
  const days = Math.ceil(left / DAY);
  if (left < DAY) return { text: 'Expires today', soon: true };
  return { text: `Expires in ${days} day${days === 1 ? '' : 's'}`, soon: days <= EXPIRING_SOON_DAYS };
}

export function ExpiresIn({ token }: { token: AccessTokenView }) {
  const { text, soon } = expiresInText(token.expiresAt);
  return (
    <Tooltip label={token.expiresAt ? formatDateTime(token.expiresAt) : 'This token does not expire'}>
      <Text span size="sm" c={soon ? 'orange' : undefined} data-testid="token-expires">
        {text}
      </Text>
    </Tooltip>
  );
}

import { Stack, Text } from '@mantine/core';
import type { IssuedInvitation } from '../../api/types.ts';
import { CopyableSecret, ShownOnceModal } from '../../components/shownOnce.tsx';
import { formatDateTime } from '../../format.ts';

function CopyRow({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <CopyableSecret value={value} testId={testId} copyLabel={`Copy ${label.toLowerCase()}`} />
    </Stack>
  );
}

// Shows a freshly issued invitation. The code lives only in the caller's state: closing this dialog loses it for
// good (the server keeps only a fingerprint); re-issuing makes a new one.
export function InvitationModal({ invitation, name, onClose }: { invitation: IssuedInvitation | null; name: string; onClose: () => void }) {
  return (
    <ShownOnceModal
      value={invitation}
      onClose={onClose}
      title="Invitation link"
      warning={{
        title: 'Shown once',
        text: 'This is the only time the link and code are shown. Ensign stores only a fingerprint of the code. If it is lost, re-issue the invitation from the members list: the old link then stops working.',
      }}
    >
      {(invitation) => (
        <>
          <Text size="sm">
            Send this link to <b>{name}</b>. Whoever opens it sets their own password (or accepts with the account they already have for this email) and joins the organization. Until then the member
            is <b>Invited</b> and has no access.
          </Text>
          <CopyRow label="Invitation link" value={new URL(invitation.url, window.location.origin).toString()} testId="invitation-link" />
          <CopyRow label="Invitation code" value={invitation.code} testId="invitation-code" />
          <Text size="xs" c="dimmed">
            Works once, until {formatDateTime(invitation.expiresAt)}.
          </Text>
        </>
      )}
    </ShownOnceModal>
  );
}

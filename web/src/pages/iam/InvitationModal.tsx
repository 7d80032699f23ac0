import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import type { IssuedInvitation } from '../../api/types.ts';
import { IconCheck, IconCopy } from '../../components/icons.tsx';
import { formatDateTime } from '../../format.ts';

function CopyRow({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="stretch">
        <Code block className="secret-box" data-testid={testId} style={{ flex: 1 }}>
          {value}
        </Code>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button onClick={copy} color={copied ? 'teal' : undefined} leftSection={copied ? <IconCheck /> : <IconCopy />} variant="light" h="auto" aria-label={`Copy ${label.toLowerCase()}`}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

// Shows a freshly issued invitation. The code lives only in the caller's state: closing this dialog loses it for
// good (the server keeps only a fingerprint); re-issuing makes a new one.
export function InvitationModal({ invitation, name, onClose }: { invitation: IssuedInvitation | null; name: string; onClose: () => void }) {
  const link = invitation ? new URL(invitation.url, window.location.origin).toString() : '';
  return (
    <Modal opened={invitation !== null} onClose={onClose} title="Invitation link" centered size="lg" closeOnClickOutside={false}>
      {invitation !== null && (
        <Stack>
          <Text size="sm">
            Send this link to <b>{name}</b>. Whoever opens it sets their own password (or accepts with the account they already have for this email) and joins the organization. Until then the member
            is <b>Invited</b> and has no access.
          </Text>
          <CopyRow label="Invitation link" value={link} testId="invitation-link" />
          <CopyRow label="Invitation code" value={invitation.code} testId="invitation-code" />
          <Text size="xs" c="dimmed">
            Works once, until {formatDateTime(invitation.expiresAt)}.
          </Text>
          <Alert color="orange" variant="light" title="Shown once">
            This is the only time the link and code are shown. Ensign stores only a fingerprint of the code. If it is lost, re-issue the invitation from the members list: the old link then stops
            working.
          </Alert>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

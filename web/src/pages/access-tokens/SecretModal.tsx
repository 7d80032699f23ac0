import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { IconCheck, IconCopy } from '../../components/icons.tsx';

// Shows a freshly issued secret. The secret lives only in the caller's state:
// closing this dialog (or reloading) loses it for good.
export function SecretModal({ secret, tokenName, reset, onClose }: { secret: string | null; tokenName: string; reset?: boolean; onClose: () => void }) {
  return (
    <Modal opened={secret !== null} onClose={onClose} title={reset ? 'New secret for this token' : 'Your new access token'} centered size="lg" closeOnClickOutside={false}>
      {secret !== null && (
        <Stack>
          <Text size="sm">
            {reset ? 'The token' : 'Token'} <b>{tokenName}</b> {reset ? 'has a new secret' : 'was created'}. Use it in the <Code>Authorization</Code> header of API requests.
          </Text>
          <Group gap="xs" wrap="nowrap" align="stretch">
            <Code block className="secret-box" data-testid="token-secret" style={{ flex: 1 }}>
              {secret}
            </Code>
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Button onClick={copy} color={copied ? 'teal' : undefined} leftSection={copied ? <IconCheck /> : <IconCopy />} variant="light" h="auto">
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Alert color="orange" variant="light" title="Copy it now">
            This is the only time the secret is shown. It will not be shown again after you close this dialog or leave the page; Ensign stores only a fingerprint of it. If you lose it, reset the
            token.
          </Alert>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

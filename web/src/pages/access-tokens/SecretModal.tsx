import { Code, Text } from '@mantine/core';
import { CopyableSecret, ShownOnceModal } from '../../components/shownOnce.tsx';

// Shows a freshly issued secret. The secret lives only in the caller's state:
// closing this dialog (or reloading) loses it for good.
export function SecretModal({ secret, tokenName, reset, onClose }: { secret: string | null; tokenName: string; reset?: boolean; onClose: () => void }) {
  return (
    <ShownOnceModal
      value={secret}
      onClose={onClose}
      title={reset ? 'New secret for this token' : 'Your new access token'}
      warning={{
        title: 'Copy it now',
        text: 'This is the only time the secret is shown. It will not be shown again after you close this dialog or leave the page; Ensign stores only a fingerprint of it. If you lose it, reset the token.',
      }}
    >
      {(secret) => (
        <>
          <Text size="sm">
            {reset ? 'The token' : 'Token'} <b>{tokenName}</b> {reset ? 'has a new secret' : 'was created'}. Use it in the <Code>Authorization</Code> header of API requests.
          </Text>
          <CopyableSecret value={secret} testId="token-secret" />
        </>
      )}
    </ShownOnceModal>
  );
}

import { Alert, Button, Code, CopyButton, Group, Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { IconCheck, IconCopy } from './icons.tsx';

// A secret (or link) in full, with a button that copies it; `copyLabel` names the button when a dialog has several.
export function CopyableSecret({ value, testId, copyLabel }: { value: string; testId: string; copyLabel?: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="stretch">
      <Code block className="secret-box" data-testid={testId} style={{ flex: 1 }}>
        {value}
      </Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button onClick={copy} color={copied ? 'teal' : undefined} leftSection={copied ? <IconCheck /> : <IconCopy />} variant="light" h="auto" aria-label={copyLabel}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

// A dialog showing something freshly issued (`value`, open while not null) that lives only in the caller's state:
// closing it loses it for good, so a click beside it does not close it. `warning` says so, under the content.
export function ShownOnceModal<T>({
  value,
  title,
  warning,
  doneLabel = 'I have copied it',
  onClose,
  children,
}: {
  value: T | null;
  title: string;
  warning?: { title: string; text: ReactNode };
  doneLabel?: string;
  onClose: () => void;
  children: (value: T) => ReactNode;
}) {
  return (
    <Modal opened={value !== null} onClose={onClose} title={title} centered size="lg" closeOnClickOutside={false}>
      {value !== null && (
        <Stack>
          {children(value)}
          {warning && (
            <Alert color="orange" variant="light" title={warning.title}>
              {warning.text}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose}>{doneLabel}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

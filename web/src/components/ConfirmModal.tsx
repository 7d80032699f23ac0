import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useAction } from '../hooks.ts';
import { ErrorAlert } from './ui.tsx';

export interface ConfirmProps {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export type Confirmation = Omit<ConfirmProps, 'opened' | 'onClose'>;

// A confirmation that stays open and shows the error when the action fails.
export function ConfirmModal({ opened, title, children, confirmLabel, danger, onConfirm, onClose }: ConfirmProps) {
  const { busy, error, setError, run } = useAction();
  const close = () => {
    setError(null);
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={title} centered>
      <Stack>
        <Text size="sm" component="div">
          {children}
        </Text>
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button
            color={danger ? 'red' : undefined}
            loading={busy}
            onClick={() =>
              run(async () => {
                await onConfirm();
                close();
              })
            }
          >
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// Before anything has been asked the dialog is mounted closed, so its first opening fades in like the others.
const NOTHING_ASKED: Confirmation = { title: '', confirmLabel: '', onConfirm: async () => {}, children: null };

// Ask before acting on something: `ask(subject)` opens the confirmation `describe(subject)`;
// render `dialog` once. The last subject stays shown while the dialog fades out.
export function useConfirm<T>(describe: (subject: T) => Confirmation) {
  const [asked, setAsked] = useState<{ subject: T } | null>(null);
  const [opened, setOpened] = useState(false);
  const ask = (subject: T) => {
    setAsked({ subject });
    setOpened(true);
  };
  const dialog = <ConfirmModal {...(asked ? describe(asked.subject) : NOTHING_ASKED)} opened={opened} onClose={() => setOpened(false)} />;
  return { ask, dialog };
}

import { Button, Group, Modal, Stack, TextInput, type ModalProps, type TextInputProps } from '@mantine/core';
import { useCallback, useEffect, useState, type ChangeEvent, type ReactNode } from 'react';
import { useAction } from '../hooks.ts';
import { ErrorAlert } from './ui.tsx';

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

interface FormActionsProps {
  error: unknown;
  errorTitle?: string;
  // A line between the error and the buttons.
  note?: ReactNode;
  busy: boolean;
  submitLabel: string;
  canSubmit?: boolean;
  onCancel: () => void;
}

// The end of a form: what went wrong last time, Cancel, and the submit button.
export function FormActions({ error, errorTitle, note, busy, submitLabel, canSubmit = true, onCancel }: FormActionsProps) {
  return (
    <>
      <ErrorAlert error={error} title={errorTitle} />
      {note}
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={busy} disabled={!canSubmit}>
          {submitLabel}
        </Button>
      </Group>
    </>
  );
}

interface FormModalProps extends Omit<FormActionsProps, 'error' | 'busy' | 'onCancel'> {
  opened: boolean;
  onClose: () => void;
  title: string;
  size?: ModalProps['size'];
  // Closing or moving on after success is the caller's: some dialogs navigate, some hand a result back.
  onSubmit: () => Promise<unknown>;
  children: ReactNode;
}

// A dialog around one form; a failed submit keeps it open and shows why.
export function FormModal({ opened, onClose, title, size, onSubmit, children, ...actions }: FormModalProps) {
  const { busy, error, setError, run } = useAction();
  // Each opening starts without the last attempt's error.
  useEffect(() => setError(null), [opened, setError]);
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered size={size}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(onSubmit);
        }}
      >
        <Stack>
          {children}
          <FormActions {...actions} error={error} busy={busy} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

// A name, and a key made from it until the person types a key themselves (or `derive` is off).
export function useNameAndKey(toKey: (name: string) => string, derive = true) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [touched, setTouched] = useState(false);
  const reset = useCallback((name = '', key = '') => {
    setName(name);
    setKey(key);
    setTouched(false);
  }, []);
  const onNameChange = (e: ChangeEvent<HTMLInputElement>) => {
    const v = e.currentTarget.value;
    setName(v);
    if (!touched && derive) setKey(toKey(v));
  };
  const onKeyChange = (e: ChangeEvent<HTMLInputElement>) => {
    setTouched(true);
    setKey(e.currentTarget.value);
  };
  return { name, key, reset, onNameChange, onKeyChange };
}

export function NameAndKeyInputs({ fields, keyProps }: { fields: ReturnType<typeof useNameAndKey>; keyProps?: TextInputProps }) {
  return (
    <>
      <TextInput label="Name" required value={fields.name} onChange={fields.onNameChange} data-autofocus />
      <TextInput label="Key" required value={fields.key} onChange={fields.onKeyChange} classNames={{ input: 'mono' }} {...keyProps} />
    </>
  );
}

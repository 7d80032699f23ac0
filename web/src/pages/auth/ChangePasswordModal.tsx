import { PasswordInput, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { put } from '../../api/client.ts';
import { FormModal } from '../../components/forms.tsx';
import { useNotify } from '../../components/notify.tsx';

// Changing one's own password: the server checks the current one and signs every other session out.
export function ChangePasswordModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const notify = useNotify();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const mismatch = confirm.length > 0 && confirm !== newPassword;
  useEffect(() => {
    if (!opened) {
      setCurrent('');
      setNew('');
      setConfirm('');
    }
  }, [opened]);
  const submit = async () => {
    await put('/user/password', { currentPassword, newPassword });
    notify('success', 'Your password was changed. Your other sessions were signed out.');
    onClose();
  };
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title="Change password"
      onSubmit={submit}
      submitLabel="Change password"
      errorTitle="Could not change the password"
      canSubmit={!mismatch}
      note={
        <Text size="xs" c="dimmed">
          Every other browser or client signed in as you is signed out; this one stays signed in.
        </Text>
      }
    >
      <PasswordInput label="Current password" required value={currentPassword} onChange={(e) => setCurrent(e.currentTarget.value)} autoComplete="current-password" data-autofocus />
      <PasswordInput label="New password" description="At least 8 characters." required minLength={8} value={newPassword} onChange={(e) => setNew(e.currentTarget.value)} autoComplete="new-password" />
      <PasswordInput
        label="Confirm new password"
        required
        value={confirm}
        onChange={(e) => setConfirm(e.currentTarget.value)}
        autoComplete="new-password"
        error={mismatch ? 'The passwords do not match.' : undefined}
      />
    </FormModal>
  );
}

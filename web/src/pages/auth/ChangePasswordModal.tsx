import { PasswordInput, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { put } from '../../api/client.ts';
import { FormModal } from '../../components/forms.tsx';
import { useNotify } from '../../components/notify.tsx';
import { NewPasswordInputs, useNewPassword } from './NewPassword.tsx';

// Changing one's own password: the server checks the current one and signs every other session out.
export function ChangePasswordModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const notify = useNotify();
  const [currentPassword, setCurrent] = useState('');
  const newPassword = useNewPassword();
  const { reset } = newPassword;
  useEffect(() => {
    if (!opened) {
      setCurrent('');
      reset();
    }
  }, [opened, reset]);
  const submit = async () => {
    await put('/user/password', { currentPassword, newPassword: newPassword.password });
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
      canSubmit={!newPassword.mismatch}
      note={
        <Text size="xs" c="dimmed">
          Every other browser or client signed in as you is signed out; this one stays signed in.
        </Text>
      }
    >
      <PasswordInput label="Current password" required value={currentPassword} onChange={(e) => setCurrent(e.currentTarget.value)} autoComplete="current-password" data-autofocus />
      <NewPasswordInputs fields={newPassword} label="New password" confirmLabel="Confirm new password" />
    </FormModal>
  );
}

import { PasswordInput } from '@mantine/core';
import { useCallback, useState } from 'react';

// A new password typed twice; `mismatch` once the second differs from the first.
export function useNewPassword() {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const mismatch = confirm.length > 0 && confirm !== password;
  const reset = useCallback(() => {
    setPassword('');
    setConfirm('');
  }, []);
  return { password, setPassword, confirm, setConfirm, mismatch, reset };
}

// The two inputs of a new password (at least 8 characters), the second saying when they differ.
export function NewPasswordInputs({ fields, label = 'Password', confirmLabel = 'Confirm password' }: { fields: ReturnType<typeof useNewPassword>; label?: string; confirmLabel?: string }) {
  return (
    <>
      <PasswordInput
        label={label}
        description="At least 8 characters."
        required
        minLength={8}
        value={fields.password}
        onChange={(e) => fields.setPassword(e.currentTarget.value)}
        autoComplete="new-password"
      />
      <PasswordInput
        label={confirmLabel}
        required
        value={fields.confirm}
        onChange={(e) => fields.setConfirm(e.currentTarget.value)}
        autoComplete="new-password"
        error={fields.mismatch ? 'The passwords do not match.' : undefined}
      />
    </>
  );
}

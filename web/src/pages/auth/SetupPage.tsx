import { Button, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { AuthForm, useAuthSubmit } from './AuthCard.tsx';
import { NewPasswordInputs, useNewPassword } from './NewPassword.tsx';

export function SetupPage({ onDone }: { onDone: () => Promise<void> }) {
  const [organizationName, setOrganizationName] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const newPassword = useNewPassword();
  const { password } = newPassword;
  const form = useAuthSubmit(
    async () => {
      await api('POST', '/setup', { body: { organizationName, name, email, password }, quietUnauthorized: true });
      await onDone();
    },
    { blocked: password !== newPassword.confirm },
  );

  return (
    <AuthForm
      title="Create the first owner"
      subtitle="Ensign has no users yet. Name your organization and create its owner account."
      form={form}
      errorTitle="Could not create the owner"
      actions={
        <Button type="submit" loading={form.busy} disabled={newPassword.mismatch}>
          Create owner and sign in
        </Button>
      }
    >
      <TextInput label="Organization name" required value={organizationName} onChange={(e) => setOrganizationName(e.currentTarget.value)} autoFocus />
      <TextInput label="Your name" required value={name} onChange={(e) => setName(e.currentTarget.value)} autoComplete="name" />
      <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoComplete="email" />
      <NewPasswordInputs fields={newPassword} />
    </AuthForm>
  );
}

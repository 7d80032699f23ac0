import { Button, PasswordInput, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { AuthForm, useAuthSubmit } from './AuthCard.tsx';

export function LoginPage({ onDone }: { onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useAuthSubmit(
    async () => {
      await api('POST', '/identity/login-by-email', { body: { email, password }, quietUnauthorized: true });
      await onDone();
    },
    // One message for every failed sign-in: the server does not say which part was wrong.
    { failure: (err) => (err instanceof ApiError && (err.status === 401 || err.status === 400) ? new Error('Wrong email or password.') : err) },
  );

  return (
    <AuthForm
      title="Sign in"
      form={form}
      errorTitle="Could not sign in"
      actions={
        <Button type="submit" loading={form.busy}>
          Sign in
        </Button>
      }
    >
      <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoComplete="username" autoFocus />
      <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" />
    </AuthForm>
  );
}

import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { AuthCard } from './AuthCard.tsx';

export function LoginPage({ onDone }: { onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/identity/login-by-email', { body: { email, password }, quietUnauthorized: true });
      await onDone();
    } catch (err) {
      // One message for every failed sign-in: the server does not say which part was wrong.
      setError(err instanceof ApiError && (err.status === 401 || err.status === 400) ? new Error('Wrong email or password.') : err);
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoComplete="username" autoFocus />
          <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" />
          <ErrorAlert error={error} title="Could not sign in" />
          <Button type="submit" loading={busy}>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { AuthCard } from './AuthCard.tsx';

export function SetupPage({ onDone }: { onDone: () => Promise<void> }) {
  const [organizationName, setOrganizationName] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mismatch = confirm.length > 0 && confirm !== password;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) return;
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/setup', { body: { organizationName, name, email, password }, quietUnauthorized: true });
      await onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Create the first owner" subtitle="Ensign has no users yet. Name your organization and create its owner account.">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Organization name" required value={organizationName} onChange={(e) => setOrganizationName(e.currentTarget.value)} autoFocus />
          <TextInput label="Your name" required value={name} onChange={(e) => setName(e.currentTarget.value)} autoComplete="name" />
          <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoComplete="email" />
          <PasswordInput
            label="Password"
            description="At least 8 characters."
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            autoComplete="new-password"
          />
          <PasswordInput
            label="Confirm password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            autoComplete="new-password"
            error={mismatch ? 'The passwords do not match.' : undefined}
          />
          <ErrorAlert error={error} title="Could not create the owner" />
          <Button type="submit" loading={busy} disabled={mismatch}>
            Create owner and sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

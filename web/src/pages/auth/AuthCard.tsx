import { Center, Group, Paper, Stack, Text } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Logo } from '../../components/Logo.tsx';
import { ErrorAlert, TitleAndDescription } from '../../components/ui.tsx';

export function AuthCard({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={440}>
        <Stack gap="lg">
          <Group gap="xs">
            <Logo size={28} />
            <Text fw={700} size="lg">
              Ensign
            </Text>
          </Group>
          <div>
            <TitleAndDescription title={title} description={subtitle} />
          </div>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

export interface AuthSubmit {
  busy: boolean;
  error: unknown;
  submit: (e: FormEvent) => Promise<void>;
}

// The submit of a signed-out page's form. It stays busy after success (the page moves on); a failure shows
// `failure(err)` (the error itself by default). Nothing is sent while `blocked`.
export function useAuthSubmit(send: () => Promise<void>, { blocked = false, failure = (err: unknown) => err }: { blocked?: boolean; failure?: (err: unknown) => unknown } = {}): AuthSubmit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (blocked) return;
    setBusy(true);
    setError(null);
    try {
      await send();
    } catch (err) {
      setError(failure(err));
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

// An AuthCard around one form: its fields, what went wrong last time, then `actions` (the submit button and any links).
export function AuthForm({
  title,
  subtitle,
  form,
  errorTitle,
  actions,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  form: AuthSubmit;
  errorTitle: string;
  actions: ReactNode;
  children: ReactNode;
}) {
  return (
    <AuthCard title={title} subtitle={subtitle}>
      <form onSubmit={form.submit}>
        <Stack>
          {children}
          <ErrorAlert error={form.error} title={errorTitle} />
          {actions}
        </Stack>
      </form>
    </AuthCard>
  );
}

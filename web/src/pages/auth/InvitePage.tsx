import { Anchor, Button, Group, Text, TextInput } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { api, ApiError, storeOrganizationId } from '../../api/client.ts';
import { Loading } from '../../components/ui.tsx';
import { useRouter } from '../../router.tsx';
import { useSessionApi } from '../../session.tsx';
import { AuthForm, useAuthSubmit } from './AuthCard.tsx';
import { LoginPage } from './LoginPage.tsx';
import { NewPasswordInputs, useNewPassword } from './NewPassword.tsx';

interface Redeemed {
  memberId: string;
  organizationId: string;
  email: string;
}

// The code arrives in the URL fragment (/invite#<code>), which the browser never sends to a server.
const codeFromUrl = () => decodeURIComponent(window.location.hash.slice(1)).trim();

// No Organization header: a previous person's choice must not decide whose invitation this is.
const redeem = (body: Record<string, string>) => api<Redeemed>('POST', '/invitations/redeem', { body, quietUnauthorized: true, withoutOrganization: true });

/** A public page: the person who received an invitation link creates an account, or accepts with the one they have. */
export function InvitePage() {
  const { phase, reload, signOut } = useSessionApi();
  const { navigate } = useRouter();
  const [code, setCode] = useState(codeFromUrl);
  const [signingIn, setSigningIn] = useState(false);

  // Joined: open the new organization, with the link gone from the address bar and history.
  const joined = async (r: Redeemed) => {
    storeOrganizationId(r.organizationId);
    navigate('/', { replace: true });
    await reload();
  };

  if (phase.kind === 'loading') return <Loading label="Loading Ensign…" />;
  if (signingIn && phase.kind !== 'ready') return <LoginPage onDone={reload} />;
  const codeInput = !codeFromUrl() && <TextInput label="Invitation code" required value={code} onChange={(e) => setCode(e.currentTarget.value.trim())} classNames={{ input: 'mono' }} autoFocus />;
  if (phase.kind === 'ready') return <AcceptCard email={phase.profile.email} code={code} codeInput={codeInput} onJoined={joined} onSignOut={signOut} />;
  return <CreateAccountCard code={code} codeInput={codeInput} onJoined={joined} onSignIn={() => setSigningIn(true)} />;
}

function AcceptCard({ email, code, codeInput, onJoined, onSignOut }: { email: string; code: string; codeInput: ReactNode; onJoined: (r: Redeemed) => Promise<void>; onSignOut: () => Promise<void> }) {
  const form = useAuthSubmit(async () => onJoined(await redeem({ code })));
  return (
    <AuthForm
      title="Accept the invitation"
      subtitle={
        <>
          You are signed in as <b>{email}</b>. The invitation must have been sent to this email.
        </>
      }
      form={form}
      errorTitle="Could not accept the invitation"
      actions={
        <Group justify="space-between">
          <Anchor component="button" type="button" size="sm" onClick={() => void onSignOut()}>
            Use another account
          </Anchor>
          <Button type="submit" loading={form.busy} disabled={!code}>
            Accept invitation
          </Button>
        </Group>
      }
    >
      {codeInput}
    </AuthForm>
  );
}

function CreateAccountCard({ code, codeInput, onJoined, onSignIn }: { code: string; codeInput: ReactNode; onJoined: (r: Redeemed) => Promise<void>; onSignIn: () => void }) {
  const [name, setName] = useState('');
  const newPassword = useNewPassword();
  const { password } = newPassword;
  const [accountExists, setAccountExists] = useState(false);
  const form = useAuthSubmit(
    async () => {
      const r = await redeem({ code, name, password });
      // The account is the invitation's email with the password just chosen: sign it in.
      await api('POST', '/identity/login-by-email', { body: { email: r.email, password }, quietUnauthorized: true, withoutOrganization: true });
      await onJoined(r);
    },
    {
      blocked: password !== newPassword.confirm,
      failure: (err) => {
        setAccountExists(err instanceof ApiError && err.has('AccountExists'));
        return err;
      },
    },
  );

  return (
    <AuthForm
      title="Join your team on Ensign"
      subtitle="You were invited to an organization. Choose your name and a password to create your account."
      form={form}
      errorTitle="Could not join"
      actions={
        <>
          {accountExists && (
            <Button variant="light" onClick={onSignIn}>
              Sign in to accept
            </Button>
          )}
          <Button type="submit" loading={form.busy} disabled={newPassword.mismatch || !code}>
            Create account and join
          </Button>
          <Text size="sm" c="dimmed">
            Already have an account with this email?{' '}
            <Anchor component="button" type="button" size="sm" onClick={onSignIn}>
              Sign in
            </Anchor>{' '}
            and accept with it.
          </Text>
        </>
      }
    >
      {codeInput}
      <TextInput label="Your name" required value={name} onChange={(e) => setName(e.currentTarget.value)} autoComplete="name" autoFocus={!codeInput} />
      <NewPasswordInputs fields={newPassword} />
    </AuthForm>
  );
}

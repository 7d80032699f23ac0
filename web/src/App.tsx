import { Button, Center, MantineProvider, Stack, Text } from '@mantine/core';
import { NotifyProvider } from './components/notify.tsx';
import { Loading } from './components/ui.tsx';
import { Router, useRouter } from './router.tsx';
import { SessionProvider, useSessionApi } from './session.tsx';
import { theme } from './theme.ts';
import { SetupPage } from './pages/auth/SetupPage.tsx';
import { LoginPage } from './pages/auth/LoginPage.tsx';
import { InvitePage } from './pages/auth/InvitePage.tsx';
import { Shell } from './Shell.tsx';

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <NotifyProvider>
        <Router>
          <SessionProvider>
            <Gate />
          </SessionProvider>
        </Router>
      </NotifyProvider>
    </MantineProvider>
  );
}

function Gate() {
  const { phase, reload, signOut } = useSessionApi();
  const { path } = useRouter();
  // Reached signed in or not: the invitation page decides what the person can do.
  if (path === '/invite' && phase.kind !== 'setup') return <InvitePage />;
  switch (phase.kind) {
    case 'loading':
      return <Loading label="Loading Ensign…" />;
    case 'setup':
      return <SetupPage onDone={reload} />;
    case 'signedOut':
      return <LoginPage onDone={reload} />;
    case 'error':
      return (
        <Center mih="100vh">
          <Stack align="center">
            <Text c="red">{phase.message}</Text>
            <Button variant="default" onClick={() => void reload()}>
              Try again
            </Button>
            <Button variant="subtle" onClick={() => void signOut()}>
              Sign out
            </Button>
          </Stack>
        </Center>
      );
    case 'ready':
      return <Shell />;
  }
}

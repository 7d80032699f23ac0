import { AppShell, Burger, Group, Menu, NavLink, ScrollArea, Select, Stack, Text, TextInput, UnstyledButton, Avatar } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { post } from './api/client.ts';
import { FormModal } from './components/forms.tsx';
import { Logo } from './components/Logo.tsx';
import { matchPath, useLink, useRouter } from './router.tsx';
import { useSession, useSessionApi } from './session.tsx';
import { AccessTokensPage } from './pages/access-tokens/AccessTokensPage.tsx';
import { MembersPage } from './pages/iam/MembersPage.tsx';
import { MemberDetailPage } from './pages/iam/MemberDetailPage.tsx';
import { GroupsPage } from './pages/iam/GroupsPage.tsx';
import { GroupDetailPage } from './pages/iam/GroupDetailPage.tsx';
import { PoliciesPage } from './pages/iam/PoliciesPage.tsx';
import { PolicyDetailPage } from './pages/iam/PolicyDetailPage.tsx';
import { ProjectsPage } from './pages/projects/ProjectsPage.tsx';
import { FlagsPage } from './pages/projects/FlagsPage.tsx';
import { FlagDetailPage } from './pages/projects/FlagDetailPage.tsx';
import { SegmentsPage } from './pages/targeting/SegmentsPage.tsx';
import { SegmentDetailPage } from './pages/targeting/SegmentDetailPage.tsx';
import { EnvSettingsPage } from './pages/projects/EnvSettingsPage.tsx';
import { AuditPage } from './pages/audit/AuditPage.tsx';
import { OrganizationSettingsPage } from './pages/organization/OrganizationSettingsPage.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { ChangePasswordModal } from './pages/auth/ChangePasswordModal.tsx';

interface NavItem {
  label: string;
  to: string;
  visible: boolean;
}

export function Shell() {
  const session = useSession();
  const { path, navigate } = useRouter();
  const link = useLink();
  const [opened, { toggle, close }] = useDisclosure();
  // A folded navigation is only moved off screen; hide it so keyboard focus cannot wander into it.
  const mobile = useMediaQuery('(max-width: 48em)');
  const navHidden = mobile === true && !opened;

  useEffect(() => {
    if (path === '/' || path === '/setup' || path === '/login') navigate('/projects', { replace: true });
  }, [path, navigate]);
  useEffect(close, [path, close]);

  const tokensVisible = session.canListTokens || session.canManagePersonalTokens || session.canManageServiceTokens;
  const sections: { title: string; items: NavItem[] }[] = [
    { title: 'Feature flags', items: [{ label: 'Projects & flags', to: '/projects', visible: true }] },
    { title: 'Integrations', items: [{ label: 'Access tokens', to: '/integrations/access-tokens', visible: tokensVisible }] },
    {
      title: 'IAM',
      items: [
        { label: 'Members', to: '/iam/members', visible: session.canManageIam },
        { label: 'Groups', to: '/iam/groups', visible: session.canManageIam },
        { label: 'Policies', to: '/iam/policies', visible: session.canManageIam },
      ],
    },
    { title: 'Activity', items: [{ label: 'Audit log', to: '/audit', visible: true }] },
    { title: 'Organization', items: [{ label: 'Settings', to: '/organization/settings', visible: true }] },
  ];

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Group gap={8} wrap="nowrap" component="a" {...link('/projects')} style={{ textDecoration: 'none', color: 'inherit' }}>
              <Logo />
              <Text fw={700} visibleFrom="xs">
                Ensign
              </Text>
            </Group>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <OrganizationSwitcher />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main navigation" style={navHidden ? { visibility: 'hidden' } : undefined}>
        <ScrollArea>
          <Stack gap="md">
            {sections
              .filter((s) => s.items.some((i) => i.visible))
              .map((s) => (
                <div key={s.title}>
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" mb={4}>
                    {s.title}
                  </Text>
                  {s.items
                    .filter((i) => i.visible)
                    .map((i) => (
                      <NavLink key={i.to} label={i.label} active={path === i.to || path.startsWith(`${i.to}/`)} component="a" {...link(i.to)} />
                    ))}
                </div>
              ))}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Routes path={path} />
      </AppShell.Main>
    </AppShell>
  );
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if ((m = matchPath('/projects', path))) return <ProjectsPage />;
  if ((m = matchPath('/projects/:projectId/envs/:envId/flags', path))) return <FlagsPage projectId={m.projectId} envId={m.envId} />;
  if ((m = matchPath('/projects/:projectId/envs/:envId/settings', path))) return <EnvSettingsPage projectId={m.projectId} envId={m.envId} />;
  if ((m = matchPath('/projects/:projectId/envs/:envId/flags/:key', path))) return <FlagDetailPage projectId={m.projectId} envId={m.envId} flagKey={m.key} />;
  if ((m = matchPath('/projects/:projectId/envs/:envId/segments', path))) return <SegmentsPage projectId={m.projectId} envId={m.envId} />;
  if ((m = matchPath('/projects/:projectId/envs/:envId/segments/:id', path))) return <SegmentDetailPage projectId={m.projectId} envId={m.envId} segmentId={m.id} />;
  if ((m = matchPath('/integrations/access-tokens', path))) return <AccessTokensPage />;
  if ((m = matchPath('/iam/members', path))) return <MembersPage />;
  if ((m = matchPath('/iam/members/:id', path))) return <MemberDetailPage memberId={m.id} />;
  if ((m = matchPath('/iam/groups', path))) return <GroupsPage />;
  if ((m = matchPath('/iam/groups/:id', path))) return <GroupDetailPage groupId={m.id} />;
  if ((m = matchPath('/iam/policies', path))) return <PoliciesPage />;
  if ((m = matchPath('/iam/policies/:id', path))) return <PolicyDetailPage policyId={m.id} />;
  if ((m = matchPath('/audit', path))) return <AuditPage />;
  if ((m = matchPath('/organization/settings', path))) return <OrganizationSettingsPage />;
  if (path === '/' || path === '/login' || path === '/setup') return null;
  return <NotFound />;
}

function OrganizationSwitcher() {
  const session = useSession();
  const { switchOrganization } = useSessionApi();
  const orgs = session.profile.organizations;
  if (orgs.length <= 1) {
    return (
      <Text size="sm" fw={500} visibleFrom="xs" data-testid="organization-name" truncate maw={220}>
        {orgs[0]?.name}
      </Text>
    );
  }
  return (
    <Select
      aria-label="Organization"
      data={orgs.map((o) => ({ value: o.id, label: o.name }))}
      value={session.organizationId}
      onChange={(v) => v && v !== session.organizationId && void switchOrganization(v)}
      allowDeselect={false}
      w={200}
      size="sm"
      comboboxProps={{ withinPortal: true }}
    />
  );
}

function UserMenu() {
  const session = useSession();
  const { signOut, switchOrganization } = useSessionApi();
  const [newOrg, setNewOrg] = useState(false);
  const [changingPassword, setChangingPassword] = useState(false);
  const initials = session.profile.name
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <UnstyledButton aria-label="Account menu">
            <Avatar color="indigo" radius="xl" size={34}>
              {initials}
            </Avatar>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>
            {session.profile.name}
            <br />
            {session.profile.email}
          </Menu.Label>
          <Menu.Item onClick={() => setNewOrg(true)}>New organization…</Menu.Item>
          <Menu.Item onClick={() => setChangingPassword(true)}>Change password…</Menu.Item>
          <Menu.Divider />
          <Menu.Item color="red" onClick={() => void signOut()}>
            Sign out
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <ChangePasswordModal opened={changingPassword} onClose={() => setChangingPassword(false)} />
      <NewOrganizationModal opened={newOrg} onClose={() => setNewOrg(false)} onCreated={(id) => void switchOrganization(id)} />
    </>
  );
}

function NewOrganizationModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const [name, setName] = useState('');
  const submit = async () => {
    const org = await post<{ id: string }>('/organizations', { name });
    onClose();
    onCreated(org.id);
  };
  return (
    <FormModal opened={opened} onClose={onClose} title="New organization" onSubmit={submit} submitLabel="Create">
      <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
      <Text size="sm" c="dimmed">
        You become its owner.
      </Text>
    </FormModal>
  );
}

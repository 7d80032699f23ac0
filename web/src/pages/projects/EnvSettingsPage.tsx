import { Badge, Button, Card, Code, CopyButton, Group, Menu, SegmentedControl, Select, Stack, Table, Tabs, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, post, put } from '../../api/client.ts';
import type { EnvSecret, Environment, Project } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { DetailState, Trail } from '../../components/details.tsx';
import { FormModal } from '../../components/forms.tsx';
import { IconCheck, IconCopy } from '../../components/icons.tsx';
import { ActionsMenu, DataTable } from '../../components/lists.tsx';
import { ShownOnceModal } from '../../components/shownOnce.tsx';
import { useNotify } from '../../components/notify.tsx';
import { PageHeader, CreateButton } from '../../components/ui.tsx';
import { formatDateTime } from '../../format.ts';
import { useLoad } from '../../hooks.ts';
import { rn } from '../../permissions.ts';
import { useSession } from '../../session.tsx';

// A key revealed by this page (added or rotated): shown once in a dialog, and kept in memory for the SDK snippet
// until the page is left. The server never shows a server key again.
interface Revealed {
  secret: EnvSecret;
  rotated: boolean;
}

type Editing = { kind: 'add' } | { kind: 'rename'; secret: EnvSecret } | { kind: 'rotate'; secret: EnvSecret };

export function EnvSettingsPage({ projectId, envId }: { projectId: string; envId: string }) {
  const session = useSession();
  const notify = useNotify();
  const project = useLoad((signal) => get<Project>(`/projects/${projectId}`, undefined, signal), [projectId, session.organizationId]);
  const env = useLoad((signal) => get<Environment>(`/projects/${projectId}/envs/${envId}`, undefined, signal), [projectId, envId, session.organizationId]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [shown, setShown] = useState<Revealed | null>(null);
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const reveal = (secret: EnvSecret, rotated: boolean) => {
    setRevealed((r) => ({ ...r, [secret.id]: secret.value }));
    setShown({ secret, rotated });
    env.reload();
  };
  const confirmDelete = useConfirm((secret: EnvSecret) => ({
    title: 'Delete SDK key?',
    confirmLabel: 'Delete',
    danger: true,
    onConfirm: async () => {
      await del(`/envs/${envId}/secrets/${secret.id}`);
      setRevealed(({ [secret.id]: _, ...rest }) => rest);
      notify('success', `SDK key ${secret.name} deleted.`);
      env.reload();
    },
    children: (
      <>
        Applications using <b>{secret.name}</b> stop receiving flags at once: open connections are closed. This cannot be undone.
      </>
    ),
  }));

  const envRn = project.data && env.data ? rn.env(project.data.key, env.data.key) : null;
  const may = (action: string) => (envRn ? session.can(action, envRn) : false);

  return (
    <>
      <Trail
        crumbs={[
          { label: 'Projects', to: '/projects' },
          { label: project.data?.name ?? '…' },
          { label: env.data?.name ?? '…', to: `/projects/${projectId}/envs/${envId}/flags` },
          { label: 'Settings' },
        ]}
      />
      <DetailState load={env} errorTitle="Could not load the environment">
        {(e) => {
          const secrets = e.secrets ?? [];
          return (
            <Stack>
              <PageHeader
                title={`${e.name} settings`}
                description="SDK keys let applications read this environment’s flags with FeatBit’s SDKs. Server keys are secrets (shown once); client keys ship in browsers and are always shown."
                actions={may('CreateEnvSecret') && <CreateButton label="Add SDK key" onClick={() => setEditing({ kind: 'add' })} />}
              />
              <Card withBorder>
                <Text fw={600} mb="xs">
                  SDK keys
                </Text>
                {secrets.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    No SDK keys. Add one so applications can connect.
                  </Text>
                ) : (
                  <DataTable minWidth={640} verticalSpacing="xs" columns={['Name', 'Type', 'Key', { w: 60 }]}>
                    {secrets.map((s) => (
                      <SecretRow
                        key={s.id}
                        secret={s}
                        revealedValue={revealed[s.id]}
                        canRename={may('UpdateEnvSecret')}
                        canRotate={may('UpdateEnvSecret') && may('CreateEnvSecret')}
                        canDelete={may('DeleteEnvSecret')}
                        onEdit={setEditing}
                        onDelete={confirmDelete.ask}
                      />
                    ))}
                  </DataTable>
                )}
              </Card>
              <SdkSnippets secrets={secrets} revealed={revealed} />
            </Stack>
          );
        }}
      </DetailState>
      <AddKeyModal opened={editing?.kind === 'add'} envId={envId} onClose={() => setEditing(null)} onAdded={(s) => reveal(s, false)} />
      <RenameKeyModal secret={editing?.kind === 'rename' ? editing.secret : null} envId={envId} onClose={() => setEditing(null)} onSaved={env.reload} />
      <RotateKeyModal secret={editing?.kind === 'rotate' ? editing.secret : null} envId={envId} onClose={() => setEditing(null)} onRotated={(s) => reveal(s, true)} />
      <NewKeyModal revealed={shown} onClose={() => setShown(null)} />
      {confirmDelete.dialog}
    </>
  );
}

function SecretRow({
  secret,
  revealedValue,
  canRename,
  canRotate,
  canDelete,
  onEdit,
  onDelete,
}: {
  secret: EnvSecret;
  revealedValue?: string;
  canRename: boolean;
  canRotate: boolean;
  canDelete: boolean;
  onEdit: (e: Editing) => void;
  onDelete: (s: EnvSecret) => void;
}) {
  const whole = secret.type === 'client' ? secret.value : revealedValue;
  return (
    <Table.Tr data-testid="sdk-key-row">
      <Table.Td>
        <Text size="sm" fw={500}>
          {secret.name}
        </Text>
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={secret.type === 'server' ? 'grape' : 'blue'}>
          {secret.type}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Code className="mono" data-testid="sdk-key-value">
            {whole ?? secret.value}
          </Code>
          {whole && <CopyKey value={whole} compact />}
        </Group>
        {secret.previousValidUntil && (
          <Text size="xs" c="dimmed">
            The previous key works until {formatDateTime(secret.previousValidUntil)}.
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {(canRename || canRotate || canDelete) && (
          <ActionsMenu label={`Actions for SDK key ${secret.name}`} small>
            {canRename && <Menu.Item onClick={() => onEdit({ kind: 'rename', secret })}>Rename</Menu.Item>}
            {canRotate && <Menu.Item onClick={() => onEdit({ kind: 'rotate', secret })}>Rotate</Menu.Item>}
            {canDelete && (
              <Menu.Item color="red" onClick={() => onDelete(secret)}>
                Delete
              </Menu.Item>
            )}
          </ActionsMenu>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function CopyKey({ value, compact }: { value: string; compact?: boolean }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Button size={compact ? 'compact-xs' : undefined} onClick={copy} color={copied ? 'teal' : undefined} leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />} variant="light">
          {copied ? 'Copied' : 'Copy'}
        </Button>
      )}
    </CopyButton>
  );
}

function AddKeyModal({ opened, envId, onClose, onAdded }: { opened: boolean; envId: string; onClose: () => void; onAdded: (s: EnvSecret) => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<'server' | 'client'>('server');
  useEffect(() => {
    setName('');
    setType('server');
  }, [opened]);
  const submit = async () => {
    const added = await post<EnvSecret>(`/envs/${envId}/secrets`, { name: name.trim(), type });
    onClose();
    onAdded(added);
  };
  return (
    <FormModal opened={opened} onClose={onClose} title="Add SDK key" onSubmit={submit} submitLabel="Add">
      <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={128} data-autofocus />
      <div>
        <Text size="sm" fw={500} mb={4}>
          Type
        </Text>
        <SegmentedControl
          aria-label="Type"
          value={type}
          onChange={(v) => setType(v === 'client' ? 'client' : 'server')}
          data={[
            { value: 'server', label: 'Server (secret)' },
            { value: 'client', label: 'Client (public)' },
          ]}
        />
      </div>
    </FormModal>
  );
}

function RenameKeyModal({ secret, envId, onClose, onSaved }: { secret: EnvSecret | null; envId: string; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState('');
  useEffect(() => setName(secret?.name ?? ''), [secret]);
  const submit = async () => {
    if (!secret) return;
    await put(`/envs/${envId}/secrets/${secret.id}`, { name: name.trim() });
    onClose();
    onSaved();
  };
  return (
    <FormModal opened={secret !== null} onClose={onClose} title="Rename SDK key" onSubmit={submit} submitLabel="Save">
      <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={128} data-autofocus />
    </FormModal>
  );
}

const GRACE_OPTIONS = [
  { value: '0', label: 'Stop the old key now' },
  { value: '300', label: 'Keep the old key for 5 minutes' },
  { value: '3600', label: 'Keep the old key for 1 hour' },
  { value: '86400', label: 'Keep the old key for 24 hours' },
];

function RotateKeyModal({ secret, envId, onClose, onRotated }: { secret: EnvSecret | null; envId: string; onClose: () => void; onRotated: (s: EnvSecret) => void }) {
  const [grace, setGrace] = useState('3600');
  useEffect(() => setGrace('3600'), [secret]);
  const submit = async () => {
    if (!secret) return;
    const rotated = await post<EnvSecret>(`/envs/${envId}/secrets/${secret.id}/rotate`, { graceSeconds: Number(grace) });
    onClose();
    onRotated(rotated);
  };
  return (
    <FormModal opened={secret !== null} onClose={onClose} title={`Rotate ${secret?.name ?? ''}`} onSubmit={submit} submitLabel="Rotate">
      <Text size="sm">A new key replaces this one. Give applications time to switch: the old key keeps working for the grace period, then stops.</Text>
      <Select label="Grace period" data={GRACE_OPTIONS} value={grace} onChange={(v) => v && setGrace(v)} allowDeselect={false} />
    </FormModal>
  );
}

function NewKeyModal({ revealed, onClose }: { revealed: Revealed | null; onClose: () => void }) {
  const server = revealed?.secret.type === 'server';
  return (
    <ShownOnceModal
      value={revealed}
      onClose={onClose}
      title={revealed?.rotated ? 'New SDK key' : 'SDK key added'}
      warning={server ? { title: 'Copy it now', text: 'This is the only time this server key is shown. Ensign stores only a fingerprint of it. If you lose it, rotate the key.' } : undefined}
      doneLabel={server ? 'I have copied it' : 'Done'}
    >
      {({ secret: s, rotated }) => (
        <>
          <Text size="sm">
            {rotated ? 'The new key of' : 'Key'} <b>{s.name}</b> ({s.type}):
          </Text>
          <Group gap="xs" wrap="nowrap" align="stretch">
            <Code block className="secret-box" data-testid="sdk-key-secret" style={{ flex: 1 }}>
              {s.value}
            </Code>
            <CopyKey value={s.value} />
          </Group>
        </>
      )}
    </ShownOnceModal>
  );
}

// Copy-paste setup for FeatBit's SDKs pointing at this server. A server key appears whole only if this page
// revealed it (added or rotated here); otherwise a placeholder with its hint.
function SdkSnippets({ secrets, revealed }: { secrets: EnvSecret[]; revealed: Record<string, string> }) {
  const servers = secrets.filter((s) => s.type === 'server');
  const shownServerKey = servers.map((s) => revealed[s.id]).find(Boolean);
  const serverKey = shownServerKey ?? (servers[0] ? `<server key ${servers[0].value}>` : '<add a server key>');
  const clientKey = secrets.find((s) => s.type === 'client')?.value ?? '<add a client key>';
  const http = `${window.location.protocol}//${window.location.host}`;
  const ws = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}`;
  const node = `import { FbClientBuilder, UserBuilder } from '@featbit/node-server-sdk';

const fbClient = new FbClientBuilder()
  .sdkKey('${serverKey}')
  .streamingUri('${ws}')
  .eventsUri('${http}')
  .build();
await fbClient.waitForInitialization();

const user = new UserBuilder('user-key').name('Jane').build();
const enabled = await fbClient.boolVariation('my-flag', user, false);`;
  const browser = `import { FbClientBuilder, UserBuilder } from '@featbit/js-client-sdk';

const user = new UserBuilder('user-key').name('Jane').build();
const fbClient = new FbClientBuilder()
  .sdkKey('${clientKey}')
  .streamingUri('${ws}')
  .eventsUri('${http}')
  .user(user)
  .build();
await fbClient.waitForInitialization();

const enabled = fbClient.boolVariation('my-flag', false);`;
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        Connect an application
      </Text>
      <Tabs defaultValue="node">
        <Tabs.List>
          <Tabs.Tab value="node">Node.js (server)</Tabs.Tab>
          <Tabs.Tab value="browser">Browser (client)</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="node" pt="sm">
          {!shownServerKey && (
            <Text size="xs" c="dimmed" mb="xs">
              Server keys are shown only once. Paste the one you saved, or rotate or add a server key to see a new one here.
            </Text>
          )}
          <Snippet code={node} testId="sdk-snippet-node" />
        </Tabs.Panel>
        <Tabs.Panel value="browser" pt="sm">
          <Snippet code={browser} testId="sdk-snippet-browser" />
        </Tabs.Panel>
      </Tabs>
    </Card>
  );
}

function Snippet({ code, testId }: { code: string; testId: string }) {
  return (
    <Stack gap="xs">
      <Code block data-testid={testId}>
        {code}
      </Code>
      <Group justify="flex-end">
        <CopyKey value={code} />
      </Group>
    </Stack>
  );
}

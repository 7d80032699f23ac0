import { ActionIcon, Anchor, Badge, Breadcrumbs, Button, Group, Menu, Modal, Pagination, SegmentedControl, Select, Stack, Switch, Table, TagsInput, Text, TextInput, Textarea, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { del, get, post, put, type Page } from '../../api/client.ts';
import type { Environment, FeatureFlag, Project } from '../../api/types.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { IconDots, IconPlus, IconSearch } from '../../components/icons.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, ErrorAlert, Loading } from '../../components/ui.tsx';
import { formatRelative } from '../../format.ts';
import { useLoad } from '../../hooks.ts';
import { rn } from '../../permissions.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

const PAGE_SIZE = 20;

// The project and environment an env id belongs to, from the project list.
export function useEnvironment(projectId: string, envId: string) {
  const session = useSession();
  const projects = useLoad((signal) => get<Project[]>('/projects', undefined, signal), [session.organizationId]);
  const project = projects.data?.find((p) => p.id === projectId);
  const env = project?.environments.find((e) => e.id === envId);
  return { projects, project, env };
}

export function FlagsPage({ projectId, envId }: { projectId: string; envId: string }) {
  const session = useSession();
  const notify = useNotify();
  const link = useLink();
  const { navigate } = useRouter();
  const { projects, project, env } = useEnvironment(projectId, envId);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [tags, setTags] = useState<string[]>([]);
  const [enabled, setEnabled] = useState<string | null>(null);
  const [archived, setArchived] = useState('false');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<{ action: 'archive' | 'restore' | 'delete'; flag: FeatureFlag } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [knownTags, setKnownTags] = useState<string[]>([]);
  useEffect(() => setPage(1), [debounced, tags, enabled, archived, envId]);

  const flags = useLoad(
    (signal) =>
      get<Page<FeatureFlag>>(
        `/envs/${envId}/feature-flags`,
        { name: debounced, tags, isEnabled: enabled === null ? undefined : enabled, isArchived: archived, pageIndex: page - 1, pageSize: PAGE_SIZE },
        signal,
      ),
    [envId, debounced, tags.join(','), enabled, archived, page],
  );
  useEffect(() => {
    const seen = (flags.data?.items ?? []).flatMap((f) => f.tags);
    setKnownTags((prev) => [...new Set([...prev, ...seen])].sort());
  }, [flags.data]);

  const flagRn = (f: FeatureFlag) => rn.flag(project?.key ?? '', env?.key ?? '', f.key, f.tags);
  const canCreate = project && env ? session.can('CreateFlag', rn.flag(project.key, env.key, '*')) : false;
  const totalPages = Math.max(1, Math.ceil((flags.data?.totalCount ?? 0) / PAGE_SIZE));
  const filtered = debounced !== '' || tags.length > 0 || enabled !== null;

  const toggle = async (f: FeatureFlag, on: boolean) => {
    setError(null);
    try {
      await put(`/envs/${envId}/feature-flags/${encodeURIComponent(f.key)}/toggle/${on}`);
      flags.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <Breadcrumbs mb="sm">
        <Anchor {...link('/projects')} size="sm">
          Projects
        </Anchor>
        <Text size="sm">{project?.name ?? '…'}</Text>
        <Text size="sm">{env?.name ?? '…'}</Text>
      </Breadcrumbs>
      <Group justify="space-between" mb="lg" wrap="wrap">
        <Group gap="sm" wrap="wrap">
          <Text fw={700} size="xl">
            Feature flags
          </Text>
          {project && (
            <Select
              aria-label="Environment"
              data={project.environments.map((e: Environment) => ({ value: e.id, label: `${e.name} (${e.key})` }))}
              value={envId}
              onChange={(v) => v && navigate(`/projects/${projectId}/envs/${v}/flags`)}
              allowDeselect={false}
              w={200}
            />
          )}
        </Group>
        {canCreate && (
          <Button leftSection={<IconPlus />} onClick={() => setCreating(true)}>
            New flag
          </Button>
        )}
      </Group>
      <ErrorAlert error={projects.error} title="Could not load the project" mb="md" />
      <Stack>
        <Group gap="sm" wrap="wrap" align="flex-start">
          <TextInput aria-label="Search flags" placeholder="Search by name or key" leftSection={<IconSearch />} value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={{ base: '100%', xs: 240 }} />
          <TagsInput aria-label="Filter by tags" placeholder={tags.length ? undefined : 'Filter by tags'} data={knownTags} value={tags} onChange={setTags} w={{ base: '100%', xs: 240 }} clearable />
          <Select
            aria-label="On or off"
            placeholder="On and off"
            data={[
              { value: 'true', label: 'On' },
              { value: 'false', label: 'Off' },
            ]}
            value={enabled}
            onChange={setEnabled}
            clearable
            w={{ base: '100%', xs: 140 }}
          />
          <SegmentedControl
            aria-label="Archived"
            value={archived}
            onChange={setArchived}
            data={[
              { value: 'false', label: 'Active' },
              { value: 'true', label: 'Archived' },
            ]}
          />
        </Group>
        <ErrorAlert error={error} title="That did not work" />
        <ErrorAlert error={flags.error} title="Could not load flags" />
        {flags.loading && !flags.data ? (
          <Loading />
        ) : flags.data?.items.length === 0 ? (
          <EmptyState title={filtered ? 'No flags match these filters' : archived === 'true' ? 'No archived flags' : 'No flags in this environment yet'}>
            {!filtered && archived === 'false' && canCreate ? 'Create one with New flag.' : undefined}
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" highlightOnHover data-testid="flags-table" style={{ opacity: flags.loading ? 0.6 : 1 }}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70}>On</Table.Th>
                  <Table.Th>Flag</Table.Th>
                  <Table.Th>Tags</Table.Th>
                  <Table.Th>Serving</Table.Th>
                  <Table.Th>Updated</Table.Th>
                  <Table.Th w={56} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {flags.data?.items.map((f) => {
                  const r = flagRn(f);
                  const canToggle = session.can('ToggleFlag', r) && !f.isArchived;
                  const serving = f.variations.find((v) => v.id === (f.isEnabled ? f.enabledVariationId : f.disabledVariationId));
                  const menu = {
                    archive: !f.isArchived && session.can('ArchiveFlag', r),
                    restore: f.isArchived && session.can('RestoreFlag', r),
                    delete: f.isArchived && session.can('DeleteFlag', r),
                  };
                  return (
                    <Table.Tr key={f.id} data-testid="flag-row" data-flag-key={f.key}>
                      <Table.Td>
                        <Tooltip label={canToggle ? (f.isEnabled ? 'Turn off' : 'Turn on') : 'You cannot toggle this flag'}>
                          <span>
                            <Switch checked={f.isEnabled} disabled={!canToggle} onChange={(e) => void toggle(f, e.currentTarget.checked)} aria-label={`Toggle ${f.key}`} />
                          </span>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Anchor {...link(`/projects/${projectId}/envs/${envId}/flags/${encodeURIComponent(f.key)}`)} fw={500}>
                          {f.name}
                        </Anchor>
                        <Text size="xs" c="dimmed" className="mono">
                          {f.key}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {f.tags.map((t) => (
                            <Badge key={t} size="sm" variant="outline" color="gray" tt="none" style={{ cursor: 'pointer' }} onClick={() => !tags.includes(t) && setTags([...tags, t])}>
                              {t}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" className="mono">
                          {serving ? serving.value : '—'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed" className="nowrap">
                          {formatRelative(f.updatedAt)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {(menu.archive || menu.restore || menu.delete) && (
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${f.key}`}>
                                <IconDots />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              {menu.archive && <Menu.Item onClick={() => setPending({ action: 'archive', flag: f })}>Archive</Menu.Item>}
                              {menu.restore && <Menu.Item onClick={() => setPending({ action: 'restore', flag: f })}>Restore</Menu.Item>}
                              {menu.delete && (
                                <Menu.Item color="red" onClick={() => setPending({ action: 'delete', flag: f })}>
                                  Delete
                                </Menu.Item>
                              )}
                            </Menu.Dropdown>
                          </Menu>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {totalPages > 1 && <Pagination value={page} onChange={setPage} total={totalPages} size="sm" />}
      </Stack>
      <NewFlagModal opened={creating} envId={envId} onClose={() => setCreating(false)} onCreated={flags.reload} />
      <ConfirmModal
        opened={pending !== null}
        title={pending?.action === 'archive' ? 'Archive flag?' : pending?.action === 'restore' ? 'Restore flag?' : 'Delete flag?'}
        confirmLabel={pending?.action === 'archive' ? 'Archive' : pending?.action === 'restore' ? 'Restore' : 'Delete for good'}
        danger={pending?.action !== 'restore'}
        onClose={() => setPending(null)}
        onConfirm={async () => {
          if (!pending) return;
          const path = `/envs/${envId}/feature-flags/${encodeURIComponent(pending.flag.key)}`;
          if (pending.action === 'delete') await del(path);
          else await put(`${path}/${pending.action}`);
          notify('success', `Flag ${pending.flag.key} ${pending.action === 'delete' ? 'deleted' : pending.action === 'archive' ? 'archived' : 'restored'}.`);
          flags.reload();
        }}
      >
        {pending?.action === 'archive' && (
          <>
            <b>{pending.flag.name}</b> will be hidden from the list and serve its off variation. You can restore it later.
          </>
        )}
        {pending?.action === 'restore' && (
          <>
            <b>{pending.flag.name}</b> will be back in the list of active flags.
          </>
        )}
        {pending?.action === 'delete' && (
          <>
            <b>{pending.flag.name}</b> will be deleted. This cannot be undone.
          </>
        )}
      </ConfirmModal>
    </>
  );
}

const KEY_RE = /^[A-Za-z0-9._-]{1,128}$/;

function NewFlagModal({ opened, envId, onClose, onCreated }: { opened: boolean; envId: string; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [touched, setTouched] = useState(false);
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (opened) {
      setName('');
      setKey('');
      setTouched(false);
      setDescription('');
      setTags([]);
      setError(null);
    }
  }, [opened]);
  const keyError = useMemo(() => (key && !KEY_RE.test(key) ? 'Letters, digits, dot, dash and underscore only.' : undefined), [key]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post(`/envs/${envId}/feature-flags`, { key, name: name.trim(), description, tags });
      onClose();
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New feature flag" centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => {
              const v = e.currentTarget.value;
              setName(v);
              if (!touched) setKey(v.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, ''));
            }}
            data-autofocus
          />
          <TextInput
            label="Key"
            description="Used by SDKs and the API; cannot be changed later."
            required
            value={key}
            onChange={(e) => {
              setTouched(true);
              setKey(e.currentTarget.value);
            }}
            error={keyError}
            classNames={{ input: 'mono' }}
          />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
          <TagsInput label="Tags" value={tags} onChange={setTags} />
          <Text size="xs" c="dimmed">
            A boolean flag: serves true when on, false when off. It starts off.
          </Text>
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!name.trim() || !KEY_RE.test(key)}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

import { Anchor, Badge, Button, Group, Menu, SegmentedControl, Select, Stack, Switch, Table, TagsInput, Text, Textarea, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, post, put, type Page } from '../../api/client.ts';
import type { Environment, FeatureFlagVm } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { Trail } from '../../components/details.tsx';
import { FormModal, NameAndKeyInputs, useNameAndKey } from '../../components/forms.tsx';
import { IconPlus } from '../../components/icons.tsx';
import { ActionsMenu, DataTable, ListState, Pager, SearchInput } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, ErrorAlert } from '../../components/ui.tsx';
import { formatRelative } from '../../format.ts';
import { useAction, useLoad, usePage, useSearchText } from '../../hooks.ts';
import { rn } from '../../permissions.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EnvTabs, useEnvironment } from './environment.tsx';

const PAGE_SIZE = 20;

// The project and environment an env id belongs to, from the project list.
export function FlagsPage({ projectId, envId }: { projectId: string; envId: string }) {
  const session = useSession();
  const notify = useNotify();
  const link = useLink();
  const { navigate } = useRouter();
  const { projects, project, env } = useEnvironment(projectId, envId);
  const [search, setSearch, debounced] = useSearchText();
  const [tags, setTags] = useState<string[]>([]);
  const [enabled, setEnabled] = useState<string | null>(null);
  const [archived, setArchived] = useState('false');
  const [page, setPage] = usePage([debounced, tags, enabled, archived, envId]);
  const [creating, setCreating] = useState(false);
  const toggling = useAction();
  const [knownTags, setKnownTags] = useState<string[]>([]);

  const flags = useLoad(
    (signal) =>
      get<Page<FeatureFlagVm>>(
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
  const confirmAction = useConfirm(({ action, flag }: { action: 'archive' | 'restore' | 'delete'; flag: FeatureFlagVm }) => ({
    title: action === 'archive' ? 'Archive flag?' : action === 'restore' ? 'Restore flag?' : 'Delete flag?',
    confirmLabel: action === 'archive' ? 'Archive' : action === 'restore' ? 'Restore' : 'Delete for good',
    danger: action !== 'restore',
    onConfirm: async () => {
      const path = `/envs/${envId}/feature-flags/${encodeURIComponent(flag.key)}`;
      if (action === 'delete') await del(path);
      else await put(`${path}/${action}`);
      notify('success', `Flag ${flag.key} ${action === 'delete' ? 'deleted' : action === 'archive' ? 'archived' : 'restored'}.`);
      flags.reload();
    },
    children: (
      <>
        {action === 'archive' && (
          <>
            <b>{flag.name}</b> will be hidden from the list and serve its off variation. You can restore it later.
          </>
        )}
        {action === 'restore' && (
          <>
            <b>{flag.name}</b> will be back in the list of active flags.
          </>
        )}
        {action === 'delete' && (
          <>
            <b>{flag.name}</b> will be deleted. This cannot be undone.
          </>
        )}
      </>
    ),
  }));

  const flagRn = (f: FeatureFlagVm) => rn.flag(project?.key ?? '', env?.key ?? '', f.key, f.tags);
  const canCreate = project && env ? session.can('CreateFlag', rn.flag(project.key, env.key, '*')) : false;
  const filtered = debounced !== '' || tags.length > 0 || enabled !== null;

  const toggle = (f: FeatureFlagVm, on: boolean) =>
    toggling.run(async () => {
      await put(`/envs/${envId}/feature-flags/${encodeURIComponent(f.key)}/toggle/${on}`);
      flags.reload();
    });

  return (
    <>
      <Trail crumbs={[{ label: 'Projects', to: '/projects' }, { label: project?.name ?? '…' }, { label: env?.name ?? '…' }]} />
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
          <EnvTabs projectId={projectId} envId={envId} active="flags" />
        </Group>
        <Group gap="sm">
          <Button variant="default" component="a" {...link(`/projects/${projectId}/envs/${envId}/settings`)}>
            SDK keys
          </Button>
          {canCreate && (
            <Button leftSection={<IconPlus />} onClick={() => setCreating(true)}>
              New flag
            </Button>
          )}
        </Group>
      </Group>
      <ErrorAlert error={projects.error} title="Could not load the project" mb="md" />
      <Stack>
        <Group gap="sm" wrap="wrap" align="flex-start">
          <SearchInput aria-label="Search flags" placeholder="Search by name or key" value={search} onChange={setSearch} w={{ base: '100%', xs: 240 }} />
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
        <ErrorAlert error={toggling.error} title="That did not work" />
        <ListState
          load={flags}
          errorTitle="Could not load flags"
          empty={
            <EmptyState title={filtered ? 'No flags match these filters' : archived === 'true' ? 'No archived flags' : 'No flags in this environment yet'}>
              {!filtered && archived === 'false' && canCreate ? 'Create one with New flag.' : undefined}
            </EmptyState>
          }
        >
          {(items) => (
            <DataTable minWidth={760} highlightOnHover data-testid="flags-table" dimmed={flags.loading} columns={[{ label: 'On', w: 70 }, 'Flag', 'Tags', 'Serving', 'Updated', { w: 56 }]}>
              {items.map((f) => {
                const r = flagRn(f);
                // The list shows archived flags or the others, never both: the filter says which this row is.
                const isArchived = archived === 'true';
                const canToggle = session.can('ToggleFlag', r) && !isArchived;
                const serving = f.isEnabled ? f.serves.enabledVariations.join(', ') : f.serves.disabledVariation;
                const menu = {
                  archive: !isArchived && session.can('ArchiveFlag', r),
                  restore: isArchived && session.can('RestoreFlag', r),
                  delete: isArchived && session.can('DeleteFlag', r),
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
                        {serving || '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed" className="nowrap">
                        {formatRelative(f.updatedAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {(menu.archive || menu.restore || menu.delete) && (
                        <ActionsMenu label={`Actions for ${f.key}`}>
                          {menu.archive && <Menu.Item onClick={() => confirmAction.ask({ action: 'archive', flag: f })}>Archive</Menu.Item>}
                          {menu.restore && <Menu.Item onClick={() => confirmAction.ask({ action: 'restore', flag: f })}>Restore</Menu.Item>}
                          {menu.delete && (
                            <Menu.Item color="red" onClick={() => confirmAction.ask({ action: 'delete', flag: f })}>
                              Delete
                            </Menu.Item>
                          )}
                        </ActionsMenu>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </DataTable>
          )}
        </ListState>
        <Pager page={page} onChange={setPage} pageSize={PAGE_SIZE} totalCount={flags.data?.totalCount} />
      </Stack>
      <NewFlagModal opened={creating} envId={envId} onClose={() => setCreating(false)} onCreated={flags.reload} />
      {confirmAction.dialog}
    </>
  );
}

const KEY_RE = /^[A-Za-z0-9._-]{1,128}$/;
const flagKeyFrom = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');

function NewFlagModal({ opened, envId, onClose, onCreated }: { opened: boolean; envId: string; onClose: () => void; onCreated: () => void }) {
  const fields = useNameAndKey(flagKeyFrom);
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const { reset } = fields;
  useEffect(() => {
    if (opened) {
      reset();
      setDescription('');
      setTags([]);
    }
  }, [opened, reset]);
  const { name, key } = fields;
  const submit = async () => {
    await post(`/envs/${envId}/feature-flags`, { key, name: name.trim(), description, tags });
    onClose();
    onCreated();
  };
  return (
    <FormModal opened={opened} onClose={onClose} title="New feature flag" onSubmit={submit} submitLabel="Create" canSubmit={!!name.trim() && KEY_RE.test(key)}>
      <NameAndKeyInputs
        fields={fields}
        keyProps={{
          description: 'Used by SDKs and the API; cannot be changed later.',
          error: key && !KEY_RE.test(key) ? 'Letters, digits, dot, dash and underscore only.' : undefined,
        }}
      />
      <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
      <TagsInput label="Tags" value={tags} onChange={setTags} />
      <Text size="xs" c="dimmed">
        A boolean flag: serves true when on, false when off. It starts off.
      </Text>
    </FormModal>
  );
}

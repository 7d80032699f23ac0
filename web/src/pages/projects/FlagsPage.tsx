import { Button, Group, Select, Stack, Switch, Table, TagsInput, Text, Textarea, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, post, put, type Page } from '../../api/client.ts';
import type { FeatureFlagVm } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { FormModal, NameAndKeyInputs, useNameAndKey } from '../../components/forms.tsx';
import { ArchivedFilter, LifecycleCell, NameAndKeyCell, PagedTable, SearchInput, TagsCell, UpdatedCell } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, ErrorAlert, CreateButton } from '../../components/ui.tsx';
import { useAction, useLoad, usePaging, useSearchText } from '../../hooks.ts';
import { rn } from '../../permissions.ts';
import { useLink } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EnvListHeader, useEnvironment } from './environment.tsx';

const PAGE_SIZE = 20;

// The project and environment an env id belongs to, from the project list.
export function FlagsPage({ projectId, envId }: { projectId: string; envId: string }) {
  const session = useSession();
  const notify = useNotify();
  const link = useLink();
  const environment = useEnvironment(projectId, envId);
  const { project, env } = environment;
  const [search, setSearch, debounced] = useSearchText();
  const [tags, setTags] = useState<string[]>([]);
  const [enabled, setEnabled] = useState<string | null>(null);
  const [archived, setArchived] = useState('false');
  const paging = usePaging(PAGE_SIZE, [debounced, tags, enabled, archived, envId]);
  const [creating, setCreating] = useState(false);
  const toggling = useAction();
  const [knownTags, setKnownTags] = useState<string[]>([]);

  const flags = useLoad(
    (signal) => get<Page<FeatureFlagVm>>(`/envs/${envId}/feature-flags`, { name: debounced, tags, isEnabled: enabled === null ? undefined : enabled, isArchived: archived, ...paging.query }, signal),
    [envId, debounced, tags.join(','), enabled, archived, paging.page],
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
      <EnvListHeader
        environment={environment}
        projectId={projectId}
        envId={envId}
        active="flags"
        title="Feature flags"
        actions={
          <Group gap="sm">
            <Button variant="default" component="a" {...link(`/projects/${projectId}/envs/${envId}/settings`)}>
              SDK keys
            </Button>
            {canCreate && <CreateButton label="New flag" onClick={() => setCreating(true)} />}
          </Group>
        }
      />
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
          <ArchivedFilter value={archived} onChange={setArchived} />
        </Group>
        <ErrorAlert error={toggling.error} title="That did not work" />
        <PagedTable
          load={flags}
          errorTitle="Could not load flags"
          empty={
            <EmptyState title={filtered ? 'No flags match these filters' : archived === 'true' ? 'No archived flags' : 'No flags in this environment yet'}>
              {!filtered && archived === 'false' && canCreate ? 'Create one with New flag.' : undefined}
            </EmptyState>
          }
          paging={paging}
          minWidth={760}
          highlightOnHover
          data-testid="flags-table"
          dimmed={flags.loading}
          columns={[{ label: 'On', w: 70 }, 'Flag', 'Tags', 'Serving', 'Updated', { w: 56 }]}
        >
          {(items) =>
            items.map((f) => {
              const r = flagRn(f);
              // The list shows archived flags or the others, never both: the filter says which this row is.
              const isArchived = archived === 'true';
              const canToggle = session.can('ToggleFlag', r) && !isArchived;
              const serving = f.isEnabled ? f.serves.enabledVariations.join(', ') : f.serves.disabledVariation;
              return (
                <Table.Tr key={f.id} data-testid="flag-row" data-flag-key={f.key}>
                  <Table.Td>
                    <Tooltip label={canToggle ? (f.isEnabled ? 'Turn off' : 'Turn on') : 'You cannot toggle this flag'}>
                      <span>
                        <Switch checked={f.isEnabled} disabled={!canToggle} onChange={(e) => void toggle(f, e.currentTarget.checked)} aria-label={`Toggle ${f.key}`} />
                      </span>
                    </Tooltip>
                  </Table.Td>
                  <NameAndKeyCell to={`/projects/${projectId}/envs/${envId}/flags/${encodeURIComponent(f.key)}`} name={f.name} itemKey={f.key} />
                  <TagsCell tags={f.tags} onPick={(t) => !tags.includes(t) && setTags([...tags, t])} />
                  <Table.Td>
                    <Text size="sm" className="mono">
                      {serving || '—'}
                    </Text>
                  </Table.Td>
                  <UpdatedCell at={f.updatedAt} />
                  <LifecycleCell
                    label={`Actions for ${f.key}`}
                    may={{
                      archive: !isArchived && session.can('ArchiveFlag', r),
                      restore: isArchived && session.can('RestoreFlag', r),
                      delete: isArchived && session.can('DeleteFlag', r),
                    }}
                    onAsk={(action) => confirmAction.ask({ action, flag: f })}
                  />
                </Table.Tr>
              );
            })
          }
        </PagedTable>
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

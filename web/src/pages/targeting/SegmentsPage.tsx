import { Badge, Group, MultiSelect, SegmentedControl, Stack, Table, Text, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, post, type Page } from '../../api/client.ts';
import type { Environment, Project, Segment, SegmentType } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { FormModal, NameAndKeyInputs, useNameAndKey } from '../../components/forms.tsx';
import { ArchivedFilter, LifecycleCell, NameAndKeyCell, PagedTable, SearchInput, TagsCell, UpdatedCell } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, CreateButton } from '../../components/ui.tsx';
import { useLoad, usePaging, useSearchText } from '../../hooks.ts';
import { formatRn, rn } from '../../permissions.ts';
import { useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { EnvListHeader, useEnvironment } from '../projects/environment.tsx';
import { useSegmentArchive } from './segmentArchive.tsx';

const PAGE_SIZE = 20;

// The RN a segment's rights are checked on: the environment it was created in (a shared segment is
// listed in other environments too, but changed from its own).
export function segmentRn(project: Project | undefined, s: Segment) {
  const home = project?.environments.find((e) => e.id === s.envId);
  return rn.segment(project?.key ?? '', home?.key ?? '', s.key, s.tags);
}

export function SegmentTypeBadge({ type }: { type: string }) {
  return type === 'shared' ? (
    <Badge size="sm" variant="light" color="grape" tt="none">
      Shared
    </Badge>
  ) : (
    <Badge size="sm" variant="light" color="gray" tt="none">
      This environment
    </Badge>
  );
}

// Environment pages: flags and segments side by side.
export function SegmentsPage({ projectId, envId }: { projectId: string; envId: string }) {
  const session = useSession();
  const notify = useNotify();
  const { navigate } = useRouter();
  const environment = useEnvironment(projectId, envId);
  const { project, env } = environment;
  const [search, setSearch, debounced] = useSearchText();
  const [archived, setArchived] = useState('false');
  const paging = usePaging(PAGE_SIZE, [debounced, archived, envId]);
  const [creating, setCreating] = useState(false);

  const segments = useLoad((signal) => get<Page<Segment>>(`/envs/${envId}/segments`, { name: debounced, isArchived: archived, ...paging.query }, signal), [envId, debounced, archived, paging.page]);
  const archive = useSegmentArchive(projectId, envId, segments.reload);
  const confirmDelete = useConfirm((s: Segment) => ({
    title: 'Delete segment?',
    confirmLabel: 'Delete for good',
    danger: true,
    onConfirm: async () => {
      await del(`/envs/${envId}/segments/${s.id}`);
      notify('success', `Segment ${s.name} deleted.`);
      segments.reload();
    },
    children: (
      <>
        <b>{s.name}</b> will be deleted. This cannot be undone.
      </>
    ),
  }));
  const canCreate = project && env ? session.can('CreateSegment', rn.segment(project.key, env.key, '*')) : false;
  const filtered = debounced !== '';

  return (
    <>
      <EnvListHeader
        environment={environment}
        projectId={projectId}
        envId={envId}
        active="segments"
        title="Segments"
        actions={canCreate && <CreateButton label="New segment" onClick={() => setCreating(true)} />}
      />
      <Stack>
        <Group gap="sm" wrap="wrap">
          <SearchInput aria-label="Search segments" placeholder="Search by name or key" value={search} onChange={setSearch} w={{ base: '100%', xs: 240 }} />
          <ArchivedFilter value={archived} onChange={setArchived} />
        </Group>
        {archive.alert}
        <PagedTable
          load={segments}
          errorTitle="Could not load segments"
          empty={
            <EmptyState title={filtered ? 'No segments match this search' : archived === 'true' ? 'No archived segments' : 'No segments in this environment yet'}>
              {!filtered && archived === 'false' && canCreate ? 'A segment is a reusable group of users that flag rules can target. Create one with New segment.' : undefined}
            </EmptyState>
          }
          paging={paging}
          minWidth={760}
          highlightOnHover
          data-testid="segments-table"
          dimmed={segments.loading}
          columns={['Segment', 'Type', 'Users', 'Tags', 'Updated', { w: 56 }]}
        >
          {(items) =>
            items.map((s) => {
              const r = segmentRn(project, s);
              const home = s.envId === envId;
              return (
                <Table.Tr key={s.id} data-testid="segment-row" data-segment-key={s.key}>
                  <NameAndKeyCell to={`/projects/${projectId}/envs/${envId}/segments/${s.id}`} name={s.name} itemKey={s.key} />
                  <Table.Td>
                    <SegmentTypeBadge type={s.type} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed" className="nowrap">
                      {s.included.length} in · {s.excluded.length} out · {s.rules.length} {s.rules.length === 1 ? 'rule' : 'rules'}
                    </Text>
                  </Table.Td>
                  <TagsCell tags={s.tags} />
                  <UpdatedCell at={s.updatedAt} />
                  <LifecycleCell
                    label={`Actions for ${s.key}`}
                    may={{
                      archive: home && !s.isArchived && session.can('ArchiveSegment', r),
                      restore: home && s.isArchived && session.can('RestoreSegment', r),
                      delete: home && s.isArchived && session.can('DeleteSegment', r),
                    }}
                    onAsk={(action) => (action === 'delete' ? confirmDelete.ask(s) : archive.ask(s, action))}
                  />
                </Table.Tr>
              );
            })
          }
        </PagedTable>
      </Stack>
      {project && env && (
        <NewSegmentModal opened={creating} project={project} env={env} onClose={() => setCreating(false)} onCreated={(s) => navigate(`/projects/${projectId}/envs/${envId}/segments/${s.id}`)} />
      )}
      {archive.dialog}
      {confirmDelete.dialog}
    </>
  );
}

const KEY_RE = /^[A-Za-z0-9._-]{1,128}$/;
const keyFrom = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');

function NewSegmentModal({ opened, project, env, onClose, onCreated }: { opened: boolean; project: Project; env: Environment; onClose: () => void; onCreated: (s: Segment) => void }) {
  const fields = useNameAndKey(keyFrom);
  const [description, setDescription] = useState('');
  const [type, setType] = useState<SegmentType>('environment-specific');
  const projectScope = formatRn(rn.project(project.key));
  const [scopes, setScopes] = useState<string[]>([projectScope]);
  const { reset } = fields;
  useEffect(() => {
    if (opened) {
      reset();
      setDescription('');
      setType('environment-specific');
      setScopes([projectScope]);
    }
  }, [opened, reset, projectScope]);
  const { name, key } = fields;
  const submit = async () => {
    const body = { key, name: name.trim(), description, type, ...(type === 'shared' ? { scopes } : {}) };
    const s = await post<Segment>(`/envs/${env.id}/segments`, body);
    onClose();
    onCreated(s);
  };
  return (
    <FormModal opened={opened} onClose={onClose} title="New segment" onSubmit={submit} submitLabel="Create" canSubmit={!!name.trim() && KEY_RE.test(key) && (type !== 'shared' || scopes.length > 0)}>
      <NameAndKeyInputs
        fields={fields}
        keyProps={{
          description: 'Used by the API; cannot be changed later.',
          error: key && !KEY_RE.test(key) ? 'Letters, digits, dot, dash and underscore only.' : undefined,
        }}
      />
      <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          Type
        </Text>
        <SegmentedControl
          aria-label="Type"
          value={type}
          onChange={(v) => setType(v as SegmentType)}
          data={[
            { value: 'environment-specific', label: `Only ${env.name}` },
            { value: 'shared', label: 'Shared' },
          ]}
        />
      </Stack>
      {type === 'shared' && (
        <MultiSelect
          label="Shared with"
          description={`Flags in these environments of ${project.name} may use it; it is changed from ${env.name}.`}
          data={[{ value: projectScope, label: `Every environment of ${project.name}` }, ...project.environments.map((e) => ({ value: formatRn(rn.env(project.key, e.key)), label: e.name }))]}
          value={scopes}
          onChange={setScopes}
        />
      )}
    </FormModal>
  );
}

import { ActionIcon, Anchor, Badge, Button, Card, Group, Menu, Modal, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { del, get, post, put } from '../../api/client.ts';
import type { Environment, Project } from '../../api/types.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { IconDots, IconPlus } from '../../components/icons.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, ErrorAlert, Loading, PageHeader } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { rn } from '../../permissions.ts';
import { useLink } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { slugify } from '../iam/PoliciesPage.tsx';

type Editing =
  | { kind: 'newProject' }
  | { kind: 'editProject'; project: Project }
  | { kind: 'newEnv'; project: Project }
  | { kind: 'editEnv'; project: Project; env: Environment };

export function ProjectsPage() {
  const session = useSession();
  const notify = useNotify();
  const projects = useLoad((signal) => get<Project[]>('/projects', undefined, signal), [session.organizationId]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<{ project: Project; env?: Environment } | null>(null);
  const canCreateProject = session.can('CreateProject', rn.project('*'));

  return (
    <>
      <PageHeader
        title="Projects"
        description="Each project has environments; each environment has its own feature flags."
        actions={
          canCreateProject && (
            <Button leftSection={<IconPlus />} onClick={() => setEditing({ kind: 'newProject' })}>
              New project
            </Button>
          )
        }
      />
      <ErrorAlert error={projects.error} title="Could not load projects" />
      {projects.loading && !projects.data ? (
        <Loading />
      ) : projects.data?.length === 0 ? (
        <EmptyState title="No projects yet">
          {canCreateProject ? 'Create a project: it starts with a dev and a prod environment.' : 'No project is shared with you yet.'}
        </EmptyState>
      ) : (
        <Stack>
          {projects.data?.map((p) => (
            <ProjectCard key={p.id} project={p} onEdit={setEditing} onDelete={(project, env) => setDeleting({ project, env })} />
          ))}
        </Stack>
      )}
      <ProjectFormModal editing={editing?.kind === 'newProject' || editing?.kind === 'editProject' ? editing : null} onClose={() => setEditing(null)} onSaved={projects.reload} />
      <EnvFormModal editing={editing?.kind === 'newEnv' || editing?.kind === 'editEnv' ? editing : null} onClose={() => setEditing(null)} onSaved={projects.reload} />
      <ConfirmModal
        opened={deleting !== null}
        title={deleting?.env ? 'Delete environment?' : 'Delete project?'}
        confirmLabel="Delete"
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          if (deleting.env) await del(`/projects/${deleting.project.id}/envs/${deleting.env.id}`);
          else await del(`/projects/${deleting.project.id}`);
          notify('success', deleting.env ? `Environment ${deleting.env.name} deleted.` : `Project ${deleting.project.name} deleted.`);
          projects.reload();
        }}
      >
        {deleting?.env ? (
          <>
            Environment <b>{deleting.env.name}</b> and all its flags and segments will be deleted.
          </>
        ) : (
          <>
            Project <b>{deleting?.project.name}</b>, its environments, flags and segments will be deleted.
          </>
        )}{' '}
        This cannot be undone.
      </ConfirmModal>
    </>
  );
}

function ProjectCard({ project, onEdit, onDelete }: { project: Project; onEdit: (e: Editing) => void; onDelete: (p: Project, env?: Environment) => void }) {
  const session = useSession();
  const link = useLink();
  const canUpdate = session.can('UpdateProjectSettings', rn.project(project.key));
  const canDelete = session.can('DeleteProject', rn.project(project.key));
  const canCreateEnv = session.can('CreateEnv', rn.project(project.key));
  return (
    <Card withBorder data-testid="project-card">
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <Group gap="xs">
          <Title order={4}>{project.name}</Title>
          <Badge variant="light" color="gray" tt="none" className="mono">
            {project.key}
          </Badge>
        </Group>
        <Group gap="xs" wrap="nowrap">
          {canCreateEnv && (
            <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => onEdit({ kind: 'newEnv', project })}>
              Environment
            </Button>
          )}
          {(canUpdate || canDelete) && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon variant="subtle" color="gray" aria-label={`Actions for project ${project.name}`}>
                  <IconDots />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                {canUpdate && <Menu.Item onClick={() => onEdit({ kind: 'editProject', project })}>Edit project</Menu.Item>}
                {canDelete && (
                  <Menu.Item color="red" onClick={() => onDelete(project)}>
                    Delete project
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Group>
      {project.environments.length === 0 ? (
        <Text size="sm" c="dimmed">
          No environments you can see.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Environment</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Description</Table.Th>
                <Table.Th w={140} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {project.environments.map((env) => {
                const envRn = rn.env(project.key, env.key);
                const canEditEnv = session.can('UpdateEnvSettings', envRn);
                const canDeleteEnv = session.can('DeleteEnv', envRn);
                return (
                  <Table.Tr key={env.id}>
                    <Table.Td>
                      <Anchor {...link(`/projects/${project.id}/envs/${env.id}/flags`)} fw={500}>
                        {env.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" className="mono">
                        {env.key}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed" lineClamp={1}>
                        {env.description || '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button size="compact-xs" variant="subtle" {...link(`/projects/${project.id}/envs/${env.id}/flags`)} component="a">
                          Flags
                        </Button>
                        {(canEditEnv || canDeleteEnv) && (
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Actions for environment ${env.name}`}>
                                <IconDots size={14} />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              {canEditEnv && <Menu.Item onClick={() => onEdit({ kind: 'editEnv', project, env })}>Edit environment</Menu.Item>}
                              {canDeleteEnv && (
                                <Menu.Item color="red" onClick={() => onDelete(project, env)}>
                                  Delete environment
                                </Menu.Item>
                              )}
                            </Menu.Dropdown>
                          </Menu>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

function ProjectFormModal({
  editing,
  onClose,
  onSaved,
}: {
  editing: { kind: 'newProject' } | { kind: 'editProject'; project: Project } | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const existing = editing?.kind === 'editProject' ? editing.project : null;
  useEffect(() => {
    setName(existing?.name ?? '');
    setKey(existing?.key ?? '');
    setTouched(false);
    setError(null);
  }, [editing, existing]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (existing) await put(`/projects/${existing.id}`, { name: name.trim() });
      else await post('/projects', { name: name.trim(), key: key.trim() });
      onClose();
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={editing !== null} onClose={onClose} title={existing ? 'Edit project' : 'New project'} centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => {
              const v = e.currentTarget.value;
              setName(v);
              if (!touched && !existing) setKey(slugify(v));
            }}
            data-autofocus
          />
          <TextInput
            label="Key"
            description={existing ? 'The key cannot change: resource names and scripts use it.' : 'Used in resource names, e.g. project/web.'}
            required
            value={key}
            readOnly={existing !== null}
            onChange={(e) => {
              setTouched(true);
              setKey(e.currentTarget.value);
            }}
            classNames={{ input: 'mono' }}
          />
          {!existing && (
            <Text size="xs" c="dimmed">
              The project starts with two environments, dev and prod.
            </Text>
          )}
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {existing ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function EnvFormModal({
  editing,
  onClose,
  onSaved,
}: {
  editing: { kind: 'newEnv'; project: Project } | { kind: 'editEnv'; project: Project; env: Environment } | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const existing = editing?.kind === 'editEnv' ? editing.env : null;
  useEffect(() => {
    setName(existing?.name ?? '');
    setKey(existing?.key ?? '');
    setDescription(existing?.description ?? '');
    setTouched(false);
    setError(null);
  }, [editing, existing]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    setBusy(true);
    setError(null);
    try {
      if (existing) await put(`/projects/${editing.project.id}/envs/${existing.id}`, { name: name.trim(), description });
      else await post(`/projects/${editing.project.id}/envs`, { name: name.trim(), key: key.trim(), description });
      onClose();
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={editing !== null} onClose={onClose} title={existing ? 'Edit environment' : `New environment in ${editing?.project.name ?? ''}`} centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => {
              const v = e.currentTarget.value;
              setName(v);
              if (!touched && !existing) setKey(slugify(v));
            }}
            data-autofocus
          />
          <TextInput
            label="Key"
            required
            value={key}
            readOnly={existing !== null}
            onChange={(e) => {
              setTouched(true);
              setKey(e.currentTarget.value);
            }}
            classNames={{ input: 'mono' }}
          />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {existing ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

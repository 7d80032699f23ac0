import { Anchor, Badge, Button, Card, Group, Menu, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, post, put } from '../../api/client.ts';
import type { Environment, Project } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { FormModal, NameAndKeyInputs, slugify, useNameAndKey } from '../../components/forms.tsx';
import { IconPlus } from '../../components/icons.tsx';
import { ActionsMenu, DataTable, ListState } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, PageHeader, CreateButton } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { rn } from '../../permissions.ts';
import { useLink } from '../../router.tsx';
import { useSession } from '../../session.tsx';

type Editing = { kind: 'newProject' } | { kind: 'editProject'; project: Project } | { kind: 'newEnv'; project: Project } | { kind: 'editEnv'; project: Project; env: Environment };

export function ProjectsPage() {
  const session = useSession();
  const notify = useNotify();
  const projects = useLoad((signal) => get<Project[]>('/projects', undefined, signal), [session.organizationId]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const confirmDelete = useConfirm(({ project, env }: { project: Project; env?: Environment }) => ({
    title: env ? 'Delete environment?' : 'Delete project?',
    confirmLabel: 'Delete',
    danger: true,
    onConfirm: async () => {
      if (env) await del(`/projects/${project.id}/envs/${env.id}`);
      else await del(`/projects/${project.id}`);
      notify('success', env ? `Environment ${env.name} deleted.` : `Project ${project.name} deleted.`);
      projects.reload();
    },
    children: (
      <>
        {env ? (
          <>
            Environment <b>{env.name}</b> and all its flags and segments will be deleted.
          </>
        ) : (
          <>
            Project <b>{project.name}</b>, its environments, flags and segments will be deleted.
          </>
        )}{' '}
        This cannot be undone.
      </>
    ),
  }));
  const canCreateProject = session.can('CreateProject', rn.project('*'));

  return (
    <>
      <PageHeader
        title="Projects"
        description="Each project has environments; each environment has its own feature flags."
        actions={canCreateProject && <CreateButton label="New project" onClick={() => setEditing({ kind: 'newProject' })} />}
      />
      <ListState
        load={projects}
        errorTitle="Could not load projects"
        empty={<EmptyState title="No projects yet">{canCreateProject ? 'Create a project: it starts with a dev and a prod environment.' : 'No project is shared with you yet.'}</EmptyState>}
      >
        {(items) => (
          <Stack>
            {items.map((p) => (
              <ProjectCard key={p.id} project={p} onEdit={setEditing} onDelete={(project, env) => confirmDelete.ask({ project, env })} />
            ))}
          </Stack>
        )}
      </ListState>
      <ProjectFormModal editing={editing?.kind === 'newProject' || editing?.kind === 'editProject' ? editing : null} onClose={() => setEditing(null)} onSaved={projects.reload} />
      <EnvFormModal editing={editing?.kind === 'newEnv' || editing?.kind === 'editEnv' ? editing : null} onClose={() => setEditing(null)} onSaved={projects.reload} />
      {confirmDelete.dialog}
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
            <ActionsMenu label={`Actions for project ${project.name}`}>
              {canUpdate && <Menu.Item onClick={() => onEdit({ kind: 'editProject', project })}>Edit project</Menu.Item>}
              {canDelete && (
                <Menu.Item color="red" onClick={() => onDelete(project)}>
                  Delete project
                </Menu.Item>
              )}
            </ActionsMenu>
          )}
        </Group>
      </Group>
      {project.environments.length === 0 ? (
        <Text size="sm" c="dimmed">
          No environments you can see.
        </Text>
      ) : (
        <DataTable minWidth={480} verticalSpacing="xs" columns={['Environment', 'Key', 'Description', { w: 210 }]}>
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
                    <Button size="compact-xs" variant="subtle" {...link(`/projects/${project.id}/envs/${env.id}/settings`)} component="a">
                      Settings
                    </Button>
                    {(canEditEnv || canDeleteEnv) && (
                      <ActionsMenu label={`Actions for environment ${env.name}`} small>
                        {canEditEnv && <Menu.Item onClick={() => onEdit({ kind: 'editEnv', project, env })}>Edit environment</Menu.Item>}
                        {canDeleteEnv && (
                          <Menu.Item color="red" onClick={() => onDelete(project, env)}>
                            Delete environment
                          </Menu.Item>
                        )}
                      </ActionsMenu>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </DataTable>
      )}
    </Card>
  );
}

function ProjectFormModal({ editing, onClose, onSaved }: { editing: { kind: 'newProject' } | { kind: 'editProject'; project: Project } | null; onClose: () => void; onSaved: () => void }) {
  const existing = editing?.kind === 'editProject' ? editing.project : null;
  const fields = useNameAndKey(slugify, !existing);
  const { reset } = fields;
  useEffect(() => reset(existing?.name, existing?.key), [editing, existing, reset]);
  const submit = async () => {
    if (existing) await put(`/projects/${existing.id}`, { name: fields.name.trim() });
    else await post('/projects', { name: fields.name.trim(), key: fields.key.trim() });
    onClose();
    onSaved();
  };
  return (
    <FormModal opened={editing !== null} onClose={onClose} title={existing ? 'Edit project' : 'New project'} onSubmit={submit} submitLabel={existing ? 'Save' : 'Create'}>
      <NameAndKeyInputs
        fields={fields}
        keyProps={{
          description: existing ? 'The key cannot change: resource names and scripts use it.' : 'Used in resource names, e.g. project/web.',
          readOnly: existing !== null,
        }}
      />
      {!existing && (
        <Text size="xs" c="dimmed">
          The project starts with two environments, dev and prod.
        </Text>
      )}
    </FormModal>
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
  const existing = editing?.kind === 'editEnv' ? editing.env : null;
  const fields = useNameAndKey(slugify, !existing);
  const [description, setDescription] = useState('');
  const { reset } = fields;
  useEffect(() => {
    reset(existing?.name, existing?.key);
    setDescription(existing?.description ?? '');
  }, [editing, existing, reset]);
  const submit = async () => {
    if (!editing) return;
    if (existing) await put(`/projects/${editing.project.id}/envs/${existing.id}`, { name: fields.name.trim(), description });
    else await post(`/projects/${editing.project.id}/envs`, { name: fields.name.trim(), key: fields.key.trim(), description });
    onClose();
    onSaved();
  };
  return (
    <FormModal
      opened={editing !== null}
      onClose={onClose}
      title={existing ? 'Edit environment' : `New environment in ${editing?.project.name ?? ''}`}
      onSubmit={submit}
      submitLabel={existing ? 'Save' : 'Create'}
    >
      <NameAndKeyInputs fields={fields} keyProps={{ readOnly: existing !== null }} />
      <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
    </FormModal>
  );
}

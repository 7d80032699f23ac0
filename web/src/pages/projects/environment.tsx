// The environment a flag or segment page shows, and the tabs that switch between its flags and its segments.
import { Group, SegmentedControl, Select, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { get } from '../../api/client.ts';
import type { Project } from '../../api/types.ts';
import { Trail } from '../../components/details.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

export function useEnvironment(projectId: string, envId: string) {
  const session = useSession();
  const projects = useLoad((signal) => get<Project[]>('/projects', undefined, signal), [session.organizationId]);
  const project = projects.data?.find((p) => p.id === projectId);
  const env = project?.environments.find((e) => e.id === envId);
  return { projects, project, env };
}

export function EnvTabs({ projectId, envId, active }: { projectId: string; envId: string; active: 'flags' | 'segments' }) {
  const { navigate } = useRouter();
  return (
    <SegmentedControl
      aria-label="Flags or segments"
      value={active}
      onChange={(v) => navigate(`/projects/${projectId}/envs/${envId}/${v}`)}
      data={[
        { value: 'flags', label: 'Feature flags' },
        { value: 'segments', label: 'Segments' },
      ]}
    />
  );
}

// The top of an environment's flags or segments page: the trail, the title, a switch to another environment of the
// project, the tabs, and `actions` on the right; then why the project did not load, if it did not.
export function EnvListHeader({
  environment: { projects, project, env },
  projectId,
  envId,
  active,
  title,
  actions,
}: {
  environment: ReturnType<typeof useEnvironment>;
  projectId: string;
  envId: string;
  active: 'flags' | 'segments';
  title: string;
  actions: ReactNode;
}) {
  const { navigate } = useRouter();
  return (
    <>
      <Trail crumbs={[{ label: 'Projects', to: '/projects' }, { label: project?.name ?? '…' }, { label: env?.name ?? '…' }]} />
      <Group justify="space-between" mb="lg" wrap="wrap">
        <Group gap="sm" wrap="wrap">
          <Text fw={700} size="xl">
            {title}
          </Text>
          {project && (
            <Select
              aria-label="Environment"
              data={project.environments.map((e) => ({ value: e.id, label: `${e.name} (${e.key})` }))}
              value={envId}
              onChange={(v) => v && navigate(`/projects/${projectId}/envs/${v}/${active}`)}
              allowDeselect={false}
              w={200}
            />
          )}
          <EnvTabs projectId={projectId} envId={envId} active={active} />
        </Group>
        {actions}
      </Group>
      <ErrorAlert error={projects.error} title="Could not load the project" mb="md" />
    </>
  );
}

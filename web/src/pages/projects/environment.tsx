// The environment a flag or segment page shows, and the tabs that switch between its flags and its segments.
import { SegmentedControl } from '@mantine/core';
import { get } from '../../api/client.ts';
import type { Project } from '../../api/types.ts';
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

import { Alert, Anchor, List, Text } from '@mantine/core';
import { useState } from 'react';
import { ApiError, errorMessage, get, put } from '../../api/client.ts';
import type { FlagReference, Segment } from '../../api/types.ts';
import { useCommentPrompt } from '../../components/comment.tsx';
import { useNotify } from '../../components/notify.tsx';
import { useLink } from '../../router.tsx';

interface Refused {
  segment: Segment;
  message: string;
  flags: FlagReference[];
}

// Archive or restore a segment, asking for a comment. An archive the server refuses because flags use the
// segment (422 SegmentIsBeingUsed) shows its message and those flags, from GET …/flag-references.
export function useSegmentArchive(projectId: string, envId: string, onDone: () => void) {
  const notify = useNotify();
  const link = useLink();
  const prompt = useCommentPrompt();
  const [refused, setRefused] = useState<Refused | null>(null);

  const ask = (segment: Segment, action: 'archive' | 'restore') =>
    prompt.ask({
      title: action === 'archive' ? 'Archive segment?' : 'Restore segment?',
      submitLabel: action === 'archive' ? 'Archive' : 'Restore',
      summary:
        action === 'archive' ? (
          <>
            <b>{segment.name}</b> will be hidden from the list and can no longer be named by rules. You can restore it later.
          </>
        ) : (
          <>
            <b>{segment.name}</b> will be back in the list of active segments.
          </>
        ),
      save: async (comment) => {
        setRefused(null);
        const path = `/envs/${envId}/segments/${segment.id}`;
        try {
          await put(`${path}/${action}`, { comment: comment || undefined });
        } catch (e) {
          if (!(e instanceof ApiError) || !e.has('SegmentIsBeingUsed')) throw e;
          const flags = await get<FlagReference[]>(`${path}/flag-references`).catch(() => []);
          setRefused({ segment, message: errorMessage(e), flags });
          return;
        }
        notify('success', `Segment ${segment.name} ${action === 'archive' ? 'archived' : 'restored'}.`);
        onDone();
      },
    });

  const alert = refused && (
    <Alert color="red" variant="light" title={`${refused.segment.name} was not archived`} role="alert" withCloseButton onClose={() => setRefused(null)} data-testid="archive-refused">
      <Text size="sm">{refused.message}</Text>
      {refused.flags.length > 0 && (
        <>
          <Text size="sm" mt="xs">
            Flags whose rules use it:
          </Text>
          <List size="sm">
            {refused.flags.map((f) => (
              <List.Item key={f.id}>
                <Anchor size="sm" {...link(`/projects/${projectId}/envs/${f.envId}/flags/${encodeURIComponent(f.key)}`)}>
                  {f.name}
                </Anchor>{' '}
                <Text span size="xs" c="dimmed" className="mono">
                  {f.key}
                </Text>
              </List.Item>
            ))}
          </List>
        </>
      )}
    </Alert>
  );
  return { ask, alert, dialog: prompt.dialog };
}

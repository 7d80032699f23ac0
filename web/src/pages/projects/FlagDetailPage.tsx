import { ActionIcon, Button, Card, Grid, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { ApiError, get, getAll, put } from '../../api/client.ts';
import { useCommentPrompt } from '../../components/comment.tsx';
import type { FeatureFlag, Segment, Variation } from '../../api/types.ts';
import { AboutCard, ArchivedBadge, DetailHeader, DetailState, KeyAndHistory, Trail } from '../../components/details.tsx';
import { IconPlus, IconTrash } from '../../components/icons.tsx';
import { TableHead } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { useEdited, useLoad } from '../../hooks.ts';
import { newId } from '../../ids.ts';
import { rn } from '../../permissions.ts';
import { useSession } from '../../session.tsx';
import { FlagTargetingEditor } from '../targeting/FlagTargeting.tsx';
import { TestUserPanel } from '../targeting/TestUser.tsx';
import { FlagInsights } from './FlagInsights.tsx';
import { useEnvironment } from './environment.tsx';

const ABOUT_ACTIONS = { name: 'UpdateFlagName', description: 'UpdateFlagDescription', tags: 'UpdateFlagTags' } as const;

export function FlagDetailPage({ projectId, envId, flagKey }: { projectId: string; envId: string; flagKey: string }) {
  const session = useSession();
  const notify = useNotify();
  const { project, env } = useEnvironment(projectId, envId);
  const path = `/envs/${envId}/feature-flags/${encodeURIComponent(flagKey)}`;
  const flag = useLoad((signal) => get<FeatureFlag>(path, undefined, signal), [path]);
  // The segments a rule may name: the environment's own and the shared ones that cover it.
  const segments = useLoad(() => getAll<Segment>(`/envs/${envId}/segments`), [envId]);
  const comment = useCommentPrompt();
  const f = flag.data;
  // When the flag reloads (after saving one field), refresh only the fields the person has not started editing.
  const [name, setName] = useEdited(f?.name, '');
  const [description, setDescription] = useEdited(f && (f.description ?? ''), '');
  const [tags, setTags] = useEdited<string[]>(f?.tags, []);
  const [variations, setVariations] = useEdited<Variation[]>(f?.variations, []);

  const r = f && project && env ? rn.flag(project.key, env.key, f.key, f.tags) : null;
  const allowedTo = (action: string) => (r ? session.can(action, r) : false);

  // Each change asks for an optional comment, kept in the audit entry. Variations and the off variation
  // also send the revision shown, so a change made meanwhile by someone else is refused (409), not overwritten.
  const save = (what: string, sub: string, body: Record<string, unknown>, withRevision = false) =>
    comment.ask({
      title: `Save ${what.toLowerCase()}`,
      save: async (text) => {
        try {
          await put(`${path}/${sub}`, { ...body, ...(withRevision && f ? { revision: f.revision } : {}), comment: text || undefined });
        } catch (e) {
          if (!(e instanceof ApiError) || e.status !== 409) throw e;
          flag.reload();
          throw new Error('Someone else changed this flag after you opened it, so this was not saved. The latest version is shown now; check it and try again.');
        }
        notify('success', `${what} saved.`);
        flag.reload();
      },
    });

  return (
    <>
      <Trail crumbs={[{ label: 'Projects', to: '/projects' }, { label: `${project?.name ?? '…'} / ${env?.name ?? '…'}`, to: `/projects/${projectId}/envs/${envId}/flags` }, { label: flagKey }]} />
      <DetailState load={flag} errorTitle="Could not load the flag">
        {(f) => (
          <Stack>
            <DetailHeader
              title={f.name}
              badges={<ArchivedBadge archived={f.isArchived} />}
              actions={
                <Switch
                  size="lg"
                  label={f.isEnabled ? 'On' : 'Off'}
                  checked={f.isEnabled}
                  disabled={!allowedTo('ToggleFlag') || f.isArchived}
                  onChange={(e) => void save('On/off state', `toggle/${e.currentTarget.checked}`, {})}
                  aria-label="Flag on or off"
                />
              }
            >
              <KeyAndHistory itemKey={f.key} refType="flag" refId={f.id} />
            </DetailHeader>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <AboutCard item={f} edits={{ name, setName, description, setDescription, tags, setTags }} can={(field) => allowedTo(ABOUT_ACTIONS[field])} lock="readOnly" onSave={save} />
              <Card withBorder>
                <Stack gap="xs">
                  <Text fw={600}>Variations</Text>
                  <Text size="xs" c="dimmed">
                    Type: {f.variationType}
                  </Text>
                  <VariationsEditor value={variations} onChange={setVariations} readOnly={!allowedTo('UpdateFlagVariations')} flag={f} />
                  {allowedTo('UpdateFlagVariations') && JSON.stringify(variations) !== JSON.stringify(f.variations) && (
                    <Button size="xs" w="fit-content" onClick={() => save('Variations', 'variations', { variations }, true)}>
                      Save variations
                    </Button>
                  )}
                  <Select
                    label="Served when off"
                    data={f.variations.map((v) => ({ value: v.id, label: `${v.name} (${v.value})` }))}
                    value={f.disabledVariationId}
                    allowDeselect={false}
                    disabled={!allowedTo('UpdateFlagOffVariation')}
                    onChange={(v) => v && v !== f.disabledVariationId && void save('Off variation', 'off-variation', { offVariationId: v }, true)}
                  />
                  <Text size="sm">
                    Served when on, to everyone no rule or target picks:{' '}
                    <Text span className="mono">
                      {f.fallthrough.variations.length === 1 ? (f.variations.find((v) => v.id === f.fallthrough.variations[0].id)?.value ?? '—') : 'a percentage split'}
                    </Text>
                  </Text>
                </Stack>
              </Card>
            </SimpleGrid>
            <FlagInsights envId={envId} flagKey={f.key} variations={f.variations} />
            <ErrorAlert error={segments.error} title="Could not load the segments" />
            <Grid>
              <Grid.Col span={{ base: 12, lg: 8 }}>
                <FlagTargetingEditor flag={f} path={path} segments={segments.data ?? []} can={allowedTo} onSaved={flag.reload} />
              </Grid.Col>
              <Grid.Col span={{ base: 12, lg: 4 }}>
                <TestUserPanel flag={f} path={path} />
              </Grid.Col>
            </Grid>
          </Stack>
        )}
      </DetailState>
      {comment.dialog}
    </>
  );
}

function VariationsEditor({ value, onChange, readOnly, flag }: { value: Variation[]; onChange: (v: Variation[]) => void; readOnly: boolean; flag: FeatureFlag }) {
  // The server refuses to remove a variation served anywhere (422 VariationInUse): offer no remove button for those.
  const inUse = new Set([
    flag.enabledVariationId,
    flag.disabledVariationId,
    ...flag.targetUsers.map((u) => u.variationId),
    ...flag.rules.flatMap((r) => r.variations.map((v) => v.id)),
    ...flag.fallthrough.variations.map((v) => v.id),
  ]);
  const fixed = flag.variationType === 'boolean';
  return (
    <Stack gap={4}>
      <Table>
        <TableHead columns={['Name', 'Value', { w: 40 }]} />
        <Table.Tbody>
          {value.map((v, i) => (
            <Table.Tr key={v.id}>
              <Table.Td>
                <TextInput
                  size="xs"
                  aria-label="Variation name"
                  value={v.name}
                  readOnly={readOnly}
                  onChange={(e) => onChange(value.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))}
                />
              </Table.Td>
              <Table.Td>
                <TextInput
                  size="xs"
                  aria-label="Variation value"
                  value={v.value}
                  readOnly={readOnly || fixed}
                  classNames={{ input: 'mono' }}
                  onChange={(e) => onChange(value.map((x, j) => (j === i ? { ...x, value: e.currentTarget.value } : x)))}
                />
              </Table.Td>
              <Table.Td>
                {!readOnly && !fixed && !inUse.has(v.id) && (
                  <ActionIcon variant="subtle" color="red" aria-label="Remove variation" onClick={() => onChange(value.filter((_, j) => j !== i))}>
                    <IconTrash size={14} />
                  </ActionIcon>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {!readOnly && !fixed && (
        <Button
          size="compact-xs"
          variant="subtle"
          leftSection={<IconPlus size={14} />}
          w="fit-content"
          onClick={() => onChange([...value, { id: newId(), name: `Variation ${value.length + 1}`, value: '' }])}
        >
          Add variation
        </Button>
      )}
    </Stack>
  );
}

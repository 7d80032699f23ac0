import { ActionIcon, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Switch, Table, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { get, put } from '../../api/client.ts';
import type { FeatureFlag, Variation } from '../../api/types.ts';
import { DetailState, Trail } from '../../components/details.tsx';
import { IconPlus, IconTrash } from '../../components/icons.tsx';
import { TableHead } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { formatDateTime } from '../../format.ts';
import { useAction, useLoad } from '../../hooks.ts';
import { newId } from '../../ids.ts';
import { rn } from '../../permissions.ts';
import { useSession } from '../../session.tsx';
import { FlagInsights } from './FlagInsights.tsx';
import { useEnvironment } from './FlagsPage.tsx';

export function FlagDetailPage({ projectId, envId, flagKey }: { projectId: string; envId: string; flagKey: string }) {
  const session = useSession();
  const notify = useNotify();
  const { project, env } = useEnvironment(projectId, envId);
  const path = `/envs/${envId}/feature-flags/${encodeURIComponent(flagKey)}`;
  const flag = useLoad((signal) => get<FeatureFlag>(path, undefined, signal), [path]);
  const f = flag.data;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [variations, setVariations] = useState<Variation[]>([]);
  const saving = useAction();
  const [savingWhat, setSavingWhat] = useState<string | null>(null);

  // When the flag reloads (after saving one field), refresh only the fields the
  // person has not started editing, so saving one never discards another.
  const shown = useRef<FeatureFlag | undefined>(undefined);
  useEffect(() => {
    if (!f) return;
    const prev = shown.current;
    shown.current = f;
    setName((v) => (!prev || v === prev.name ? f.name : v));
    setDescription((v) => (!prev || v === (prev.description ?? '') ? (f.description ?? '') : v));
    setTags((v) => (!prev || v.join('\u0000') === prev.tags.join('\u0000') ? f.tags : v));
    setVariations((v) => (!prev || JSON.stringify(v) === JSON.stringify(prev.variations) ? f.variations : v));
  }, [f]);

  const r = f && project && env ? rn.flag(project.key, env.key, f.key, f.tags) : null;
  const allowedTo = (action: string) => (r ? session.can(action, r) : false);

  const save = (what: string, sub: string, body: unknown) => {
    setSavingWhat(what);
    return saving.run(async () => {
      await put(`${path}/${sub}`, body);
      notify('success', `${what} saved.`);
      flag.reload();
    });
  };
  // Which field's save button spins.
  const busy = saving.busy ? savingWhat : null;

  return (
    <>
      <Trail
        crumbs={[
          { label: 'Projects', to: '/projects' },
          { label: `${project?.name ?? '…'} / ${env?.name ?? '…'}`, to: `/projects/${projectId}/envs/${envId}/flags` },
          { label: flagKey },
        ]}
      />
      <DetailState load={flag} errorTitle="Could not load the flag">
        {(f) => (
          <Stack>
            <Group justify="space-between" wrap="wrap">
              <div>
                <Group gap="xs">
                  <Title order={2}>{f.name}</Title>
                  {f.isArchived && (
                    <Badge color="gray" variant="light">
                      Archived
                    </Badge>
                  )}
                </Group>
                <Text size="sm" c="dimmed" className="mono">
                  {f.key}
                </Text>
              </div>
              <Switch
                size="lg"
                label={f.isEnabled ? 'On' : 'Off'}
                checked={f.isEnabled}
                disabled={!allowedTo('ToggleFlag') || f.isArchived}
                onChange={(e) => void save('On/off state', `toggle/${e.currentTarget.checked}`, {})}
                aria-label="Flag on or off"
              />
            </Group>
            <ErrorAlert error={saving.error} title="Could not save" />
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Card withBorder>
                <Stack gap="xs">
                  <Text fw={600}>About</Text>
                  <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} readOnly={!allowedTo('UpdateFlagName')} />
                  {allowedTo('UpdateFlagName') && name !== f.name && (
                    <Button size="xs" w="fit-content" loading={busy === 'Name'} disabled={!name.trim()} onClick={() => save('Name', 'name', { name: name.trim() })}>
                      Save name
                    </Button>
                  )}
                  <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} readOnly={!allowedTo('UpdateFlagDescription')} />
                  {allowedTo('UpdateFlagDescription') && description !== (f.description ?? '') && (
                    <Button size="xs" w="fit-content" loading={busy === 'Description'} onClick={() => save('Description', 'description', { description })}>
                      Save description
                    </Button>
                  )}
                  <TagsInput label="Tags" value={tags} onChange={setTags} readOnly={!allowedTo('UpdateFlagTags')} />
                  {allowedTo('UpdateFlagTags') && tags.join(',') !== f.tags.join(',') && (
                    <Button size="xs" w="fit-content" loading={busy === 'Tags'} onClick={() => save('Tags', 'tags', { tags })}>
                      Save tags
                    </Button>
                  )}
                  <Text size="xs" c="dimmed">
                    Created {formatDateTime(f.createdAt)} · updated {formatDateTime(f.updatedAt)}
                  </Text>
                </Stack>
              </Card>
              <Card withBorder>
                <Stack gap="xs">
                  <Text fw={600}>Variations</Text>
                  <Text size="xs" c="dimmed">
                    Type: {f.variationType}
                  </Text>
                  <VariationsEditor value={variations} onChange={setVariations} readOnly={!allowedTo('UpdateFlagVariations')} flag={f} />
                  {allowedTo('UpdateFlagVariations') && JSON.stringify(variations) !== JSON.stringify(f.variations) && (
                    <Button size="xs" w="fit-content" loading={busy === 'Variations'} onClick={() => save('Variations', 'variations', { variations })}>
                      Save variations
                    </Button>
                  )}
                  <Select
                    label="Served when off"
                    data={f.variations.map((v) => ({ value: v.id, label: `${v.name} (${v.value})` }))}
                    value={f.disabledVariationId}
                    allowDeselect={false}
                    disabled={!allowedTo('UpdateFlagOffVariation')}
                    onChange={(v) => v && v !== f.disabledVariationId && void save('Off variation', 'off-variation', { offVariationId: v })}
                  />
                  <Text size="sm">
                    Served when on:{' '}
                    <Text span className="mono">
                      {f.variations.find((v) => v.id === f.enabledVariationId)?.value ?? '—'}
                    </Text>
                  </Text>
                </Stack>
              </Card>
            </SimpleGrid>
            <FlagInsights envId={envId} flagKey={f.key} variations={f.variations} />
          </Stack>
        )}
      </DetailState>
    </>
  );
}

function VariationsEditor({ value, onChange, readOnly, flag }: { value: Variation[]; onChange: (v: Variation[]) => void; readOnly: boolean; flag: FeatureFlag }) {
  const inUse = new Set([flag.enabledVariationId, flag.disabledVariationId]);
  const fixed = flag.variationType === 'boolean';
  return (
    <Stack gap={4}>
      <Table>
        <TableHead columns={['Name', 'Value', { w: 40 }]} />
        <Table.Tbody>
          {value.map((v, i) => (
            <Table.Tr key={v.id}>
              <Table.Td>
                <TextInput size="xs" aria-label="Variation name" value={v.name} readOnly={readOnly} onChange={(e) => onChange(value.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))} />
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
        <Button size="compact-xs" variant="subtle" leftSection={<IconPlus size={14} />} w="fit-content" onClick={() => onChange([...value, { id: newId(), name: `Variation ${value.length + 1}`, value: '' }])}>
          Add variation
        </Button>
      )}
    </Stack>
  );
}

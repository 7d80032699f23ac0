import { Accordion, ActionIcon, Alert, Autocomplete, Badge, Button, Checkbox, Code, Group, SegmentedControl, SimpleGrid, Stack, TagsInput, Text } from '@mantine/core';
import { useMemo } from 'react';
import type { Project, Statement } from '../../api/types.ts';
import { IconPlus, IconX } from '../../components/icons.tsx';
import { newId } from '../../ids.ts';
import { heldActions, invalidKeyChars, isCovered, PICKER_ORDER, RESOURCE_TYPE_LABELS, resourcePattern, type ResourceSpec, type ResourceType } from '../../permissions.ts';

export interface TypeSelection {
  actions: string[];
  scope: 'all' | 'specific';
  resources: ResourceSpec[];
}
export type PickerValue = Partial<Record<ResourceType, TypeSelection>>;

// Only these types have resources below the organization worth narrowing to.
const SCOPED: ResourceType[] = ['project', 'env', 'flag', 'segment'];
const emptySpec = (): ResourceSpec => ({ project: '', env: '', key: '', tags: [] });

export function selectionPatterns(type: ResourceType, sel: TypeSelection): string[] {
  if (!SCOPED.includes(type) || sel.scope === 'all' || sel.resources.length === 0) return [resourcePattern(type, null)];
  return [...new Set(sel.resources.map((r) => resourcePattern(type, r)))];
}

export function pickerStatements(value: PickerValue): Statement[] {
  const out: Statement[] = [];
  for (const type of PICKER_ORDER) {
    const sel = value[type];
    if (!sel || sel.actions.length === 0) continue;
    out.push({ id: newId(), resourceType: type, effect: 'allow', actions: [...sel.actions], resources: selectionPatterns(type, sel) });
  }
  return out;
}

export function pickerProblems(value: PickerValue): string[] {
  const problems: string[] = [];
  for (const type of PICKER_ORDER) {
    const sel = value[type];
    if (!sel || sel.actions.length === 0 || sel.scope !== 'specific') continue;
    for (const r of sel.resources) {
      const keys = [r.project, r.env, r.key, ...r.tags];
      if (keys.some(invalidKeyChars)) problems.push(`${RESOURCE_TYPE_LABELS[type]}: keys and tags cannot contain : ; , or /`);
    }
  }
  return [...new Set(problems)];
}

export function PermissionPicker({ value, onChange, mine, projects }: { value: PickerValue; onChange: (v: PickerValue) => void; mine: Statement[]; projects: Project[] }) {
  const offered = useMemo(() => PICKER_ORDER.map((t) => ({ type: t, actions: heldActions(mine, t) })).filter((x) => x.actions.length > 0), [mine]);
  const set = (type: ResourceType, sel: TypeSelection) => onChange({ ...value, [type]: sel });

  if (offered.length === 0) {
    return (
      <Alert color="yellow" variant="light">
        You hold no permissions that could be given to a token.
      </Alert>
    );
  }
  return (
    <Accordion multiple variant="separated" chevronPosition="left" data-testid="permission-picker">
      {offered.map(({ type, actions }) => {
        const sel = value[type] ?? { actions: [], scope: 'all', resources: [emptySpec()] };
        return (
          <Accordion.Item key={type} value={type} data-testid={`picker-${type}`}>
            <Accordion.Control aria-label={RESOURCE_TYPE_LABELS[type]}>
              <Group justify="space-between" wrap="nowrap" pr="sm">
                <Text fw={500}>{RESOURCE_TYPE_LABELS[type]}</Text>
                {sel.actions.length > 0 && (
                  <Badge variant="light" size="sm">
                    {sel.actions.length} selected
                  </Badge>
                )}
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <TypePanel type={type} offered={actions} sel={sel} onChange={(s) => set(type, s)} mine={mine} projects={projects} />
            </Accordion.Panel>
          </Accordion.Item>
        );
      })}
    </Accordion>
  );
}

function TypePanel({
  type,
  offered,
  sel,
  onChange,
  mine,
  projects,
}: {
  type: ResourceType;
  offered: string[];
  sel: TypeSelection;
  onChange: (s: TypeSelection) => void;
  mine: Statement[];
  projects: Project[];
}) {
  const scoped = SCOPED.includes(type);
  const allChecked = offered.every((a) => sel.actions.includes(a));
  const someChecked = sel.actions.length > 0 && !allChecked;
  const patterns = selectionPatterns(type, sel);
  const covered = sel.actions.length === 0 || isCovered(mine, [{ id: 'x', resourceType: type, effect: 'allow', actions: sel.actions, resources: patterns }]);

  const projectKeys = [...new Set(['*', ...projects.map((p) => p.key)])];
  const envKeysFor = (projectKey: string) => {
    const envs = projects.filter((p) => projectKey === '' || projectKey === '*' || p.key === projectKey).flatMap((p) => p.environments.map((e) => e.key));
    return [...new Set(['*', ...envs])];
  };
  const updateRow = (i: number, patch: Partial<ResourceSpec>) => onChange({ ...sel, resources: sel.resources.map((r, j) => (j === i ? { ...r, ...patch } : r)) });

  return (
    <Stack gap="sm">
      <Checkbox label="All actions below" checked={allChecked} indeterminate={someChecked} onChange={() => onChange({ ...sel, actions: allChecked ? [] : [...offered] })} />
      <Checkbox.Group value={sel.actions} onChange={(actions) => onChange({ ...sel, actions: offered.filter((a) => actions.includes(a)) })}>
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing={6} verticalSpacing={6} pl="md">
          {offered.map((a) => (
            <Checkbox key={a} value={a} label={a} />
          ))}
        </SimpleGrid>
      </Checkbox.Group>
      {scoped && (
        <>
          <SegmentedControl
            size="xs"
            value={sel.scope}
            onChange={(v) => onChange({ ...sel, scope: v as 'all' | 'specific', resources: sel.resources.length ? sel.resources : [emptySpec()] })}
            data={[
              { value: 'all', label: 'All resources' },
              { value: 'specific', label: 'Specific resources' },
            ]}
            aria-label={`${RESOURCE_TYPE_LABELS[type]} resources`}
          />
          {sel.scope === 'specific' && (
            <Stack gap="xs">
              {sel.resources.map((r, i) => (
                <Group key={i} gap="xs" align="flex-end" wrap="wrap">
                  <Autocomplete label="Project key" placeholder="* for any" data={projectKeys} value={r.project} onChange={(v) => updateRow(i, { project: v })} w={140} size="xs" />
                  {type !== 'project' && (
                    <Autocomplete label="Environment key" placeholder="* for any" data={envKeysFor(r.project)} value={r.env} onChange={(v) => updateRow(i, { env: v })} w={140} size="xs" />
                  )}
                  {(type === 'flag' || type === 'segment') && (
                    <>
                      <Autocomplete
                        label={type === 'flag' ? 'Flag key' : 'Segment key'}
                        placeholder="* for any"
                        data={['*']}
                        value={r.key}
                        onChange={(v) => updateRow(i, { key: v })}
                        w={140}
                        size="xs"
                      />
                      <TagsInput label="Tags (any of)" placeholder="optional" value={r.tags} onChange={(tags) => updateRow(i, { tags })} w={180} size="xs" />
                    </>
                  )}
                  {sel.resources.length > 1 && (
                    <ActionIcon variant="subtle" color="gray" aria-label="Remove resource" onClick={() => onChange({ ...sel, resources: sel.resources.filter((_, j) => j !== i) })} mb={2}>
                      <IconX />
                    </ActionIcon>
                  )}
                </Group>
              ))}
              <Button size="compact-xs" variant="subtle" leftSection={<IconPlus size={14} />} onClick={() => onChange({ ...sel, resources: [...sel.resources, emptySpec()] })} w="fit-content">
                Add resource
              </Button>
            </Stack>
          )}
        </>
      )}
      <Group gap={6}>
        <Text size="xs" c="dimmed">
          Resources:
        </Text>
        {patterns.map((p) => (
          <Code key={p} data-testid="rn-pattern">
            {p}
          </Code>
        ))}
      </Group>
      {!covered && (
        <Alert color="orange" variant="light" p="xs">
          <Text size="xs">You do not hold all of these actions on these resources, so the server will refuse them. Narrow the resources or the actions.</Text>
        </Alert>
      )}
    </Stack>
  );
}

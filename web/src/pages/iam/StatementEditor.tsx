import { ActionIcon, Button, Group, MultiSelect, Paper, SegmentedControl, Select, Stack, TagsInput, Text, Tooltip } from '@mantine/core';
import type { Statement } from '../../api/types.ts';
import { IconPlus, IconTrash } from '../../components/icons.tsx';
import { newId } from '../../ids.ts';
import { ACTIONS, RESOURCE_TYPES, RESOURCE_TYPE_LABELS, resourcePattern, type ResourceType } from '../../permissions.ts';
import { parsePattern } from '../../../../src/policy/rn.ts';

const TYPE_OPTIONS = [{ value: '*', label: 'All resource types' }, ...RESOURCE_TYPES.map((t) => ({ value: t, label: `${RESOURCE_TYPE_LABELS[t]} (${t})` }))];

function actionOptions(type: ResourceType | '*'): string[] {
  if (type === '*') return ['*'];
  const aliases = type === 'flag' ? ['ManageFeatureFlag'] : type === 'segment' ? ['ManageSegment'] : [];
  return ['*', ...aliases, ...ACTIONS[type]];
}

const examplePattern = (type: ResourceType | '*') => (type === '*' ? '*' : resourcePattern(type, null));

export function emptyStatement(): Statement {
  return { id: newId(), resourceType: 'flag', effect: 'allow', actions: [], resources: [resourcePattern('flag', null)] };
}

export function statementProblems(s: Statement): string[] {
  const out: string[] = [];
  if (s.actions.length === 0) out.push('Choose at least one action.');
  if (s.resources.length === 0) out.push('Add at least one resource.');
  const bad = s.resources.filter((r) => parsePattern(r) === null);
  if (bad.length) out.push(`Not a valid resource name: ${bad.join(', ')}`);
  return out;
}

export function StatementEditor({ value, onChange }: { value: Statement[]; onChange: (v: Statement[]) => void }) {
  const update = (i: number, patch: Partial<Statement>) => onChange(value.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  return (
    <Stack gap="sm" data-testid="statement-editor">
      {value.length === 0 && (
        <Text size="sm" c="dimmed">
          No statements: this policy grants nothing.
        </Text>
      )}
      {value.map((s, i) => {
        const problems = statementProblems(s);
        return (
          <Paper key={s.id || i} withBorder p="sm" data-testid="statement">
            <Stack gap="xs">
              <Group justify="space-between" wrap="wrap" gap="xs">
                <Group gap="xs" wrap="wrap">
                  <SegmentedControl
                    size="xs"
                    aria-label="Effect"
                    value={s.effect}
                    onChange={(v) => update(i, { effect: v as Statement['effect'] })}
                    data={[
                      { value: 'allow', label: 'Allow' },
                      { value: 'deny', label: 'Deny' },
                    ]}
                    color={s.effect === 'allow' ? 'teal' : 'red'}
                  />
                  <Select
                    aria-label="Resource type"
                    size="xs"
                    w={230}
                    data={TYPE_OPTIONS}
                    value={s.resourceType}
                    allowDeselect={false}
                    onChange={(v) => {
                      if (!v) return;
                      const type = v as ResourceType | '*';
                      // Actions belong to one type: keep only those that still fit.
                      const keep = s.actions.filter((a) => actionOptions(type).includes(a));
                      update(i, { resourceType: type, actions: keep, resources: [examplePattern(type)] });
                    }}
                  />
                </Group>
                <Tooltip label="Remove statement">
                  <ActionIcon variant="subtle" color="red" aria-label="Remove statement" onClick={() => onChange(value.filter((_, j) => j !== i))}>
                    <IconTrash />
                  </ActionIcon>
                </Tooltip>
              </Group>
              <MultiSelect
                label="Actions"
                size="xs"
                data={actionOptions(s.resourceType)}
                value={s.actions}
                onChange={(actions) => update(i, { actions })}
                searchable
                placeholder={s.actions.length ? undefined : 'Choose actions'}
                comboboxProps={{ withinPortal: true }}
              />
              <TagsInput
                label="Resources"
                description={`Resource name patterns, * as wildcard, e.g. ${examplePattern(s.resourceType)}`}
                size="xs"
                value={s.resources}
                onChange={(resources) => update(i, { resources })}
                splitChars={[' ']}
                placeholder="Type a pattern and press Enter"
              />
              {problems.map((p) => (
                <Text key={p} size="xs" c="red">
                  {p}
                </Text>
              ))}
            </Stack>
          </Paper>
        );
      })}
      <Button variant="light" leftSection={<IconPlus />} onClick={() => onChange([...value, emptyStatement()])} w="fit-content" size="xs">
        Add statement
      </Button>
    </Stack>
  );
}

import { ActionIcon, Autocomplete, Button, Card, Group, MultiSelect, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Condition, Segment } from '../../api/types.ts';
import { IconPlus, IconTrash } from '../../components/icons.tsx';
import { conditionProblem, IN_SEGMENT, isSegmentProperty, listOf, NOT_IN_SEGMENT, OPERATOR_GROUPS, takes } from './operators.ts';

export { conditionProblem, IN_SEGMENT, isSegmentProperty, listOf, NOT_IN_SEGMENT, OPERATORS } from './operators.ts';

export const BUILT_IN_PROPERTIES = ['keyId', 'name'];

// The rules of a flag or a segment: "No rules." when there are none, the rules, then Add rule when `onAdd` is given.
export function RuleList({ count, onAdd, children }: { count: number; onAdd?: () => void; children: ReactNode }) {
  return (
    <Stack gap="sm">
      {count === 0 && (
        <Text size="xs" c="dimmed">
          No rules.
        </Text>
      )}
      {children}
      {onAdd && (
        <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} w="fit-content" onClick={onAdd}>
          Add rule
        </Button>
      )}
    </Stack>
  );
}

// One rule: its name (`label`, "Rule n", when it has none), the `actions` beside it while it can be changed
// (always ending with its remove button), then `children`: its conditions and what it serves.
export function RuleCard({
  label,
  name,
  disabled,
  onNameChange,
  onRemove,
  actions,
  children,
}: {
  label: string;
  name: string;
  disabled: boolean;
  onNameChange: (name: string) => void;
  onRemove: () => void;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const remove = (
    <ActionIcon variant="subtle" color="red" aria-label={`${label}: remove`} onClick={onRemove}>
      <IconTrash size={14} />
    </ActionIcon>
  );
  return (
    <Card withBorder padding="sm" bg="gray.0" data-testid="rule">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <TextInput size="xs" aria-label={`${label}: name`} placeholder={label} value={name} disabled={disabled} onChange={(e) => onNameChange(e.currentTarget.value)} maw={360} style={{ flex: 1 }} />
          {!disabled &&
            (actions ? (
              <Group gap={2} wrap="nowrap">
                {actions}
                {remove}
              </Group>
            ) : (
              remove
            ))}
        </Group>
        {children}
      </Stack>
    </Card>
  );
}

// The conditions of one rule (all must hold). Segment conditions are offered only when `segments` is given.
export function ConditionsEditor({
  value,
  onChange,
  segments,
  disabled,
  label,
}: {
  value: Condition[];
  onChange: (c: Condition[]) => void;
  segments?: readonly Segment[];
  disabled?: boolean;
  label: string;
}) {
  const set = (i: number, c: Condition) => onChange(value.map((x, j) => (j === i ? c : x)));
  const properties = [...BUILT_IN_PROPERTIES, ...(segments ? [IN_SEGMENT, NOT_IN_SEGMENT] : [])];
  return (
    <Stack gap={6} data-testid="conditions">
      {value.length === 0 && (
        <Text size="xs" c="dimmed">
          No conditions: every user matches.
        </Text>
      )}
      {value.map((c, i) => {
        const problem = conditionProblem(c);
        const segment = isSegmentProperty(c.property);
        return (
          <Stack key={i} gap={2} data-testid="condition">
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <Text size="xs" c="dimmed" w={30} pt={8} ta="right" style={{ flexShrink: 0 }}>
                {i === 0 ? 'If' : 'and'}
              </Text>
              <Group gap="xs" wrap="wrap" align="flex-start" style={{ flex: 1, minWidth: 0 }}>
                <Autocomplete
                  size="xs"
                  aria-label={`${label}: property ${i + 1}`}
                  placeholder="Property"
                  data={properties}
                  value={c.property}
                  disabled={disabled}
                  style={{ flex: '0 1 160px', minWidth: 130 }}
                  onChange={(property) => {
                    // Moving between a segment condition and an attribute condition starts the value over.
                    const wasSegment = isSegmentProperty(c.property);
                    const nowSegment = isSegmentProperty(property);
                    if (wasSegment === nowSegment) set(i, { ...c, property });
                    else set(i, { ...c, property, op: nowSegment ? '' : 'Equal', value: nowSegment ? '[]' : '' });
                  }}
                />
                {segment ? (
                  <MultiSelect
                    size="xs"
                    aria-label={`${label}: segments ${i + 1}`}
                    placeholder="Segments"
                    data={(segments ?? []).map((s) => ({ value: s.id, label: s.name }))}
                    value={listOf(c.value)}
                    onChange={(ids) => set(i, { ...c, value: JSON.stringify(ids) })}
                    disabled={disabled}
                    searchable
                    style={{ flex: '1 1 160px' }}
                  />
                ) : (
                  <>
                    <Select
                      size="xs"
                      aria-label={`${label}: operator ${i + 1}`}
                      placeholder="Operator"
                      data={OPERATOR_GROUPS}
                      value={c.op || null}
                      allowDeselect={false}
                      disabled={disabled}
                      style={{ flex: '0 1 150px', minWidth: 130 }}
                      onChange={(op) => {
                        if (!op) return;
                        const from = takes(c.op);
                        const to = takes(op);
                        const value = from === to ? c.value : to === 'list' ? JSON.stringify(c.value ? [c.value] : []) : to === 'none' ? '' : from === 'list' ? (listOf(c.value)[0] ?? '') : c.value;
                        set(i, { ...c, op, value });
                      }}
                    />
                    {takes(c.op) === 'list' ? (
                      <TagsInput
                        size="xs"
                        aria-label={`${label}: values ${i + 1}`}
                        placeholder="Values (Enter after each)"
                        value={listOf(c.value)}
                        onChange={(vs) => set(i, { ...c, value: JSON.stringify(vs) })}
                        disabled={disabled}
                        style={{ flex: '1 1 160px' }}
                      />
                    ) : takes(c.op) === 'text' ? (
                      <TextInput
                        size="xs"
                        aria-label={`${label}: value ${i + 1}`}
                        placeholder="Value"
                        value={c.value}
                        onChange={(e) => set(i, { ...c, value: e.currentTarget.value })}
                        disabled={disabled}
                        classNames={{ input: 'mono' }}
                        style={{ flex: '1 1 160px' }}
                      />
                    ) : (
                      <div style={{ flex: '1 1 160px' }} />
                    )}
                  </>
                )}
              </Group>
              {!disabled && (
                <ActionIcon variant="subtle" color="red" mt={2} aria-label={`${label}: remove condition ${i + 1}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
                  <IconTrash size={14} />
                </ActionIcon>
              )}
            </Group>
            {problem && c.property !== '' && (
              <Text size="xs" c="red" pl={38}>
                {problem}
              </Text>
            )}
          </Stack>
        );
      })}
      {!disabled && (
        <Button size="compact-xs" variant="subtle" leftSection={<IconPlus size={14} />} w="fit-content" onClick={() => onChange([...value, { property: '', op: 'Equal', value: '' }])}>
          Add condition
        </Button>
      )}
    </Stack>
  );
}

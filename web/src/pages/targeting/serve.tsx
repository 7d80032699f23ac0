import { Box, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Text, Tooltip } from '@mantine/core';
import type { Variation } from '../../api/types.ts';
import { splitTotal, toSplit, type Serve } from './split.ts';

export { rolloutsOf, serveIsValid, serveOf, type Serve } from './split.ts';

const BP = 10000;

const COLORS = ['indigo', 'teal', 'orange', 'grape', 'cyan', 'pink', 'lime', 'yellow'];
export const variationColor = (flagVariations: readonly Variation[], id: string) => {
  const i = flagVariations.findIndex((v) => v.id === id);
  return `var(--mantine-color-${COLORS[(Math.max(i, 0)) % COLORS.length]}-5)`;
};

export const variationLabel = (v: Variation) => (v.name && v.name !== v.value ? `${v.name} (${v.value})` : v.value || v.name || v.id);

// The split as one bar, each variation's share in its colour.
export function SplitBar({ percents, variations }: { percents: Record<string, number>; variations: readonly Variation[] }) {
  const total = splitTotal(percents);
  return (
    <Box data-testid="split-bar" style={{ display: 'flex', height: 12, borderRadius: 6, overflow: 'hidden', background: 'var(--mantine-color-gray-2)' }}>
      {variations.map((v) => {
        const p = percents[v.id] || 0;
        if (p <= 0) return null;
        return (
          <Tooltip key={v.id} label={`${variationLabel(v)}: ${p} %`}>
            <Box style={{ width: `${Math.min(p, 100)}%`, background: variationColor(variations, v.id) }} data-variation={v.id} />
          </Tooltip>
        );
      })}
      {total > BP && <Box style={{ flex: 1, background: 'var(--mantine-color-red-6)' }} />}
    </Box>
  );
}

// Pick one variation or a percentage split. `label` names the control for screen readers and tests.
export function ServeEditor({ label, value, onChange, variations, disabled }: { label: string; value: Serve; onChange: (s: Serve) => void; variations: readonly Variation[]; disabled?: boolean }) {
  const total = value.kind === 'split' ? splitTotal(value.percents) : BP;
  return (
    <Stack gap={6}>
      <Group gap="sm" wrap="wrap">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <SegmentedControl
          size="xs"
          aria-label={`${label}: kind`}
          disabled={disabled}
          value={value.kind}
          onChange={(k) => onChange(k === 'split' ? toSplit(value, variations) : { kind: 'single', variationId: mostServed(value, variations) })}
          data={[
            { value: 'single', label: 'A variation' },
            { value: 'split', label: 'A percentage split' },
          ]}
        />
      </Group>
      {value.kind === 'single' ? (
        <Select
          aria-label={`${label}: variation`}
          data={variations.map((v) => ({ value: v.id, label: variationLabel(v) }))}
          value={value.variationId || null}
          onChange={(id) => id && onChange({ kind: 'single', variationId: id })}
          allowDeselect={false}
          disabled={disabled}
          maw={320}
        />
      ) : (
        <Stack gap={6}>
          <SplitBar percents={value.percents} variations={variations} />
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
            {variations.map((v) => (
              <NumberInput
                key={v.id}
                size="xs"
                label={variationLabel(v)}
                aria-label={`${label}: percentage for ${variationLabel(v)}`}
                suffix=" %"
                min={0}
                max={100}
                decimalScale={2}
                value={value.percents[v.id] ?? 0}
                disabled={disabled}
                leftSection={<Box w={8} h={8} style={{ borderRadius: 4, background: variationColor(variations, v.id) }} />}
                onChange={(n) => onChange({ kind: 'split', percents: { ...value.percents, [v.id]: typeof n === 'number' ? n : Number(n) || 0 } })}
              />
            ))}
          </SimpleGrid>
          <Text size="xs" c={total === BP ? 'dimmed' : 'red'} role={total === BP ? undefined : 'alert'}>
            {total === BP ? 'Adds up to 100 %.' : `Adds up to ${total / 100} %: the percentages must add up to 100 %.`}
          </Text>
        </Stack>
      )}
    </Stack>
  );
}

function mostServed(s: Serve, variations: readonly Variation[]): string {
  if (s.kind === 'single') return s.variationId;
  let best = variations[0]?.id ?? '';
  for (const v of variations) if ((s.percents[v.id] ?? 0) > (s.percents[best] ?? 0)) best = v.id;
  return best;
}

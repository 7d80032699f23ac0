// The flag page's insights: when the flag was last evaluated by an SDK, and its evaluations per variation per hour.
import { BarChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { Card, Group, Stack, Text } from '@mantine/core';
import { get } from '../../api/client.ts';
import type { Variation } from '../../api/types.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { formatDateTime, formatRelative } from '../../format.ts';
import { useLoad } from '../../hooks.ts';

interface FlagInsightsData {
  lastEvaluatedAt: string | null;
  series: { time: string; counts: Record<string, number> }[];
}

const COLORS = ['teal.6', 'gray.5', 'blue.6', 'orange.6', 'grape.6', 'yellow.6', 'cyan.6', 'red.6', 'lime.6', 'indigo.6'];
const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function FlagInsights({ envId, flagKey, variations }: { envId: string; flagKey: string; variations: Variation[] }) {
  const insights = useLoad((signal) => get<FlagInsightsData>(`/envs/${envId}/feature-flags/${encodeURIComponent(flagKey)}/insights`, { hours: 24 }, signal), [envId, flagKey]);
  const d = insights.data;
  // Variations are named in the chart; an id the flag no longer has is shown as is.
  const ids = new Set(variations.map((v) => v.id));
  for (const b of d?.series ?? []) for (const id of Object.keys(b.counts)) ids.add(id);
  const nameOf = (id: string) => variations.find((v) => v.id === id)?.name ?? id;
  const series = [...ids].map((id, i) => ({ name: nameOf(id), color: COLORS[i % COLORS.length] }));
  const data = (d?.series ?? []).map((b) => ({ hour: hourLabel.format(new Date(b.time)), ...Object.fromEntries([...ids].map((id) => [nameOf(id), b.counts[id] ?? 0])) }));
  const total = (d?.series ?? []).reduce((n, b) => n + Object.values(b.counts).reduce((a, c) => a + c, 0), 0);

  return (
    <Card withBorder data-testid="flag-insights">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>Evaluations, last 24 hours</Text>
          <Text size="sm" c="dimmed" title={formatDateTime(d?.lastEvaluatedAt)}>
            Last evaluated: {d ? formatRelative(d.lastEvaluatedAt) : '…'}
          </Text>
        </Group>
        <ErrorAlert error={insights.error} title="Could not load the insights" />
        {d && total === 0 && (
          <Text size="sm" c="dimmed">
            No SDK has reported evaluating this flag in the last 24 hours.
          </Text>
        )}
        {d && total > 0 && <BarChart h={180} data={data} dataKey="hour" type="stacked" series={series} withLegend tickLine="none" gridAxis="y" aria-label="Evaluations per variation per hour" />}
      </Stack>
    </Card>
  );
}

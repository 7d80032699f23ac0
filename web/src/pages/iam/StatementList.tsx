import { Badge, Code, Group, Paper, Stack, Text } from '@mantine/core';
import type { Statement } from '../../api/types.ts';

export function StatementList({ statements }: { statements: Statement[] }) {
  if (statements.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No statements.
      </Text>
    );
  return (
    <Stack gap="xs">
      {statements.map((s, i) => (
        <Paper key={s.id || i} withBorder p="xs">
          <Group gap="xs" mb={4}>
            <Badge color={s.effect === 'allow' ? 'teal' : 'red'} variant="light" size="sm">
              {s.effect}
            </Badge>
            <Text size="sm" fw={500}>
              {s.resourceType === '*' ? 'All resource types' : s.resourceType}
            </Text>
          </Group>
          <Text size="xs" c="dimmed">
            Actions
          </Text>
          <Group gap={4} mb={4}>
            {s.actions.map((a) => (
              <Badge key={a} variant="outline" size="sm" tt="none">
                {a}
              </Badge>
            ))}
          </Group>
          <Text size="xs" c="dimmed">
            Resources
          </Text>
          <Group gap={4}>
            {s.resources.map((r) => (
              <Code key={r}>{r}</Code>
            ))}
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}

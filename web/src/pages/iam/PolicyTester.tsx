// "Test this policy": would these statements (as shown, saved or not) allow an action on a resource? The server
// answers with the same evaluation it enforces (`POST /iam/explain` with the statements inline).
import { Badge, Button, Card, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { post } from '../../api/client.ts';
import type { Explanation, Statement } from '../../api/types.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { useAction } from '../../hooks.ts';
import { ACTIONS, PICKER_ORDER, RESOURCE_TYPE_LABELS } from '../../permissions.ts';
import { parseRn } from '../../../../src/policy/rn.ts';

const ACTION_GROUPS = PICKER_ORDER.map((type) => ({ group: RESOURCE_TYPE_LABELS[type], items: [...ACTIONS[type]] }));

export function PolicyTester({ policy, statements }: { policy: { id: string; name: string }; statements: Statement[] }) {
  const [action, setAction] = useState<string | null>('ToggleFlag');
  const [resource, setResource] = useState('project/web:env/prod:flag/checkout');
  const [answer, setAnswer] = useState<Explanation | null>(null);
  const test = useAction();
  const valid = action !== null && parseRn(resource.trim()) !== null;
  const run = () =>
    test.run(async () => {
      setAnswer(null);
      setAnswer(await post<Explanation>('/iam/explain', { policies: [{ id: policy.id, name: policy.name, statements }], action, resource: resource.trim() }));
    });
  return (
    <Card withBorder data-testid="policy-tester">
      <Stack gap="xs">
        <Text fw={600}>Test this policy</Text>
        <Text size="sm" c="dimmed">
          Would the statements above allow an action on a resource? Unsaved changes are tested too.
        </Text>
        <Group align="flex-end" wrap="wrap">
          <Select label="Action" data={ACTION_GROUPS} value={action} onChange={(v) => setAction(v)} allowDeselect={false} searchable w={260} />
          <TextInput
            label="Resource"
            value={resource}
            onChange={(e) => setResource(e.currentTarget.value)}
            error={resource.trim() && parseRn(resource.trim()) === null ? 'Not a resource name, e.g. project/web:env/prod:flag/checkout;beta' : undefined}
            classNames={{ input: 'mono' }}
            style={{ flex: '1 1 320px' }}
          />
          <Button onClick={() => void run()} loading={test.busy} disabled={!valid}>
            Test
          </Button>
        </Group>
        <ErrorAlert error={test.error} title="Could not test the policy" />
        {answer && (
          <Group gap="sm" align="flex-start" wrap="nowrap" data-testid="policy-test-result">
            <Badge color={answer.allowed ? 'teal' : 'red'} variant="light" style={{ flexShrink: 0 }}>
              {answer.allowed ? 'Allowed' : 'Refused'}
            </Badge>
            <Stack gap={2}>
              <Text size="sm">{answer.reason}</Text>
              {answer.deciding && (
                <Text size="xs" c="dimmed">
                  Deciding statement: {answer.deciding.statementIndex + 1}
                </Text>
              )}
            </Stack>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

import { ActionIcon, Badge, Box, Button, Card, Group, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { post } from '../../api/client.ts';
import type { EvalUser, EvaluationResult, FeatureFlag } from '../../api/types.ts';
import { IconPlus, IconTrash } from '../../components/icons.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { useAction } from '../../hooks.ts';
import { variationColor, variationLabel } from './serve.tsx';

const KIND_LABELS: Record<string, string> = {
  disabled: 'the flag is off',
  targeted: 'individually targeted',
  rule: 'a rule matched',
  fallthrough: 'the default rule',
  none: 'no rollout range holds this user',
};

// Ask the server what a user would get from the saved flag (POST …/feature-flags/{key}/evaluate).
export function TestUserPanel({ flag, path }: { flag: FeatureFlag; path: string }) {
  const [keyId, setKeyId] = useState('');
  const [name, setName] = useState('');
  const [props, setProps] = useState<{ name: string; value: string }[]>([]);
  const [result, setResult] = useState<EvaluationResult | null>(null);
  const evaluating = useAction();
  const evaluate = () =>
    evaluating.run(async () => {
      setResult(null);
      const user: EvalUser = { keyId: keyId.trim(), name, customizedProperties: props.filter((p) => p.name.trim()) };
      setResult(await post<EvaluationResult>(`${path}/evaluate`, { user }));
    });
  const variation = result?.variation ? flag.variations.find((v) => v.id === result.variation?.id) : undefined;
  return (
    <Card withBorder data-testid="test-user">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void evaluate();
        }}
      >
        <Stack gap="xs">
          <div>
            <Text fw={600}>Test a user</Text>
            <Text size="xs" c="dimmed">
              What this user gets from the saved flag (unsaved targeting changes are not included).
            </Text>
          </div>
          <Group gap="xs" grow>
            <TextInput size="xs" label="Key" aria-label="User key" required value={keyId} onChange={(e) => setKeyId(e.currentTarget.value)} classNames={{ input: 'mono' }} />
            <TextInput size="xs" label="Name" aria-label="User name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          </Group>
          {props.map((p, i) => (
            <Group key={i} gap="xs" wrap="nowrap">
              <TextInput
                size="xs"
                aria-label={`Property ${i + 1} name`}
                placeholder="Property"
                value={p.name}
                onChange={(e) => setProps(props.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))}
                style={{ flex: 1 }}
              />
              <TextInput
                size="xs"
                aria-label={`Property ${i + 1} value`}
                placeholder="Value"
                value={p.value}
                onChange={(e) => setProps(props.map((x, j) => (j === i ? { ...x, value: e.currentTarget.value } : x)))}
                style={{ flex: 1 }}
                classNames={{ input: 'mono' }}
              />
              <ActionIcon variant="subtle" color="red" aria-label={`Remove property ${i + 1}`} onClick={() => setProps(props.filter((_, j) => j !== i))}>
                <IconTrash size={14} />
              </ActionIcon>
            </Group>
          ))}
          <Group justify="space-between">
            <Button size="compact-xs" variant="subtle" leftSection={<IconPlus size={14} />} onClick={() => setProps([...props, { name: '', value: '' }])}>
              Add property
            </Button>
            <Tooltip label="An archived flag serves nothing; restore it to test users." disabled={!flag.isArchived}>
              <Button size="xs" type="submit" loading={evaluating.busy} disabled={!keyId.trim() || flag.isArchived}>
                Evaluate
              </Button>
            </Tooltip>
          </Group>
          <ErrorAlert error={evaluating.error} title="Could not evaluate" />
          {result && (
            <Stack gap={4} data-testid="evaluation-result" p="xs" bg="gray.0" style={{ borderRadius: 'var(--mantine-radius-sm)' }}>
              <Group gap="xs">
                <Text size="sm">Serves</Text>
                {result.variation ? (
                  <Badge
                    variant="light"
                    tt="none"
                    leftSection={<Box w={8} h={8} style={{ borderRadius: 4, background: variationColor(flag.variations, result.variation.id) }} />}
                    data-testid="evaluation-variation"
                  >
                    {variation ? variationLabel(variation) : result.variation.value}
                  </Badge>
                ) : (
                  <Text size="sm" c="red" data-testid="evaluation-variation">
                    nothing
                  </Text>
                )}
              </Group>
              <Text size="sm" data-testid="evaluation-reason">
                Because: <b>{result.reason}</b>
                {KIND_LABELS[result.kind] && result.reason !== KIND_LABELS[result.kind] ? ` (${KIND_LABELS[result.kind]})` : ''}
              </Text>
            </Stack>
          )}
        </Stack>
      </form>
    </Card>
  );
}

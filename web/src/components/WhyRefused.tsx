// "Why?" next to a refusal: asks the server which statement (or missing one) refused the caller, for the very check
// the 403 named, and shows the request id an operator can look up in the logs.
import { Anchor, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { errorMessage, post, type ApiError } from '../api/client.ts';
import type { Explanation } from '../api/types.ts';

export function WhyRefused({ error }: { error: ApiError }) {
  const [answer, setAnswer] = useState<Explanation | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const refused = error.refused;
  const ask = async () => {
    if (!refused) return;
    setBusy(true);
    setFailure(null);
    try {
      // No subject: the server explains the caller, so nobody needs IAM rights to ask about themselves.
      setAnswer(await post<Explanation>('/iam/explain', { action: refused.action, resource: refused.resource }));
    } catch (e) {
      setFailure(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap={4} mt={6} data-testid="why-refused">
      <Group gap="xs">
        {refused && !answer && (
          <Anchor component="button" type="button" size="sm" onClick={() => void ask()} disabled={busy}>
            Why?
          </Anchor>
        )}
        {error.requestId && (
          <Text size="xs" c="dimmed">
            Request id <span className="mono">{error.requestId}</span>
          </Text>
        )}
      </Group>
      {answer && (
        <Text size="sm" data-testid="why-answer">
          {answer.reason}
        </Text>
      )}
      {failure && (
        <Text size="sm" c="dimmed">
          Could not explain: {failure}
        </Text>
      )}
    </Stack>
  );
}

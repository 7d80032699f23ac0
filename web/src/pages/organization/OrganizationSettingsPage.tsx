import { Alert, Button, Group, NumberInput, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { get, put } from '../../api/client.ts';
import type { TokenPolicy } from '../../api/types.ts';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert, Loading, PageHeader } from '../../components/ui.tsx';
import { useAction, useLoad } from '../../hooks.ts';
import { useSession } from '../../session.tsx';

export function OrganizationSettingsPage() {
  const session = useSession();
  return (
    <>
      <PageHeader title="Organization settings" description="Rules that apply to the whole organization." />
      <TokenPolicySection key={session.organizationId} orgId={session.organizationId} canEdit={session.canManageIam} />
    </>
  );
}

/** The organization's token policy: anyone can read it; only IAM managers change it. */
function TokenPolicySection({ orgId, canEdit }: { orgId: string; canEdit: boolean }) {
  const notify = useNotify();
  const loaded = useLoad((signal) => get<TokenPolicy>(`/organizations/${orgId}/token-policy`, undefined, signal), [orgId]);
  const [draft, setDraft] = useState<TokenPolicy | null>(null);
  const { busy, error, run } = useAction();
  useEffect(() => setDraft(loaded.data ?? null), [loaded.data]);

  const changed = draft !== null && loaded.data !== undefined && JSON.stringify(draft) !== JSON.stringify(loaded.data);
  const lifetimeValid = draft?.maxLifetimeDays === null || (Number.isInteger(draft?.maxLifetimeDays) && draft!.maxLifetimeDays! >= 1 && draft!.maxLifetimeDays! <= 3650);
  const save = () =>
    run(async () => {
      await put<TokenPolicy>(`/organizations/${orgId}/token-policy`, draft);
      notify('success', 'Token policy saved. Tokens that break it are refused from now on.');
      loaded.reload();
    });

  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="token-policy-title" data-testid="token-policy-section">
      <Stack>
        <div>
          <Title order={3} id="token-policy-title">
            Access token policy
          </Title>
          <Text size="sm" c="dimmed">
            Applies to every access token of the organization. A new token that breaks it cannot be created; an existing one is refused until the policy allows it again (it is not changed or deleted).
          </Text>
        </div>
        <ErrorAlert error={loaded.error} title="Could not load the token policy" />
        {!draft ? (
          !loaded.error && <Loading label="Loading the token policy…" />
        ) : (
          <>
            {!canEdit && (
              <Alert variant="light" color="gray" data-testid="token-policy-read-only">
                Only members who can manage IAM can change this policy.
              </Alert>
            )}
            <NumberInput
              label="Maximum lifetime (days)"
              description="Every token must expire within this many days of its creation. Leave empty for no limit."
              placeholder="No limit"
              min={1}
              max={3650}
              allowDecimal={false}
              disabled={!canEdit}
              value={draft.maxLifetimeDays ?? ''}
              onChange={(v) => setDraft({ ...draft, maxLifetimeDays: v === '' ? null : Number(v) })}
              error={lifetimeValid ? undefined : 'A whole number of days, from 1 to 3650.'}
              maw={320}
            />
            <Switch label="Every token must have an expiry" disabled={!canEdit} checked={draft.requireExpiry} onChange={(e) => setDraft({ ...draft, requireExpiry: e.currentTarget.checked })} />
            <Switch
              label="Allow personal tokens that follow their owner (no permissions of their own)"
              disabled={!canEdit}
              checked={draft.allowPersonalTokensThatFollowOwner}
              onChange={(e) => setDraft({ ...draft, allowPersonalTokensThatFollowOwner: e.currentTarget.checked })}
            />
            <ErrorAlert error={error} title="Could not save the token policy" />
            {canEdit && (
              <Group>
                <Button onClick={() => void save()} loading={busy} disabled={!changed || !lifetimeValid}>
                  Save policy
                </Button>
                {changed && (
                  <Button variant="default" onClick={() => setDraft(loaded.data ?? null)}>
                    Discard changes
                  </Button>
                )}
              </Group>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}

import { Alert, Box, Button, Center, Group, Loader, Stack, Text, Title, Tooltip, type MantineSpacing } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';
import { IconPlus } from './icons.tsx';
import { WhyRefused } from './WhyRefused.tsx';
import { formatDateTime, formatRelative } from '../format.ts';

// A page's or card's title, with a dimmed line under it when there is a description.
export function TitleAndDescription({ title, description }: { title: string; description?: ReactNode }) {
  return (
    <>
      <Title order={2}>{title}</Title>
      {description && (
        <Text c="dimmed" size="sm" mt={4}>
          {description}
        </Text>
      )}
    </>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-start" mb="lg" wrap="wrap" gap="sm">
      <Box style={{ minWidth: 0, flex: '1 1 320px' }}>
        <TitleAndDescription title={title} description={description} />
      </Box>
      {actions && <Group gap="sm">{actions}</Group>}
    </Group>
  );
}

// The button that starts making a new thing, at the top of its list.
export function CreateButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Button leftSection={<IconPlus />} onClick={onClick}>
      {label}
    </Button>
  );
}

export function ErrorAlert({ error, title = 'Something went wrong', mb }: { error: unknown; title?: string; mb?: MantineSpacing }) {
  if (!error) return null;
  return (
    <Alert color="red" title={title} mb={mb} role="alert" variant="light">
      {errorMessage(error)}
      {error instanceof ApiError && error.status === 403 && <WhyRefused error={error} />}
    </Alert>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl">
      <Group gap="sm">
        <Loader size="sm" />
        <Text c="dimmed" size="sm">
          {label}
        </Text>
      </Group>
    </Center>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Center py={48}>
      <Stack align="center" gap={4} maw={420}>
        <Text fw={600}>{title}</Text>
        {children && (
          <Text c="dimmed" size="sm" ta="center">
            {children}
          </Text>
        )}
      </Stack>
    </Center>
  );
}

export function NoPermission({ children }: { children: ReactNode }) {
  return (
    <Alert color="yellow" title="Not available to you" variant="light">
      {children}
    </Alert>
  );
}

// The IAM pages are for members with the CanManageIAM permission.
export function NoIamPermission({ managing }: { managing: 'members' | 'groups' | 'policies' }) {
  return <NoPermission>{`Managing ${managing} needs the CanManageIAM permission.`}</NoPermission>;
}

// "3 minutes ago", with the exact time on hover.
export function RelativeTime({ at }: { at: string | null }) {
  return (
    <Tooltip label={formatDateTime(at)} disabled={!at}>
      <Text size="sm" className="nowrap">
        {formatRelative(at)}
      </Text>
    </Tooltip>
  );
}

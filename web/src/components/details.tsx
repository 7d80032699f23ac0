import { Anchor, Breadcrumbs, Button, Card, Group, Select, Table, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import type { Loaded } from '../hooks.ts';
import { useLink } from '../router.tsx';
import { ErrorAlert, Loading } from './ui.tsx';

// A step of the breadcrumb trail: a link when it has `to`, plain text otherwise.
export interface Crumb {
  label: ReactNode;
  to?: string;
}

export function Trail({ crumbs }: { crumbs: Crumb[] }) {
  const link = useLink();
  return (
    <Breadcrumbs mb="sm">
      {crumbs.map((c, i) =>
        c.to ? (
          <Anchor key={i} {...link(c.to)} size="sm">
            {c.label}
          </Anchor>
        ) : (
          <Text key={i} size="sm">
            {c.label}
          </Text>
        ),
      )}
    </Breadcrumbs>
  );
}

// One thing loaded for a detail page: its load error, a spinner until the first answer, then the page.
export function DetailState<T>({ load, errorTitle, children }: { load: Loaded<T>; errorTitle: string; children: (data: T) => ReactNode }) {
  return (
    <>
      <ErrorAlert error={load.error} title={errorTitle} mb="md" />
      {load.loading && !load.data ? <Loading /> : load.data ? children(load.data) : null}
    </>
  );
}

export interface Related {
  key: string;
  name: string;
  to: string;
  detail?: ReactNode;
  badge?: ReactNode;
  unlink?: { label: string; onClick: () => void };
}

// What a member, group or policy is linked to, each linking to its own page, with a way to unlink it;
// `children` go under the table (usually an AddPicker).
export function RelationCard({ title, empty, items, children }: { title: string; empty?: string; items: Related[]; children?: ReactNode }) {
  const link = useLink();
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        {title}
      </Text>
      {empty && items.length === 0 && (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      )}
      <Table>
        <Table.Tbody>
          {items.map((item) => (
            <Table.Tr key={item.key}>
              <Table.Td>
                <Anchor {...link(item.to)} size="sm">
                  {item.name}
                </Anchor>
                {item.detail !== undefined && (
                  <Text size="xs" c="dimmed">
                    {item.detail}
                  </Text>
                )}
              </Table.Td>
              {item.badge !== undefined && <Table.Td>{item.badge}</Table.Td>}
              <Table.Td ta="right">
                {item.unlink && (
                  <Button size="compact-xs" variant="subtle" color="red" onClick={item.unlink.onClick}>
                    {item.unlink.label}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {children}
    </Card>
  );
}

// Choose one more thing to link and add it; the choice clears once `onAdd` says it worked.
export function AddPicker({
  label,
  placeholder,
  options,
  button,
  onAdd,
}: {
  label: string;
  placeholder: string;
  options: { value: string; label: string }[];
  button: string;
  onAdd: (id: string) => Promise<boolean>;
}) {
  const [choice, setChoice] = useState<string | null>(null);
  return (
    <Group mt="sm" gap="xs" align="flex-end">
      <Select aria-label={label} placeholder={placeholder} data={options} value={choice} onChange={setChoice} searchable style={{ flex: 1 }} />
      <Button
        disabled={!choice}
        onClick={async () => {
          if (choice && (await onAdd(choice))) setChoice(null);
        }}
      >
        {button}
      </Button>
    </Group>
  );
}

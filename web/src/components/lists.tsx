import { ActionIcon, Group, Menu, Pagination, Table, Text, TextInput, type TableProps, type TextInputProps } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Page } from '../api/client.ts';
import type { Loaded } from '../hooks.ts';
import { IconDots, IconSearch } from './icons.tsx';
import { ErrorAlert, Loading } from './ui.tsx';

// A list as the API returns it, plain or paged: its load error, then a spinner until
// the first answer, then `empty` or the items.
export function ListState<T>({ load, errorTitle, empty, children }: { load: Loaded<T[] | Page<T>>; errorTitle: string; empty: ReactNode; children: (items: T[]) => ReactNode }) {
  const items = Array.isArray(load.data) ? load.data : load.data?.items;
  return (
    <>
      <ErrorAlert error={load.error} title={errorTitle} />
      {load.loading && !load.data ? <Loading /> : items?.length === 0 ? empty : children(items ?? [])}
    </>
  );
}

export type Column = string | { label?: ReactNode; w?: number };

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.map((c, i) =>
          typeof c === 'string' ? (
            <Table.Th key={i}>{c}</Table.Th>
          ) : (
            <Table.Th key={i} w={c.w}>
              {c.label}
            </Table.Th>
          ),
        )}
      </Table.Tr>
    </Table.Thead>
  );
}

// A table that scrolls sideways below `minWidth`; `dimmed` fades the rows while a new page loads.
export function DataTable({ minWidth, columns, dimmed, children, ...table }: TableProps & { minWidth: number; columns: Column[]; dimmed?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table verticalSpacing="sm" {...table} style={dimmed === undefined ? undefined : { opacity: dimmed ? 0.6 : 1 }}>
        <TableHead columns={columns} />
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

// Page links under a paged list, only when there is more than one page.
export function Pager({ page, onChange, pageSize, totalCount, label }: { page: number; onChange: (page: number) => void; pageSize: number; totalCount: number | undefined; label?: ReactNode }) {
  const total = Math.max(1, Math.ceil((totalCount ?? 0) / pageSize));
  if (total <= 1) return null;
  const pagination = <Pagination value={page} onChange={onChange} total={total} size="sm" />;
  if (label === undefined) return pagination;
  return (
    <Group justify="space-between">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      {pagination}
    </Group>
  );
}

export function SearchInput({ onChange, ...input }: Omit<TextInputProps, 'onChange'> & { onChange: (value: string) => void }) {
  return <TextInput leftSection={<IconSearch />} onChange={(e) => onChange(e.currentTarget.value)} {...input} />;
}

// The "…" menu of a row or a card; `label` names what it acts on, for screen readers and tests.
export function ActionsMenu({ label, small, children }: { label: string; small?: boolean; children: ReactNode }) {
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" size={small ? 'sm' : undefined} aria-label={label}>
          <IconDots size={small ? 14 : undefined} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>{children}</Menu.Dropdown>
    </Menu>
  );
}

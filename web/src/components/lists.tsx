import { ActionIcon, Anchor, Badge, Group, Menu, Pagination, SegmentedControl, Table, Text, TextInput, type TableProps, type TextInputProps } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Page } from '../api/client.ts';
import { formatRelative } from '../format.ts';
import type { Loaded, Paging } from '../hooks.ts';
import { useLink } from '../router.tsx';
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
export function Pager({ paging, totalCount, label }: { paging: Paging; totalCount: number | undefined; label?: ReactNode }) {
  const total = Math.max(1, Math.ceil((totalCount ?? 0) / paging.pageSize));
  if (total <= 1) return null;
  const pagination = <Pagination value={paging.page} onChange={paging.setPage} total={total} size="sm" />;
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

// A paged list as a table, with its page links under it; `between` goes between the two.
export function PagedTable<T>({
  load,
  errorTitle,
  empty,
  paging,
  between,
  children,
  ...table
}: Omit<TableProps, 'children'> & {
  load: Loaded<Page<T>>;
  errorTitle: string;
  empty: ReactNode;
  paging: Paging;
  between?: ReactNode;
  minWidth: number;
  columns: Column[];
  dimmed?: boolean;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <>
      <ListState load={load} errorTitle={errorTitle} empty={empty}>
        {(items) => <DataTable {...table}>{children(items)}</DataTable>}
      </ListState>
      {between}
      <Pager paging={paging} totalCount={load.data?.totalCount} />
    </>
  );
}

// Active things or archived ones: a list shows one or the other ('false' or 'true', as the API's isArchived).
export function ArchivedFilter({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <SegmentedControl
      aria-label="Archived"
      value={value}
      onChange={onChange}
      data={[
        { value: 'false', label: 'Active' },
        { value: 'true', label: 'Archived' },
      ]}
    />
  );
}

// A row's first cell: the name linking to its page, the key under it.
export function NameAndKeyCell({ to, name, itemKey }: { to: string; name: string; itemKey: string }) {
  const link = useLink();
  return (
    <Table.Td>
      <Anchor {...link(to)} fw={500}>
        {name}
      </Anchor>
      <Text size="xs" c="dimmed" className="mono">
        {itemKey}
      </Text>
    </Table.Td>
  );
}

// A row's tags; with `onPick`, a click on one picks it (to filter by it).
export function TagsCell({ tags, onPick }: { tags: string[]; onPick?: (tag: string) => void }) {
  return (
    <Table.Td>
      <Group gap={4}>
        {tags.map((t) => (
          <Badge key={t} size="sm" variant="outline" color="gray" tt="none" style={onPick && { cursor: 'pointer' }} onClick={onPick && (() => onPick(t))}>
            {t}
          </Badge>
        ))}
      </Group>
    </Table.Td>
  );
}

// A row's "updated 3 minutes ago" cell.
export function UpdatedCell({ at }: { at: string }) {
  return (
    <Table.Td>
      <Text size="sm" c="dimmed" className="nowrap">
        {formatRelative(at)}
      </Text>
    </Table.Td>
  );
}

// The last cell of an archivable row: a "…" menu with what the person may do to it (archive an active one,
// restore or delete an archived one), empty when they may do none of these.
export function LifecycleCell({ label, may, onAsk }: { label: string; may: { archive: boolean; restore: boolean; delete: boolean }; onAsk: (action: 'archive' | 'restore' | 'delete') => void }) {
  return (
    <Table.Td>
      {(may.archive || may.restore || may.delete) && (
        <ActionsMenu label={label}>
          {may.archive && <Menu.Item onClick={() => onAsk('archive')}>Archive</Menu.Item>}
          {may.restore && <Menu.Item onClick={() => onAsk('restore')}>Restore</Menu.Item>}
          {may.delete && (
            <Menu.Item color="red" onClick={() => onAsk('delete')}>
              Delete
            </Menu.Item>
          )}
        </ActionsMenu>
      )}
    </Table.Td>
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

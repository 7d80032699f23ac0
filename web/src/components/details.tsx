import { Anchor, Badge, Breadcrumbs, Button, Card, Group, Select, Stack, Table, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { same, type Loaded } from '../hooks.ts';
import { useLink } from '../router.tsx';
import { formatDateTime } from '../format.ts';
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

// The top of a detail page: the title with its badges, the lines under it, and the actions on the right.
export function DetailHeader({ title, badges, children, actions }: { title: string; badges?: ReactNode; children?: ReactNode; actions?: ReactNode }) {
  return (
    <Group justify="space-between" wrap="wrap">
      <div>
        <Group gap="xs">
          <Title order={2}>{title}</Title>
          {badges}
        </Group>
        {children}
      </div>
      {actions}
    </Group>
  );
}

export function ArchivedBadge({ archived }: { archived: boolean }) {
  return (
    archived && (
      <Badge color="gray" variant="light">
        Archived
      </Badge>
    )
  );
}

// Under a flag's or segment's title: its key, and a link to its audit history.
export function KeyAndHistory({ itemKey, refType, refId }: { itemKey: string; refType: string; refId: string }) {
  const link = useLink();
  return (
    <Group gap="sm">
      <Text size="sm" c="dimmed" className="mono">
        {itemKey}
      </Text>
      <Anchor size="sm" {...link(`/audit?refType=${refType}&refId=${encodeURIComponent(refId)}`)}>
        History
      </Anchor>
    </Group>
  );
}

type AboutField = 'name' | 'description' | 'tags';

interface AboutEdits {
  name: string;
  setName: (v: string) => void;
  description: string;
  setDescription: (v: string) => void;
  tags: string[];
  setTags: (v: string[]) => void;
}

// A flag's or segment's name, description and tags, each with its own save button once changed, then when it was
// created and updated. A field `can` refuses is `lock`ed: read-only, or disabled.
export function AboutCard({
  item,
  edits,
  can,
  lock,
  onSave,
}: {
  item: { name: string; description?: string | null; tags: string[]; createdAt: string; updatedAt: string };
  edits: AboutEdits;
  can: (field: AboutField) => boolean;
  lock: 'readOnly' | 'disabled';
  onSave: (what: string, sub: AboutField, body: Record<string, unknown>) => void;
}) {
  const { name, description, tags } = edits;
  const locked = (field: AboutField) => ({ [lock]: !can(field) });
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Text fw={600}>About</Text>
        <TextInput label="Name" value={name} onChange={(e) => edits.setName(e.currentTarget.value)} {...locked('name')} />
        {can('name') && name !== item.name && (
          <Button size="xs" w="fit-content" disabled={!name.trim()} onClick={() => onSave('Name', 'name', { name: name.trim() })}>
            Save name
          </Button>
        )}
        <Textarea label="Description" value={description} onChange={(e) => edits.setDescription(e.currentTarget.value)} autosize minRows={2} {...locked('description')} />
        {can('description') && description !== (item.description ?? '') && (
          <Button size="xs" w="fit-content" onClick={() => onSave('Description', 'description', { description })}>
            Save description
          </Button>
        )}
        <TagsInput label="Tags" value={tags} onChange={edits.setTags} {...locked('tags')} />
        {can('tags') && !same(tags, item.tags) && (
          <Button size="xs" w="fit-content" onClick={() => onSave('Tags', 'tags', { tags })}>
            Save tags
          </Button>
        )}
        <Text size="xs" c="dimmed">
          Created {formatDateTime(item.createdAt)} · updated {formatDateTime(item.updatedAt)}
        </Text>
      </Stack>
    </Card>
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

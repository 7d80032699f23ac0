import { Anchor, Badge, Button, Group, Modal, Pagination, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState, type FormEvent } from 'react';
import { asPage, get, post, type Page } from '../../api/client.ts';
import type { Policy } from '../../api/types.ts';
import { IconPlus, IconSearch } from '../../components/icons.tsx';
import { EmptyState, ErrorAlert, Loading, NoPermission, PageHeader } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

const PAGE_SIZE = 20;

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

export function PolicyTypeBadge({ type }: { type: Policy['type'] }) {
  return type === 'SysManaged' ? (
    <Badge variant="light" color="gray" tt="none">
      Built-in
    </Badge>
  ) : (
    <Badge variant="light" color="indigo" tt="none">
      Custom
    </Badge>
  );
}

export function PoliciesPage() {
  const session = useSession();
  const link = useLink();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  useEffect(() => setPage(1), [debounced]);
  const list = useLoad(
    async (signal) => asPage(await get<Policy[] | Page<Policy>>('/policies', { name: debounced, pageIndex: page - 1, pageSize: PAGE_SIZE }, signal)),
    [debounced, page, session.organizationId],
  );
  if (!session.canManageIam) return <NoPermission>Managing policies needs the CanManageIAM permission.</NoPermission>;
  const totalPages = Math.max(1, Math.ceil((list.data?.totalCount ?? 0) / PAGE_SIZE));
  return (
    <>
      <PageHeader
        title="Policies"
        description="A policy is a list of statements: allow or deny actions on resources. Built-in policies are read-only."
        actions={
          <Button leftSection={<IconPlus />} onClick={() => setAdding(true)}>
            New policy
          </Button>
        }
      />
      <Stack>
        <TextInput aria-label="Search policies" placeholder="Search by name" leftSection={<IconSearch />} value={search} onChange={(e) => setSearch(e.currentTarget.value)} maw={360} />
        <ErrorAlert error={list.error} title="Could not load policies" />
        {list.loading && !list.data ? (
          <Loading />
        ) : list.data?.items.length === 0 ? (
          <EmptyState title="No policies match" />
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Description</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data?.items.map((p) => (
                  <Table.Tr key={p.id}>
                    <Table.Td>
                      <Anchor {...link(`/iam/policies/${p.id}`)} fw={500}>
                        {p.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" className="mono">
                        {p.key}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <PolicyTypeBadge type={p.type} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed" lineClamp={2}>
                        {p.description || '—'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {totalPages > 1 && <Pagination value={page} onChange={setPage} total={totalPages} size="sm" />}
      </Stack>
      <NewPolicyModal opened={adding} onClose={() => setAdding(false)} />
    </>
  );
}

export function NewPolicyModal({ opened, onClose, from }: { opened: boolean; onClose: () => void; from?: Policy }) {
  const { navigate } = useRouter();
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (opened) {
      setName(from ? `${from.name} (copy)` : '');
      setKey(from ? `${from.key}-copy` : '');
      setKeyTouched(false);
      setDescription(from?.description ?? '');
      setError(null);
    }
  }, [opened, from]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { name: name.trim(), key: key.trim(), description };
      const p = await post<Policy>(from ? `/policies/${from.id}/clone` : '/policies', body);
      onClose();
      navigate(`/iam/policies/${p.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={from ? `Clone ${from.name}` : 'New policy'} centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => {
              const v = e.currentTarget.value;
              setName(v);
              if (!keyTouched && !from) setKey(slugify(v));
            }}
            data-autofocus
          />
          <TextInput
            label="Key"
            required
            value={key}
            onChange={(e) => {
              setKeyTouched(true);
              setKey(e.currentTarget.value);
            }}
            classNames={{ input: 'mono' }}
          />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
          {from && (
            <Text size="xs" c="dimmed">
              The copy starts with the same {from.statements.length} statements; you can only copy what you hold yourself.
            </Text>
          )}
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

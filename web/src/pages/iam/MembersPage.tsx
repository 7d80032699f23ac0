import { Anchor, Badge, Button, Group, Modal, MultiSelect, Pagination, PasswordInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState, type FormEvent } from 'react';
import { get, getAll, post, type Page } from '../../api/client.ts';
import type { Group as IamGroup, Member, Policy } from '../../api/types.ts';
import { IconPlus, IconSearch } from '../../components/icons.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, ErrorAlert, Loading, NoPermission, PageHeader } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

const PAGE_SIZE = 10;

export function MembersPage() {
  const session = useSession();
  const link = useLink();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  useEffect(() => setPage(1), [debounced]);
  const list = useLoad(
    (signal) => get<Page<Member>>('/members', { searchText: debounced, pageIndex: page - 1, pageSize: PAGE_SIZE }, signal),
    [debounced, page, session.organizationId],
  );
  if (!session.canManageIam) return <NoPermission>Managing members needs the CanManageIAM permission.</NoPermission>;
  const totalPages = Math.max(1, Math.ceil((list.data?.totalCount ?? 0) / PAGE_SIZE));

  return (
    <>
      <PageHeader
        title="Members"
        description="People in this organization, and the policies and groups that decide what they can do."
        actions={
          <Button leftSection={<IconPlus />} onClick={() => setAdding(true)}>
            Add member
          </Button>
        }
      />
      <Stack>
        <TextInput
          aria-label="Search members"
          placeholder="Search by name or email"
          leftSection={<IconSearch />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maw={360}
        />
        <ErrorAlert error={list.error} title="Could not load members" />
        {list.loading && !list.data ? (
          <Loading />
        ) : list.data?.items.length === 0 ? (
          <EmptyState title={debounced ? 'No members match' : 'No members'} />
        ) : (
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Policies</Table.Th>
                  <Table.Th>Groups</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data?.items.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>
                      <Anchor {...link(`/iam/members/${m.id}`)} fw={500}>
                        {m.name}
                      </Anchor>
                      {m.id === session.memberId && (
                        <Badge ml="xs" size="xs" variant="light">
                          you
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{m.email}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {(m.policies ?? []).map((p) => (
                          <Badge key={p.id} variant="light" tt="none">
                            {p.name}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {(m.groups ?? []).map((g) => (
                          <Badge key={g.id} variant="outline" color="gray" tt="none">
                            {g.name}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {totalPages > 1 && <Pagination value={page} onChange={setPage} total={totalPages} size="sm" />}
      </Stack>
      <AddMemberModal opened={adding} onClose={() => setAdding(false)} onAdded={list.reload} />
    </>
  );
}

function AddMemberModal({ opened, onClose, onAdded }: { opened: boolean; onClose: () => void; onAdded: () => void }) {
  const notify = useNotify();
  const { navigate } = useRouter();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [policyIds, setPolicyIds] = useState<string[]>([]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const options = useLoad(
    async () => (opened ? { policies: await getAll<Policy>('/policies'), groups: await getAll<IamGroup>('/groups') } : { policies: [], groups: [] }),
    [opened],
  );
  useEffect(() => {
    if (!opened) {
      setEmail('');
      setName('');
      setPassword('');
      setPolicyIds([]);
      setGroupIds([]);
      setError(null);
    }
  }, [opened]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const m = await post<Member>('/members', {
        email: email.trim(),
        name: name.trim(),
        password,
        ...(policyIds.length ? { policyIds } : {}),
        ...(groupIds.length ? { groupIds } : {}),
      });
      notify('success', `${m.name} was added. Give them their email and initial password.`);
      onClose();
      onAdded();
      navigate(`/iam/members/${m.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Add member" centered size="md">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} data-autofocus />
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <PasswordInput
            label="Initial password"
            description="Used only if this email has no account yet; share it with them privately."
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            autoComplete="new-password"
          />
          <MultiSelect
            label="Policies"
            description="Leave empty for the organization’s default policies."
            data={(options.data?.policies ?? []).map((p) => ({ value: p.id, label: p.name }))}
            value={policyIds}
            onChange={setPolicyIds}
            searchable
            comboboxProps={{ withinPortal: true }}
          />
          <MultiSelect
            label="Groups"
            data={(options.data?.groups ?? []).map((g) => ({ value: g.id, label: g.name }))}
            value={groupIds}
            onChange={setGroupIds}
            searchable
            comboboxProps={{ withinPortal: true }}
          />
          <ErrorAlert error={error} title="Could not add the member" />
          <Text size="xs" c="dimmed">
            You can only give policies whose permissions you hold yourself.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Add member
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

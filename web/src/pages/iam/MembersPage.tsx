import { Anchor, Badge, Button, Group, MultiSelect, PasswordInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { get, getAll, post, type Page } from '../../api/client.ts';
import type { Group as IamGroup, Member, Policy } from '../../api/types.ts';
import { FormModal } from '../../components/forms.tsx';
import { IconPlus } from '../../components/icons.tsx';
import { DataTable, ListState, Pager, SearchInput } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, NoPermission, PageHeader } from '../../components/ui.tsx';
import { useLoad, usePage, useSearchText } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

const PAGE_SIZE = 10;

export function MembersPage() {
  const session = useSession();
  const link = useLink();
  const [search, setSearch, debounced] = useSearchText();
  const [page, setPage] = usePage([debounced]);
  const [adding, setAdding] = useState(false);
  const list = useLoad(
    (signal) => get<Page<Member>>('/members', { searchText: debounced, pageIndex: page - 1, pageSize: PAGE_SIZE }, signal),
    [debounced, page, session.organizationId],
  );
  if (!session.canManageIam) return <NoPermission>Managing members needs the CanManageIAM permission.</NoPermission>;

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
        <SearchInput aria-label="Search members" placeholder="Search by name or email" value={search} onChange={setSearch} maw={360} />
        <ListState load={list} errorTitle="Could not load members" empty={<EmptyState title={debounced ? 'No members match' : 'No members'} />}>
          {(members) => (
            <DataTable minWidth={700} highlightOnHover columns={['Name', 'Email', 'Policies', 'Groups']}>
              {members.map((m) => (
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
            </DataTable>
          )}
        </ListState>
        <Pager page={page} onChange={setPage} pageSize={PAGE_SIZE} totalCount={list.data?.totalCount} />
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
    }
  }, [opened]);
  const submit = async () => {
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
  };
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title="Add member"
      size="md"
      onSubmit={submit}
      submitLabel="Add member"
      errorTitle="Could not add the member"
      note={
        <Text size="xs" c="dimmed">
          You can only give policies whose permissions you hold yourself.
        </Text>
      }
    >
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
    </FormModal>
  );
}

import { Anchor, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { asPage, get, post, type Page } from '../../api/client.ts';
import type { Group as IamGroup } from '../../api/types.ts';
import { FormModal } from '../../components/forms.tsx';
import { DataTable, ListState } from '../../components/lists.tsx';
import { CreateButton, EmptyState, NoIamPermission, PageHeader } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

export function GroupsPage() {
  const session = useSession();
  const link = useLink();
  const [adding, setAdding] = useState(false);
  const list = useLoad(async (signal) => asPage(await get<IamGroup[] | Page<IamGroup>>('/groups', { pageIndex: 0, pageSize: 100 }, signal)), [session.organizationId]);
  if (!session.canManageIam) return <NoIamPermission managing="groups" />;
  return (
    <>
      <PageHeader title="Groups" description="Give several members the same policies at once." actions={<CreateButton label="New group" onClick={() => setAdding(true)} />} />
      <ListState load={list} errorTitle="Could not load groups" empty={<EmptyState title="No groups yet">Create a group, add members to it and attach policies.</EmptyState>}>
        {(groups) => (
          <DataTable minWidth={500} highlightOnHover columns={['Name', 'Description']}>
            {groups.map((g) => (
              <Table.Tr key={g.id}>
                <Table.Td>
                  <Anchor {...link(`/iam/groups/${g.id}`)} fw={500}>
                    {g.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {g.description || '—'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        )}
      </ListState>
      <GroupFormModal opened={adding} onClose={() => setAdding(false)} />
    </>
  );
}

function GroupFormModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { navigate } = useRouter();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const submit = async () => {
    const g = await post<IamGroup>('/groups', { name: name.trim(), description });
    onClose();
    navigate(`/iam/groups/${g.id}`);
  };
  return (
    <FormModal opened={opened} onClose={onClose} title="New group" onSubmit={submit} submitLabel="Create">
      <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
      <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
    </FormModal>
  );
}

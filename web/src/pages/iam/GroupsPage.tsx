import { Anchor, Button, Group, Modal, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { asPage, get, post, type Page } from '../../api/client.ts';
import type { Group as IamGroup } from '../../api/types.ts';
import { IconPlus } from '../../components/icons.tsx';
import { EmptyState, ErrorAlert, Loading, NoPermission, PageHeader } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

export function GroupsPage() {
  const session = useSession();
  const link = useLink();
  const [adding, setAdding] = useState(false);
  const list = useLoad(async (signal) => asPage(await get<IamGroup[] | Page<IamGroup>>('/groups', { pageIndex: 0, pageSize: 100 }, signal)), [session.organizationId]);
  if (!session.canManageIam) return <NoPermission>Managing groups needs the CanManageIAM permission.</NoPermission>;
  return (
    <>
      <PageHeader
        title="Groups"
        description="Give several members the same policies at once."
        actions={
          <Button leftSection={<IconPlus />} onClick={() => setAdding(true)}>
            New group
          </Button>
        }
      />
      <ErrorAlert error={list.error} title="Could not load groups" />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data?.items.length === 0 ? (
        <EmptyState title="No groups yet">Create a group, add members to it and attach policies.</EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={500}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Description</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data?.items.map((g) => (
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
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <GroupFormModal opened={adding} onClose={() => setAdding(false)} />
    </>
  );
}

function GroupFormModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { navigate } = useRouter();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const g = await post<IamGroup>('/groups', { name: name.trim(), description });
      onClose();
      navigate(`/iam/groups/${g.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New group" centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
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

import { Anchor, Breadcrumbs, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, getAll, put } from '../../api/client.ts';
import type { Group as IamGroup, Member, Policy, PolicyRef } from '../../api/types.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert, Loading, NoPermission } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

export function GroupDetailPage({ groupId }: { groupId: string }) {
  const session = useSession();
  const notify = useNotify();
  const link = useLink();
  const { navigate } = useRouter();
  const group = useLoad((signal) => get<IamGroup>(`/groups/${groupId}`, undefined, signal), [groupId]);
  // Members are read from the member list (each member names its groups), so
  // this works whether or not the group view embeds its members.
  const people = useLoad(() => getAll<Member>('/members'), [groupId]);
  const policies = useLoad(() => getAll<Policy>('/policies'), [groupId]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [addMember, setAddMember] = useState<string | null>(null);
  const [addPolicy, setAddPolicy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [deleting, setDeleting] = useState(false);
  const g = group.data;
  useEffect(() => {
    if (g) {
      setName(g.name);
      setDescription(g.description ?? '');
    }
  }, [g]);

  if (!session.canManageIam) return <NoPermission>Managing groups needs the CanManageIAM permission.</NoPermission>;

  const members = g?.members ?? (people.data ?? []).filter((m) => (m.groups ?? []).some((x) => x.id === groupId));
  const memberIds = new Set(members.map((m) => m.id));
  const groupPolicies: PolicyRef[] = g?.policies ?? [];
  const policyIds = new Set(groupPolicies.map((p) => p.id));
  const run = async (fn: () => Promise<unknown>, message: string) => {
    setError(null);
    try {
      await fn();
      notify('success', message);
      group.reload();
      people.reload();
      void session.refreshPermissions();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <Breadcrumbs mb="sm">
        <Anchor {...link('/iam/groups')} size="sm">
          Groups
        </Anchor>
        <Text size="sm">{g?.name ?? '…'}</Text>
      </Breadcrumbs>
      <ErrorAlert error={group.error} title="Could not load the group" mb="md" />
      {group.loading && !g ? (
        <Loading />
      ) : g ? (
        <Stack>
          <Group justify="space-between">
            <Title order={2}>{g.name}</Title>
            <Button color="red" variant="light" onClick={() => setDeleting(true)}>
              Delete group
            </Button>
          </Group>
          <ErrorAlert error={error} title="That did not work" />
          <Card withBorder>
            <Stack gap="xs">
              <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
              <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
              <Button
                w="fit-content"
                disabled={!name.trim() || (name === g.name && description === (g.description ?? ''))}
                onClick={() => run(() => put(`/groups/${g.id}`, { name: name.trim(), description }), 'Group saved.')}
              >
                Save
              </Button>
            </Stack>
          </Card>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Text fw={600} mb="xs">
                Members
              </Text>
              {members.length === 0 && (
                <Text size="sm" c="dimmed">
                  No members yet.
                </Text>
              )}
              <Table>
                <Table.Tbody>
                  {members.map((m) => (
                    <Table.Tr key={m.id}>
                      <Table.Td>
                        <Anchor {...link(`/iam/members/${m.id}`)} size="sm">
                          {m.name}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {m.email}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => run(() => put(`/groups/${g.id}/remove-member/${m.id}`), `${m.name} removed.`)}>
                          Remove
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Group mt="sm" gap="xs">
                <Select
                  aria-label="Member to add"
                  placeholder="Add a member…"
                  data={(people.data ?? []).filter((m) => !memberIds.has(m.id)).map((m) => ({ value: m.id, label: `${m.name} (${m.email})` }))}
                  value={addMember}
                  onChange={setAddMember}
                  searchable
                  style={{ flex: 1 }}
                />
                <Button disabled={!addMember} onClick={() => run(async () => { await put(`/groups/${g.id}/add-member/${addMember}`); setAddMember(null); }, 'Member added.')}>
                  Add
                </Button>
              </Group>
            </Card>
            <Card withBorder>
              <Text fw={600} mb="xs">
                Policies
              </Text>
              {groupPolicies.length === 0 && (
                <Text size="sm" c="dimmed">
                  No policies: members get nothing from this group.
                </Text>
              )}
              <Table>
                <Table.Tbody>
                  {groupPolicies.map((p) => (
                    <Table.Tr key={p.id}>
                      <Table.Td>
                        <Anchor {...link(`/iam/policies/${p.id}`)} size="sm">
                          {p.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => run(() => put(`/groups/${g.id}/remove-policy/${p.id}`), `Policy ${p.name} removed.`)}>
                          Remove
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Group mt="sm" gap="xs">
                <Select
                  aria-label="Policy to attach"
                  placeholder="Attach a policy…"
                  data={(policies.data ?? []).filter((p) => !policyIds.has(p.id)).map((p) => ({ value: p.id, label: p.name }))}
                  value={addPolicy}
                  onChange={setAddPolicy}
                  searchable
                  style={{ flex: 1 }}
                />
                <Button disabled={!addPolicy} onClick={() => run(async () => { await put(`/groups/${g.id}/add-policy/${addPolicy}`); setAddPolicy(null); }, 'Policy attached.')}>
                  Attach
                </Button>
              </Group>
            </Card>
          </SimpleGrid>
        </Stack>
      ) : null}
      <ConfirmModal
        opened={deleting}
        title="Delete group?"
        confirmLabel="Delete group"
        danger
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await del(`/groups/${groupId}`);
          notify('success', 'Group deleted.');
          navigate('/iam/groups');
        }}
      >
        Members of <b>{g?.name}</b> lose the policies they had through it. The members themselves stay in the organization.
      </ConfirmModal>
    </>
  );
}

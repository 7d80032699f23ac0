import { Button, Card, Group, SimpleGrid, Stack, TextInput, Textarea, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, getAll, put } from '../../api/client.ts';
import type { GroupMember, GroupPolicy, Group as IamGroup, Member, Policy } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { AddPicker, DetailState, RelationCard, Trail } from '../../components/details.tsx';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert, NoIamPermission } from '../../components/ui.tsx';
import { useAction, useLoad } from '../../hooks.ts';
import { useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

export function GroupDetailPage({ groupId }: { groupId: string }) {
  const session = useSession();
  const notify = useNotify();
  const { navigate } = useRouter();
  const group = useLoad((signal) => get<IamGroup>(`/groups/${groupId}`, undefined, signal), [groupId]);
  // The group's own members and policies (FeatBit's paged relations); everyone and every policy for the pickers.
  const groupMembers = useLoad(() => getAll<GroupMember>(`/groups/${groupId}/members`, {}, 1000), [groupId]);
  const groupPolicyList = useLoad(() => getAll<GroupPolicy>(`/groups/${groupId}/policies`, {}, 1000), [groupId]);
  const people = useLoad(() => getAll<Member>('/members'), [groupId]);
  const policies = useLoad(() => getAll<Policy>('/policies'), [groupId]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const change = useAction();
  const confirmDelete = useConfirm((g: IamGroup) => ({
    title: 'Delete group?',
    confirmLabel: 'Delete group',
    danger: true,
    onConfirm: async () => {
      await del(`/groups/${groupId}`);
      notify('success', 'Group deleted.');
      navigate('/iam/groups');
    },
    children: (
      <>
        Members of <b>{g.name}</b> lose the policies they had through it. The members themselves stay in the organization.
      </>
    ),
  }));
  const g = group.data;
  useEffect(() => {
    if (g) {
      setName(g.name);
      setDescription(g.description ?? '');
    }
  }, [g]);

  if (!session.canManageIam) return <NoIamPermission managing="groups" />;

  const members = groupMembers.data ?? [];
  const memberIds = new Set(members.map((m) => m.id));
  const groupPolicies = groupPolicyList.data ?? [];
  const policyIds = new Set(groupPolicies.map((p) => p.id));
  const run = (fn: () => Promise<unknown>, message: string) =>
    change.run(async () => {
      await fn();
      notify('success', message);
      // The PUTs answer `true` (as FeatBit's): read what changed again.
      group.reload();
      groupMembers.reload();
      groupPolicyList.reload();
      people.reload();
      void session.refreshPermissions();
    });

  return (
    <>
      <Trail crumbs={[{ label: 'Groups', to: '/iam/groups' }, { label: g?.name ?? '…' }]} />
      <DetailState load={group} errorTitle="Could not load the group">
        {(g) => (
          <Stack>
            <Group justify="space-between">
              <Title order={2}>{g.name}</Title>
              <Button color="red" variant="light" onClick={() => confirmDelete.ask(g)}>
                Delete group
              </Button>
            </Group>
            <ErrorAlert error={change.error} title="That did not work" />
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
              <RelationCard
                title="Members"
                empty="No members yet."
                items={members.map((m) => ({
                  key: m.id,
                  name: m.name,
                  to: `/iam/members/${m.id}`,
                  detail: m.email,
                  unlink: { label: 'Remove', onClick: () => run(() => put(`/groups/${g.id}/remove-member/${m.id}`), `${m.name} removed.`) },
                }))}
              >
                <AddPicker
                  label="Member to add"
                  placeholder="Add a member…"
                  options={(people.data ?? []).filter((m) => !memberIds.has(m.id)).map((m) => ({ value: m.id, label: `${m.name} (${m.email})` }))}
                  button="Add"
                  onAdd={(id) => run(() => put(`/groups/${g.id}/add-member/${id}`), 'Member added.')}
                />
              </RelationCard>
              <RelationCard
                title="Policies"
                empty="No policies: members get nothing from this group."
                items={groupPolicies.map((p) => ({
                  key: p.id,
                  name: p.name,
                  to: `/iam/policies/${p.id}`,
                  unlink: { label: 'Remove', onClick: () => run(() => put(`/groups/${g.id}/remove-policy/${p.id}`), `Policy ${p.name} removed.`) },
                }))}
              >
                <AddPicker
                  label="Policy to attach"
                  placeholder="Attach a policy…"
                  options={(policies.data ?? []).filter((p) => !policyIds.has(p.id)).map((p) => ({ value: p.id, label: p.name }))}
                  button="Attach"
                  onAdd={(id) => run(() => put(`/groups/${g.id}/add-policy/${id}`), 'Policy attached.')}
                />
              </RelationCard>
            </SimpleGrid>
          </Stack>
        )}
      </DetailState>
      {confirmDelete.dialog}
    </>
  );
}

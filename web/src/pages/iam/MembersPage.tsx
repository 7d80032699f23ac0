import { Anchor, Badge, Group, Menu, MultiSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { del, get, getAll, post, type Page } from '../../api/client.ts';
import type { Group as IamGroup, IssuedInvitation, Member, PendingInvitation, Policy } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { FormModal } from '../../components/forms.tsx';
import { ActionsMenu, PagedTable, SearchInput } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { CreateButton, EmptyState, ErrorAlert, NoIamPermission, PageHeader } from '../../components/ui.tsx';
import { useAction, useLoad, usePaging, useSearchText } from '../../hooks.ts';
import { InvitationModal } from './InvitationModal.tsx';
import { useLink } from '../../router.tsx';
import { useSession } from '../../session.tsx';

const PAGE_SIZE = 10;

export function MembersPage() {
  const session = useSession();
  const link = useLink();
  const [search, setSearch, debounced] = useSearchText();
  const paging = usePaging(PAGE_SIZE, [debounced]);
  const [adding, setAdding] = useState(false);
  const [issued, setIssued] = useState<{ invitation: IssuedInvitation; name: string } | null>(null);
  const notify = useNotify();
  const action = useAction();
  const list = useLoad((signal) => get<Page<Member>>('/members', { searchText: debounced, ...paging.query }, signal), [debounced, paging.page, session.organizationId]);
  // Pending invitations, to name each Invited member's invitation (revoke) and show which have expired.
  const invitations = useLoad(async () => (session.canManageIam ? getAll<PendingInvitation>('/invitations') : []), [session.organizationId, list.data]);
  const invitationOf = (memberId: string) => (invitations.data ?? []).find((i) => i.memberId === memberId);
  const reload = () => list.reload();
  const reissue = (m: Member) =>
    action.run(async () => {
      const invitation = await post<IssuedInvitation>(`/members/${m.id}/invitation`);
      setIssued({ invitation, name: m.name });
      reload();
    });
  const confirmRevoke = useConfirm((m: Member) => ({
    title: 'Revoke invitation?',
    confirmLabel: 'Revoke invitation',
    danger: true,
    onConfirm: async () => {
      const inv = invitationOf(m.id);
      // An Invited member whose invitation is not listed yet is withdrawn the same way: removing it kills its code.
      await del(inv ? `/invitations/${inv.id}` : `/members/${m.id}`);
      notify('success', `The invitation for ${m.email} was revoked.`);
      reload();
    },
    children: (
      <>
        The invitation link sent to <b>{m.email}</b> stops working, and the invited member is removed.
      </>
    ),
  }));
  if (!session.canManageIam) return <NoIamPermission managing="members" />;

  return (
    <>
      <PageHeader
        title="Members"
        description="People in this organization, and the policies and groups that decide what they can do."
        actions={<CreateButton label="Add member" onClick={() => setAdding(true)} />}
      />
      <Stack>
        <SearchInput aria-label="Search members" placeholder="Search by name or email" value={search} onChange={setSearch} maw={360} />
        <PagedTable
          load={list}
          errorTitle="Could not load members"
          empty={<EmptyState title={debounced ? 'No members match' : 'No members'} />}
          paging={paging}
          between={<ErrorAlert error={action.error} title="Could not re-issue the invitation" />}
          minWidth={760}
          highlightOnHover
          columns={['Name', 'Email', 'Status', 'Policies', 'Groups', { w: 48 }]}
        >
          {(members) =>
            members.map((m) => (
              <Table.Tr key={m.id} data-testid="member-row" data-member-email={m.email}>
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
                  {m.status === 'Invited' ? (
                    <Group gap={4}>
                      <Badge color="yellow" variant="light">
                        Invited
                      </Badge>
                      {invitationOf(m.id)?.expired && (
                        <Badge color="red" variant="light">
                          expired
                        </Badge>
                      )}
                    </Group>
                  ) : (
                    <Badge color="teal" variant="light">
                      Active
                    </Badge>
                  )}
                </Table.Td>
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
                <Table.Td>
                  {m.status === 'Invited' && (
                    <ActionsMenu label={`Actions for ${m.email}`} small>
                      <Menu.Item onClick={() => void reissue(m)}>Re-issue invitation</Menu.Item>
                      <Menu.Item color="red" onClick={() => confirmRevoke.ask(m)}>
                        Revoke invitation
                      </Menu.Item>
                    </ActionsMenu>
                  )}
                </Table.Td>
              </Table.Tr>
            ))
          }
        </PagedTable>
      </Stack>
      <AddMemberModal
        opened={adding}
        onClose={() => setAdding(false)}
        onAdded={(member, invitation) => {
          setIssued({ invitation, name: member.name });
          reload();
        }}
      />
      <InvitationModal invitation={issued?.invitation ?? null} name={issued?.name ?? ''} onClose={() => setIssued(null)} />
      {confirmRevoke.dialog}
    </>
  );
}

function AddMemberModal({ opened, onClose, onAdded }: { opened: boolean; onClose: () => void; onAdded: (member: Member, invitation: IssuedInvitation) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [policyIds, setPolicyIds] = useState<string[]>([]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const options = useLoad(async () => (opened ? { policies: await getAll<Policy>('/policies'), groups: await getAll<IamGroup>('/groups') } : { policies: [], groups: [] }), [opened]);
  useEffect(() => {
    if (!opened) {
      setEmail('');
      setName('');
      setPolicyIds([]);
      setGroupIds([]);
    }
  }, [opened]);
  const submit = async () => {
    const { member, invitation } = await post<{ member: Member; invitation: IssuedInvitation }>('/members', {
      email: email.trim(),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(policyIds.length ? { policyIds } : {}),
      ...(groupIds.length ? { groupIds } : {}),
    });
    onClose();
    onAdded(member, invitation);
  };
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title="Add member"
      size="md"
      onSubmit={submit}
      submitLabel="Create invitation"
      errorTitle="Could not add the member"
      note={
        <Text size="xs" c="dimmed">
          The member joins when they open the invitation link and set their own password. You can only give policies whose permissions you hold yourself.
        </Text>
      }
    >
      <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} data-autofocus />
      <TextInput label="Name" description="Shown until they join; they choose their own name then." value={name} onChange={(e) => setName(e.currentTarget.value)} />
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

import { Badge, Button, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { del, get, getAll, post, put } from '../../api/client.ts';
import type { Group as IamGroup, IssuedInvitation, Member, MemberPolicy, Policy } from '../../api/types.ts';
import { InvitationModal } from './InvitationModal.tsx';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { AddPicker, DetailHeader, DetailState, RelationCard, Trail } from '../../components/details.tsx';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert, NoIamPermission } from '../../components/ui.tsx';
import { useAction, useLoad } from '../../hooks.ts';
import { useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

// Where an effective policy comes from: the member directly (null), or one of their groups.
const inheritedFrom = (p: Pick<MemberPolicy, 'inherited' | 'groupName'>): string | null => (p.inherited ? (p.groupName ?? 'a group') : null);

export function MemberDetailPage({ memberId }: { memberId: string }) {
  const session = useSession();
  const notify = useNotify();
  const { navigate } = useRouter();
  const member = useLoad((signal) => get<Member>(`/members/${memberId}`, undefined, signal), [memberId]);
  const policies = useLoad((signal) => get<MemberPolicy[]>(`/members/${memberId}/policies`, undefined, signal), [memberId]);
  const options = useLoad(async () => ({ policies: await getAll<Policy>('/policies'), groups: await getAll<IamGroup>('/groups') }), [memberId]);
  const change = useAction();
  const [issued, setIssued] = useState<IssuedInvitation | null>(null);
  const confirmRemove = useConfirm((m: Member) => ({
    title: m.status === 'Invited' ? 'Revoke invitation?' : 'Remove member?',
    confirmLabel: m.status === 'Invited' ? 'Revoke invitation' : 'Remove member',
    danger: true,
    onConfirm: async () => {
      await del(`/members/${memberId}`);
      notify('success', `${m.name} was removed from the organization.`);
      navigate('/iam/members');
    },
    children:
      m.status === 'Invited' ? (
        <>
          The invitation link sent to <b>{m.email}</b> stops working, and the invited member is removed.
        </>
      ) : (
        <>
          <b>{m.name}</b> loses access to this organization. Their sessions here end and all their personal access tokens become inactive for good. Service tokens they created keep working.
        </>
      ),
  }));

  if (!session.canManageIam && memberId !== session.memberId) return <NoIamPermission managing="members" />;
  const reload = () => {
    member.reload();
    policies.reload();
  };
  const run = (fn: () => Promise<unknown>, message: string) =>
    change.run(async () => {
      await fn();
      notify('success', message);
      reload();
      if (memberId === session.memberId) void session.refreshPermissions();
    });
  const m = member.data;
  const directIds = new Set((m?.policies ?? []).map((p) => p.id));
  const groupIds = new Set((m?.groups ?? []).map((g) => g.id));

  return (
    <>
      <Trail crumbs={[{ label: 'Members', to: '/iam/members' }, { label: m?.name ?? '…' }]} />
      <DetailState load={member} errorTitle="Could not load the member">
        {(m) => (
          <Stack>
            <DetailHeader
              title={m.name}
              badges={
                m.status === 'Invited' && (
                  <Badge color="yellow" variant="light">
                    Invited
                  </Badge>
                )
              }
              actions={
                session.canManageIam && (
                  <Group gap="xs">
                    {m.status === 'Invited' && (
                      <Button variant="light" onClick={() => void change.run(async () => setIssued(await post<IssuedInvitation>(`/members/${m.id}/invitation`)))}>
                        Re-issue invitation
                      </Button>
                    )}
                    <Button color="red" variant="light" onClick={() => confirmRemove.ask(m)}>
                      {m.status === 'Invited' ? 'Revoke invitation' : 'Remove from organization'}
                    </Button>
                  </Group>
                )
              }
            >
              <Text c="dimmed">{m.email}</Text>
              {m.status === 'Invited' && (
                <Text size="sm" c="dimmed">
                  Has no access until they open their invitation link.
                </Text>
              )}
            </DetailHeader>
            <ErrorAlert error={change.error} title="That did not work" />
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <RelationCard
                title="Policies"
                items={(policies.data ?? m.policies.map((p) => ({ ...p, inherited: false, groupName: null }))).map((p, i) => {
                  const via = inheritedFrom(p);
                  return {
                    key: `${p.id}-${i}`,
                    name: p.name,
                    to: `/iam/policies/${p.id}`,
                    badge: via ? (
                      <Badge variant="outline" color="gray" size="sm" tt="none">
                        via {via}
                      </Badge>
                    ) : (
                      <Badge variant="light" size="sm" tt="none">
                        direct
                      </Badge>
                    ),
                    unlink:
                      !via && directIds.has(p.id) && session.canManageIam
                        ? { label: 'Remove', onClick: () => run(() => put(`/members/${m.id}/remove-policy/${p.id}`), `Policy ${p.name} removed.`) }
                        : undefined,
                  };
                })}
              >
                {session.canManageIam && (
                  <AddPicker
                    label="Policy to add"
                    placeholder="Add a policy…"
                    options={(options.data?.policies ?? []).filter((p) => !directIds.has(p.id)).map((p) => ({ value: p.id, label: p.name }))}
                    button="Add"
                    onAdd={(id) => run(() => put(`/members/${m.id}/add-policy/${id}`), 'Policy added.')}
                  />
                )}
              </RelationCard>
              <RelationCard
                title="Groups"
                empty="Not in any group."
                items={m.groups.map((g) => ({
                  key: g.id,
                  name: g.name,
                  to: `/iam/groups/${g.id}`,
                  unlink: session.canManageIam ? { label: 'Leave group', onClick: () => run(() => put(`/groups/${g.id}/remove-member/${m.id}`), `Removed from ${g.name}.`) } : undefined,
                }))}
              >
                {session.canManageIam && (
                  <AddPicker
                    label="Group to join"
                    placeholder="Add to a group…"
                    options={(options.data?.groups ?? []).filter((g) => !groupIds.has(g.id)).map((g) => ({ value: g.id, label: g.name }))}
                    button="Add"
                    onAdd={(id) => run(() => put(`/groups/${id}/add-member/${m.id}`), 'Added to the group.')}
                  />
                )}
              </RelationCard>
            </SimpleGrid>
          </Stack>
        )}
      </DetailState>
      {confirmRemove.dialog}
      <InvitationModal invitation={issued} name={m?.name ?? ''} onClose={() => setIssued(null)} />
    </>
  );
}

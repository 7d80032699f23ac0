import { Anchor, Badge, Breadcrumbs, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { del, get, getAll, put } from '../../api/client.ts';
import type { Group as IamGroup, Member, MemberPolicy, Policy } from '../../api/types.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert, Loading, NoPermission } from '../../components/ui.tsx';
import { useLoad } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

// Where an effective policy comes from: the member directly, or one of their groups.
function inheritedFrom(p: MemberPolicy): string | null {
  if (p.direct === true) return null;
  const group = p.group?.name ?? p.groupName ?? null;
  if (group) return group;
  if (p.inherited === true || p.direct === false) return p.source ?? 'a group';
  return null;
}

export function MemberDetailPage({ memberId }: { memberId: string }) {
  const session = useSession();
  const notify = useNotify();
  const link = useLink();
  const { navigate } = useRouter();
  const member = useLoad((signal) => get<Member>(`/members/${memberId}`, undefined, signal), [memberId]);
  const policies = useLoad((signal) => get<MemberPolicy[]>(`/members/${memberId}/policies`, undefined, signal), [memberId]);
  const options = useLoad(async () => ({ policies: await getAll<Policy>('/policies'), groups: await getAll<IamGroup>('/groups') }), [memberId]);
  const [addPolicy, setAddPolicy] = useState<string | null>(null);
  const [addGroup, setAddGroup] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState(false);

  if (!session.canManageIam && memberId !== session.memberId) return <NoPermission>Managing members needs the CanManageIAM permission.</NoPermission>;
  const reload = () => {
    member.reload();
    policies.reload();
  };
  const run = async (fn: () => Promise<unknown>, message: string) => {
    setError(null);
    try {
      await fn();
      notify('success', message);
      reload();
      if (memberId === session.memberId) void session.refreshPermissions();
    } catch (e) {
      setError(e);
    }
  };
  const m = member.data;
  const directIds = new Set((m?.policies ?? []).map((p) => p.id));
  const groupIds = new Set((m?.groups ?? []).map((g) => g.id));

  return (
    <>
      <Breadcrumbs mb="sm">
        <Anchor {...link('/iam/members')} size="sm">
          Members
        </Anchor>
        <Text size="sm">{m?.name ?? '…'}</Text>
      </Breadcrumbs>
      <ErrorAlert error={member.error} title="Could not load the member" mb="md" />
      {member.loading && !m ? (
        <Loading />
      ) : m ? (
        <Stack>
          <Group justify="space-between" wrap="wrap">
            <div>
              <Title order={2}>{m.name}</Title>
              <Text c="dimmed">{m.email}</Text>
            </div>
            {session.canManageIam && (
              <Button color="red" variant="light" onClick={() => setRemoving(true)}>
                Remove from organization
              </Button>
            )}
          </Group>
          <ErrorAlert error={error} title="That did not work" />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Text fw={600} mb="xs">
                Policies
              </Text>
              <Table>
                <Table.Tbody>
                  {(policies.data ?? m.policies.map((p) => ({ ...p, direct: true }) as MemberPolicy)).map((p, i) => {
                    const via = inheritedFrom(p);
                    return (
                      <Table.Tr key={`${p.id}-${i}`}>
                        <Table.Td>
                          <Anchor {...link(`/iam/policies/${p.id}`)} size="sm">
                            {p.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          {via ? (
                            <Badge variant="outline" color="gray" size="sm" tt="none">
                              via {via}
                            </Badge>
                          ) : (
                            <Badge variant="light" size="sm" tt="none">
                              direct
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td ta="right">
                          {!via && directIds.has(p.id) && session.canManageIam && (
                            <Button
                              size="compact-xs"
                              variant="subtle"
                              color="red"
                              onClick={() => run(() => put(`/members/${m.id}/remove-policy/${p.id}`), `Policy ${p.name} removed.`)}
                            >
                              Remove
                            </Button>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
              {session.canManageIam && (
                <Group mt="sm" gap="xs" align="flex-end">
                  <Select
                    aria-label="Policy to add"
                    placeholder="Add a policy…"
                    data={(options.data?.policies ?? []).filter((p) => !directIds.has(p.id)).map((p) => ({ value: p.id, label: p.name }))}
                    value={addPolicy}
                    onChange={setAddPolicy}
                    searchable
                    style={{ flex: 1 }}
                  />
                  <Button
                    disabled={!addPolicy}
                    onClick={() =>
                      run(async () => {
                        await put(`/members/${m.id}/add-policy/${addPolicy}`);
                        setAddPolicy(null);
                      }, 'Policy added.')
                    }
                  >
                    Add
                  </Button>
                </Group>
              )}
            </Card>
            <Card withBorder>
              <Text fw={600} mb="xs">
                Groups
              </Text>
              {m.groups.length === 0 && (
                <Text size="sm" c="dimmed">
                  Not in any group.
                </Text>
              )}
              <Table>
                <Table.Tbody>
                  {m.groups.map((g) => (
                    <Table.Tr key={g.id}>
                      <Table.Td>
                        <Anchor {...link(`/iam/groups/${g.id}`)} size="sm">
                          {g.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td ta="right">
                        {session.canManageIam && (
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            color="red"
                            onClick={() => run(() => put(`/groups/${g.id}/remove-member/${m.id}`), `Removed from ${g.name}.`)}
                          >
                            Leave group
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {session.canManageIam && (
                <Group mt="sm" gap="xs" align="flex-end">
                  <Select
                    aria-label="Group to join"
                    placeholder="Add to a group…"
                    data={(options.data?.groups ?? []).filter((g) => !groupIds.has(g.id)).map((g) => ({ value: g.id, label: g.name }))}
                    value={addGroup}
                    onChange={setAddGroup}
                    searchable
                    style={{ flex: 1 }}
                  />
                  <Button
                    disabled={!addGroup}
                    onClick={() =>
                      run(async () => {
                        await put(`/groups/${addGroup}/add-member/${m.id}`);
                        setAddGroup(null);
                      }, 'Added to the group.')
                    }
                  >
                    Add
                  </Button>
                </Group>
              )}
            </Card>
          </SimpleGrid>
        </Stack>
      ) : null}
      <ConfirmModal
        opened={removing}
        title="Remove member?"
        confirmLabel="Remove member"
        danger
        onClose={() => setRemoving(false)}
        onConfirm={async () => {
          await del(`/members/${memberId}`);
          notify('success', `${m?.name} was removed from the organization.`);
          navigate('/iam/members');
        }}
      >
        <b>{m?.name}</b> loses access to this organization. Their sessions here end and all their personal access tokens become inactive for good. Service
        tokens they created keep working.
      </ConfirmModal>
    </>
  );
}

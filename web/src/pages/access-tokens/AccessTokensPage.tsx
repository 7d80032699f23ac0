import { Anchor, Badge, Button, Chip, Code, Drawer, Group, Menu, Modal, NumberInput, Paper, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { del, get, post, put, type Page } from '../../api/client.ts';
import type { AccessTokenView, AccessTokenWithSecret } from '../../api/types.ts';
import { useConfirm, type Confirmation } from '../../components/ConfirmModal.tsx';
import { FormModal } from '../../components/forms.tsx';
import { ActionsMenu, DataTable, ListState, Pager, SearchInput } from '../../components/lists.tsx';
import { useNotify } from '../../components/notify.tsx';
import { EmptyState, ErrorAlert, NoPermission, PageHeader, RelativeTime, CreateButton } from '../../components/ui.tsx';
import { formatDateTime, formatRelative } from '../../format.ts';
import { useAction, useLoad, usePaging, useSearchText } from '../../hooks.ts';
import { useLink } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { StatementList } from '../iam/StatementList.tsx';
import { AddTokenDrawer } from './AddTokenDrawer.tsx';
import { CreatorSelect, type Person } from './CreatorSelect.tsx';
import { SecretModal } from './SecretModal.tsx';
import { hasAnyRight, isOwnToken, tokenRights } from './tokenRights.ts';
import { EXPIRING_SOON_DAYS, ExpiresIn } from './ExpiresIn.tsx';

const PAGE_SIZE = 10;
type Action = 'rename' | 'activate' | 'deactivate' | 'reset' | 'remove';
// The actions that only need a yes; renaming and resetting ask for more in their own dialogs.
type Confirmed = Exclude<Action, 'rename' | 'reset'>;

export function AccessTokensPage() {
  const session = useSession();
  const notify = useNotify();
  const canManage = session.canManagePersonalTokens || session.canManageServiceTokens;

  const [search, setSearch, debounced] = useSearchText();
  const [type, setType] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [creatorId, setCreatorId] = useState<string | null>(null);
  const [expiringSoon, setExpiringSoon] = useState(false);
  const [neverUsed, setNeverUsed] = useState(false);
  const paging = usePaging(PAGE_SIZE, [debounced, type, status, creatorId, expiringSoon, neverUsed]);

  const list = useLoad(
    (signal) =>
      session.canListTokens
        ? get<Page<AccessTokenView>>(
            '/access-tokens',
            {
              name: debounced,
              type,
              status,
              creatorId,
              expiringWithinDays: expiringSoon ? EXPIRING_SOON_DAYS : null,
              neverUsed: neverUsed || null,
              ...paging.query,
            },
            signal,
          )
        : Promise.resolve({ totalCount: 0, items: [] }),
    [debounced, type, status, creatorId, expiringSoon, neverUsed, paging.page, session.canListTokens, session.organizationId],
  );

  const [known, setKnown] = useState<Person[]>([]);
  useEffect(() => {
    const seen = [{ id: session.memberId, name: `${session.profile.name} (me)`, email: session.profile.email }, ...(list.data?.items ?? []).map((t) => t.creator)];
    setKnown((prev) => {
      const m = new Map(prev.map((p) => [p.id, p]));
      for (const p of seen) if (p && !m.has(p.id)) m.set(p.id, p);
      return [...m.values()];
    });
  }, [list.data, session.memberId, session.profile]);

  const [adding, setAdding] = useState(false);
  // The plaintext secret exists only here, in memory, until the dialog closes.
  const [issued, setIssued] = useState<{ secret: string; name: string; reset: boolean } | null>(null);
  const [editing, setEditing] = useState<{ action: 'rename' | 'reset'; token: AccessTokenView } | null>(null);
  const [details, setDetails] = useState<AccessTokenView | null>(null);

  // On a narrow window each token becomes a card, so status and actions stay in view.
  const narrow = useMediaQuery('(max-width: 48em)');
  const filtered = debounced !== '' || type !== null || status !== null || creatorId !== null || expiringSoon || neverUsed;

  const act = async (action: Confirmed, t: AccessTokenView) => {
    if (action === 'activate') await put(`/access-tokens/${t.id}/activate`);
    if (action === 'deactivate') await put(`/access-tokens/${t.id}/deactivate`);
    if (action === 'remove') await del(`/access-tokens/${t.id}`);
    notify('success', `Token “${t.name}” ${action === 'remove' ? 'removed' : action === 'activate' ? 'activated' : 'deactivated'}.`);
    setDetails(null);
    list.reload();
  };
  const confirm = useConfirm(({ action, token }: { action: Confirmed; token: AccessTokenView }): Confirmation => {
    const onConfirm = () => act(action, token);
    if (action === 'deactivate') {
      return {
        title: 'Deactivate token?',
        confirmLabel: 'Deactivate',
        danger: true,
        onConfirm,
        children: (
          <Text size="sm">
            Every API call made with <b>{token.name}</b> will get a <Code>Forbidden</Code> response until the token is activated again. Scripts using it will stop working immediately.
            {!isOwnToken(token, session) && token.type === 'Personal' && <> This token belongs to {token.creator.name}; only they can activate it again.</>}
          </Text>
        ),
      };
    }
    if (action === 'activate') {
      return {
        title: 'Activate token?',
        confirmLabel: 'Activate',
        onConfirm,
        children: (
          <>
            API calls made with <b>{token.name}</b> will be accepted again, within its permissions.
          </>
        ),
      };
    }
    return {
      title: 'Remove token?',
      confirmLabel: 'Remove for good',
      danger: true,
      onConfirm,
      children: (
        <>
          <b>{token.name}</b> will be deleted. This cannot be undone: the token can never be used again. Its history stays in the audit log.
        </>
      ),
    };
  });
  const onAction = (action: Action, token: AccessTokenView) => (action === 'rename' || action === 'reset' ? setEditing({ action, token }) : confirm.ask({ action, token }));

  return (
    <>
      <PageHeader
        title="Access tokens"
        description="Tokens authenticate scripts and integrations against the REST API. Personal tokens act as you; service tokens have fixed permissions."
        actions={canManage && <CreateButton label="Add" onClick={() => setAdding(true)} />}
      />
      {!session.canListTokens ? (
        <NoPermission>
          You do not have the <Code>ListAccessTokens</Code> permission, so the organization’s tokens are not shown here.
          {canManage ? ' You can still create a token with Add; its secret is shown once, right after creation.' : ''}
        </NoPermission>
      ) : (
        <Stack gap="md">
          <Group gap="sm" wrap="wrap">
            <SearchInput aria-label="Search by name" placeholder="Search by name" value={search} onChange={setSearch} w={{ base: '100%', xs: 220 }} />
            <Select aria-label="Type" placeholder="All types" data={['Personal', 'Service']} value={type} onChange={setType} clearable w={{ base: '100%', xs: 150 }} />
            <CreatorSelect value={creatorId} onChange={setCreatorId} canSearchMembers={session.canManageIam} known={known} />
            <Select aria-label="Status" placeholder="Any status" data={['Active', 'Inactive']} value={status} onChange={setStatus} clearable w={{ base: '100%', xs: 150 }} />
            <Chip checked={expiringSoon} onChange={setExpiringSoon} data-testid="filter-expiring-soon">
              Expiring soon
            </Chip>
            <Chip checked={neverUsed} onChange={setNeverUsed} data-testid="filter-never-used">
              Never used
            </Chip>
          </Group>
          <ListState
            load={list}
            errorTitle="Could not load tokens"
            empty={
              filtered ? (
                <EmptyState title="No tokens match these filters">Clear a filter to see more.</EmptyState>
              ) : (
                <EmptyState title="No access tokens yet">{canManage ? 'Use Add to create one for a script or an integration.' : ''}</EmptyState>
              )
            }
          >
            {(tokens) =>
              narrow ? (
                <Stack gap="sm" data-testid="tokens-cards" style={{ opacity: list.loading ? 0.6 : 1 }}>
                  {tokens.map((t) => (
                    <TokenCard key={t.id} token={t} onOpen={() => setDetails(t)} onAction={(action) => onAction(action, t)} />
                  ))}
                </Stack>
              ) : (
                <DataTable
                  minWidth={860}
                  highlightOnHover
                  data-testid="tokens-table"
                  dimmed={list.loading}
                  columns={['Name', 'Type', 'Created by', 'Status', 'Last used', 'Expires', 'Token', { label: <span className="sr-only">Actions</span>, w: 56 }]}
                >
                  {tokens.map((t) => (
                    <TokenRow key={t.id} token={t} onOpen={() => setDetails(t)} onAction={(action) => onAction(action, t)} />
                  ))}
                </DataTable>
              )
            }
          </ListState>
          <Pager paging={paging} totalCount={list.data?.totalCount} label={`${list.data?.totalCount} tokens`} />
        </Stack>
      )}

      <AddTokenDrawer
        opened={adding}
        onClose={() => setAdding(false)}
        onCreated={(t) => {
          setAdding(false);
          setIssued({ secret: t.secret, name: t.name, reset: false });
          list.reload();
        }}
      />
      <SecretModal secret={issued?.secret ?? null} tokenName={issued?.name ?? ''} reset={issued?.reset} onClose={() => setIssued(null)} />
      <TokenDetails token={details} onClose={() => setDetails(null)} onAction={onAction} />
      {confirm.dialog}
      <RenameModal
        token={editing?.action === 'rename' ? editing.token : null}
        onClose={() => setEditing(null)}
        onDone={(t) => {
          setEditing(null);
          setDetails(null);
          notify('success', `Token renamed to “${t.name}”.`);
          list.reload();
        }}
      />
      <ResetModal
        token={editing?.action === 'reset' ? editing.token : null}
        onClose={() => setEditing(null)}
        onDone={(t) => {
          setEditing(null);
          setDetails(null);
          setIssued({ secret: t.secret, name: t.name, reset: true });
          list.reload();
        }}
      />
    </>
  );
}

function TypeBadge({ type }: { type: AccessTokenView['type'] }) {
  return (
    <Badge variant="light" color={type === 'Service' ? 'grape' : 'blue'}>
      {type}
    </Badge>
  );
}

const INACTIVE_REASONS: Record<NonNullable<AccessTokenView['inactiveReason']>, string> = {
  Deactivated: 'Deactivated',
  OwnerRemoved: 'Its owner left the organization',
  Leaked: 'Its secret was found in public and it was deactivated (see the audit log). Reset it before activating it again.',
};

export function StatusBadge({ token }: { token: AccessTokenView }) {
  const expired = token.expiresAt !== null && new Date(token.expiresAt).getTime() <= Date.now();
  if (token.status === 'Active' && expired)
    return (
      <Badge color="orange" variant="light">
        Expired
      </Badge>
    );
  if (token.status === 'Active')
    return (
      <Badge color="teal" variant="light">
        Active
      </Badge>
    );
  return (
    <Tooltip label={INACTIVE_REASONS[token.inactiveReason ?? 'Deactivated']} disabled={!token.inactiveReason}>
      <Badge color={token.inactiveReason === 'Leaked' ? 'red' : 'gray'} variant="light">
        {token.inactiveReason === 'Leaked' ? 'Leaked' : 'Inactive'}
      </Badge>
    </Tooltip>
  );
}

function TokenRow({ token, onOpen, onAction }: { token: AccessTokenView; onOpen: () => void; onAction: (a: Action) => void }) {
  const rights = tokenRights(token);
  return (
    <Table.Tr data-testid="token-row" data-token-name={token.name}>
      <Table.Td>
        <Anchor component="button" type="button" onClick={onOpen} fw={500} ta="left">
          {token.name}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <TypeBadge type={token.type} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{token.creator?.name ?? '—'}</Text>
      </Table.Td>
      <Table.Td>
        <StatusBadge token={token} />
      </Table.Td>
      <Table.Td>
        <RelativeTime at={token.lastUsedAt} />
      </Table.Td>
      <Table.Td>
        <ExpiresIn token={token} />
      </Table.Td>
      <Table.Td>
        <Code className="nowrap">{token.token}</Code>
      </Table.Td>
      <Table.Td>
        {hasAnyRight(rights) ? (
          <TokenMenu token={token} onAction={onAction} />
        ) : (
          <Tooltip label="You cannot manage this token">
            <Text size="xs" c="dimmed">
              Read-only
            </Text>
          </Tooltip>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function TokenCard({ token, onOpen, onAction }: { token: AccessTokenView; onOpen: () => void; onAction: (a: Action) => void }) {
  const rights = tokenRights(token);
  return (
    <Paper withBorder p="sm" data-testid="token-row" data-token-name={token.name}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Anchor component="button" type="button" onClick={onOpen} fw={500} ta="left">
            {token.name}
          </Anchor>
          <Group gap={6}>
            <TypeBadge type={token.type} />
            <StatusBadge token={token} />
          </Group>
          <Text size="xs" c="dimmed">
            by {token.creator?.name ?? '—'} · last used {formatRelative(token.lastUsedAt).toLowerCase()} · <ExpiresIn token={token} />
          </Text>
          <Code className="nowrap" w="fit-content">
            {token.token}
          </Code>
        </Stack>
        {hasAnyRight(rights) ? (
          <TokenMenu token={token} onAction={onAction} />
        ) : (
          <Text size="xs" c="dimmed">
            Read-only
          </Text>
        )}
      </Group>
    </Paper>
  );
}

function TokenMenu({ token, onAction }: { token: AccessTokenView; onAction: (a: Action) => void }) {
  const r = tokenRights(token);
  return (
    <ActionsMenu label={`Actions for ${token.name}`}>
      {r.rename && <Menu.Item onClick={() => onAction('rename')}>Edit name</Menu.Item>}
      {r.activate && <Menu.Item onClick={() => onAction('activate')}>Activate</Menu.Item>}
      {r.deactivate && <Menu.Item onClick={() => onAction('deactivate')}>Deactivate</Menu.Item>}
      {r.reset && <Menu.Item onClick={() => onAction('reset')}>Reset secret</Menu.Item>}
      {r.remove && (
        <>
          <Menu.Divider />
          <Menu.Item color="red" onClick={() => onAction('remove')}>
            Remove
          </Menu.Item>
        </>
      )}
    </ActionsMenu>
  );
}

function TokenDetails({ token, onClose, onAction }: { token: AccessTokenView | null; onClose: () => void; onAction: (a: Action, t: AccessTokenView) => void }) {
  const link = useLink();
  const rights = token ? tokenRights(token) : null;
  const rows: [string, ReactNode][] = token
    ? [
        ['Type', <TypeBadge key="type" type={token.type} />],
        ['Status', <StatusBadge key="status" token={token} />],
        ['Created by', token.creator?.email ? `${token.creator.name} (${token.creator.email})` : (token.creator?.name ?? '—')],
        ['Created', formatDateTime(token.createdAt)],
        ['Last used', token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'Never'],
        [
          'Expires',
          token.expiresAt ? (
            <>
              {formatDateTime(token.expiresAt)} (<ExpiresIn token={token} />)
            </>
          ) : (
            'Never'
          ),
        ],
        [
          'Allowed from',
          token.allowedCidrs ? (
            <Group key="cidrs" gap={4} data-testid="token-allowed-cidrs">
              {token.allowedCidrs.map((c) => (
                <Code key={c}>{c}</Code>
              ))}
            </Group>
          ) : (
            'Anywhere'
          ),
        ],
        ['Token', <Code key="token">{token.token}</Code>],
      ]
    : [];
  return (
    <Drawer opened={token !== null} onClose={onClose} title={token?.name} position="right" size="lg" padding="lg">
      {token && rights && (
        <Stack>
          {!hasAnyRight(rights) && (
            <Text size="sm" c="dimmed" data-testid="read-only-notice">
              You can see this token but not manage it.
            </Text>
          )}
          <Table variant="vertical" withTableBorder>
            <Table.Tbody>
              {rows.map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Th w={130}>{k}</Table.Th>
                  <Table.Td>{v}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <div>
            <Text fw={500} size="sm" mb={4}>
              Permissions
            </Text>
            {token.permissions.length === 0 ? (
              <Text size="sm" c="dimmed">
                Everything its owner can do, as their permissions change.
              </Text>
            ) : (
              <StatementList statements={token.permissions} />
            )}
            {token.type === 'Service' && (
              <Text size="xs" c="dimmed" mt={4}>
                Service token permissions are frozen and cannot be edited.
              </Text>
            )}
          </div>
          <Group gap="md">
            <Anchor {...link(`/audit?tokenId=${encodeURIComponent(token.id)}`)} size="sm">
              What this token changed (audit log)
            </Anchor>
            <Anchor {...link(`/audit?refType=access-token&refId=${encodeURIComponent(token.id)}`)} size="sm">
              This token's own history
            </Anchor>
          </Group>
          {hasAnyRight(rights) && (
            <Group gap="xs">
              {rights.rename && (
                <Button variant="default" onClick={() => onAction('rename', token)}>
                  Edit name
                </Button>
              )}
              {rights.activate && (
                <Button variant="default" onClick={() => onAction('activate', token)}>
                  Activate
                </Button>
              )}
              {rights.deactivate && (
                <Button variant="default" onClick={() => onAction('deactivate', token)}>
                  Deactivate
                </Button>
              )}
              {rights.reset && (
                <Button variant="default" onClick={() => onAction('reset', token)}>
                  Reset secret
                </Button>
              )}
              {rights.remove && (
                <Button color="red" variant="light" onClick={() => onAction('remove', token)}>
                  Remove
                </Button>
              )}
            </Group>
          )}
        </Stack>
      )}
    </Drawer>
  );
}

function RenameModal({ token, onClose, onDone }: { token: AccessTokenView | null; onClose: () => void; onDone: (t: AccessTokenView) => void }) {
  const [name, setName] = useState('');
  useEffect(() => setName(token?.name ?? ''), [token]);
  const submit = async () => {
    if (!token) return;
    onDone(await put<AccessTokenView>(`/access-tokens/${token.id}`, { name: name.trim() }));
  };
  return (
    <FormModal opened={token !== null} onClose={onClose} title="Edit token name" onSubmit={submit} submitLabel="Save" canSubmit={!!name.trim() && name.trim() !== token?.name}>
      <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus maxLength={128} />
    </FormModal>
  );
}

// Not a form: Enter in the grace-period field must not reset the secret.
function ResetModal({ token, onClose, onDone }: { token: AccessTokenView | null; onClose: () => void; onDone: (t: AccessTokenWithSecret) => void }) {
  const [grace, setGrace] = useState<number | string>(0);
  const { busy, error, setError, run } = useAction();
  useEffect(() => {
    setGrace(0);
    setError(null);
  }, [token, setError]);
  const graceSeconds = typeof grace === 'number' ? grace : Number(grace) || 0;
  const valid = Number.isInteger(graceSeconds) && graceSeconds >= 0 && graceSeconds <= 86400;
  const help = useMemo(() => (graceSeconds > 0 ? `The old secret keeps working for ${describeSeconds(graceSeconds)}, then stops.` : 'The old secret stops working immediately.'), [graceSeconds]);
  return (
    <Modal opened={token !== null} onClose={onClose} title="Reset secret" centered>
      <Stack>
        <Text size="sm">
          A new secret is issued for <b>{token?.name}</b>, with the same name and permissions. It is shown once.
        </Text>
        <NumberInput label="Grace period (seconds)" description={help} min={0} max={86400} step={60} value={grace} onChange={setGrace} error={valid ? undefined : 'Between 0 and 86,400 seconds.'} />
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="orange"
            loading={busy}
            disabled={!valid}
            onClick={() =>
              run(async () => {
                if (!token) return;
                onDone(await post<AccessTokenWithSecret>(`/access-tokens/${token.id}/reset`, { graceSeconds }));
              })
            }
          >
            Reset
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function describeSeconds(s: number): string {
  if (s < 120) return `${s} seconds`;
  if (s < 7200) return `${Math.round(s / 60)} minutes`;
  return `${Math.round(s / 3600)} hours`;
}

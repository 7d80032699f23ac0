import { Badge, Button, Code, Collapse, Group, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { Fragment, useState } from 'react';
import { ApiError, errorMessage, get, getAll, post, type Page } from '../../api/client.ts';
import type { AccessTokenView, AuditEntry, Member } from '../../api/types.ts';
import { PagedTable } from '../../components/lists.tsx';
import { EmptyState, PageHeader, RelativeTime } from '../../components/ui.tsx';
import { useLoad, usePaging } from '../../hooks.ts';
import { useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

const PAGE_SIZE = 20;
const REF_TYPES = [
  { value: 'access-token', label: 'Access tokens' },
  { value: 'flag', label: 'Feature flags' },
  { value: 'segment', label: 'Segments' },
  { value: 'project', label: 'Projects' },
  { value: 'env', label: 'Environments' },
  { value: 'iam', label: 'IAM (members, groups, policies)' },
  { value: 'organization', label: 'Organization' },
];

// A date input's value as the start (or end) of that day, local time.
function dayBound(value: string, end: boolean): string | undefined {
  if (!value) return undefined;
  const d = new Date(`${value}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function AuditPage() {
  const session = useSession();
  const { search } = useRouter();
  // Other pages link here with a filter, e.g. a token's activity (?tokenId=) or its own history (?refType=access-token&refId=).
  const tokenSubject = search.get('refType') === 'access-token' ? search.get('refId') : null;
  const [refType, setRefType] = useState<string | null>(tokenSubject ? null : search.get('refType'));
  const [creatorId, setCreatorId] = useState<string | null>(search.get('creatorId'));
  const [tokenId, setTokenId] = useState<string | null>(search.get('tokenId') ?? tokenSubject);
  // The token that made the changes, or the token the entries are about.
  const [tokenRole, setTokenRole] = useState<TokenRole>(tokenSubject && !search.get('tokenId') ? 'subject' : 'actor');
  // One flag's or segment's history (linked from its page).
  const [refId, setRefId] = useState<string | null>(tokenSubject ? null : search.get('refId'));
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const paging = usePaging(PAGE_SIZE, [refType, refId, creatorId, tokenId, tokenRole, from, to]);
  const [open, setOpen] = useState<string | null>(null);

  const people = useLoad(
    async () => (session.canManageIam ? (await getAll<Member>('/members')).map((m) => ({ value: m.id, label: m.name })) : [{ value: session.memberId, label: `${session.profile.name} (me)` }]),
    [session.canManageIam, session.organizationId],
  );
  const tokens = useLoad(
    async () => (session.canListTokens ? (await getAll<AccessTokenView>('/access-tokens')).map((t) => ({ value: t.id, label: t.name })) : []),
    [session.canListTokens, session.organizationId],
  );
  const byToken = tokenId ? (tokenRole === 'actor' ? { tokenId } : { refType: 'access-token', refId: tokenId }) : {};
  const entries = useLoad(
    (signal) => get<Page<AuditEntry>>('/audit-logs', { refType, refId, creatorId, ...byToken, from: dayBound(from, false), to: dayBound(to, true), ...paging.query }, signal),
    [refType, refId, creatorId, tokenId, tokenRole, from, to, paging.page, session.organizationId],
  );
  // A token picked by id or by value may be gone from the list (removed): it stays selectable by its id.
  const [found, setFound] = useState<{ value: string; label: string } | null>(null);
  const tokenOptions = [...(tokens.data ?? [])];
  if (found && !tokenOptions.some((o) => o.value === found.value)) tokenOptions.push(found);
  if (tokenId && !tokenOptions.some((o) => o.value === tokenId)) tokenOptions.push({ value: tokenId, label: tokenId });
  const filtered = refType || refId || creatorId || tokenId || from || to;
  const refKey = refId ? entries.data?.items.find((e) => e.refId === refId)?.refKey : undefined;

  return (
    <>
      <PageHeader title="Audit log" description="Who changed what, when. Changes made with an access token name the token. You see entries about what you can read." />
      <Stack>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          <Select
            aria-label="Resource type"
            placeholder={tokenId && tokenRole === 'subject' ? 'Access tokens' : 'Any resource'}
            data={REF_TYPES}
            value={tokenId && tokenRole === 'subject' ? null : refType}
            onChange={setRefType}
            clearable
            disabled={!!tokenId && tokenRole === 'subject'}
          />
          <Select aria-label="Member" placeholder="Any member" data={people.data ?? []} value={creatorId} onChange={setCreatorId} clearable searchable />
          <Select
            aria-label="Access token"
            placeholder={session.canListTokens ? 'Any token' : 'Tokens not listed'}
            data={tokenOptions}
            value={tokenId}
            onChange={setTokenId}
            clearable
            searchable
            disabled={!session.canListTokens}
          />
          <TextInput aria-label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} leftSection={<Text size="xs">From</Text>} leftSectionWidth={44} />
          <TextInput aria-label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} leftSection={<Text size="xs">To</Text>} leftSectionWidth={36} />
        </SimpleGrid>
        {session.canListTokens && (
          <Group gap="sm" align="flex-end">
            <SegmentedControl
              aria-label="Token's part"
              size="xs"
              value={tokenRole}
              onChange={(v) => setTokenRole(v as TokenRole)}
              data={[
                { value: 'actor', label: 'Changes made with the token' },
                { value: 'subject', label: "The token's own history" },
              ]}
            />
            <TokenFinder
              onFound={(t) => {
                setFound({ value: t.id, label: t.name });
                setTokenId(t.id);
              }}
            />
          </Group>
        )}
        {refId && (
          <Group gap="xs">
            <Text size="sm">
              Showing the history of {refType ?? 'one item'}{' '}
              <Text span className="mono">
                {refKey ?? refId}
              </Text>
            </Text>
            <Button size="compact-xs" variant="subtle" onClick={() => setRefId(null)}>
              Show everything
            </Button>
          </Group>
        )}
        <PagedTable
          load={entries}
          errorTitle="Could not load the audit log"
          empty={<EmptyState title={filtered ? 'No entries match these filters' : 'Nothing recorded yet'} />}
          paging={paging}
          minWidth={820}
          data-testid="audit-table"
          dimmed={entries.loading}
          columns={['When', 'Who', 'Action', 'Target', { w: 110 }]}
        >
          {(items) =>
            items.map((e) => (
              <Fragment key={e.id}>
                <Table.Tr data-testid="audit-row">
                  <Table.Td>
                    <RelativeTime at={e.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    <Actor entry={e} />
                  </Table.Td>
                  <Table.Td>
                    <Code>{e.action}</Code>
                    {e.comment && (
                      <Text size="xs" c="dimmed" mt={2} data-testid="audit-comment" style={{ whiteSpace: 'pre-wrap' }}>
                        “{e.comment}”
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      <Text span c="dimmed">
                        {e.refType}
                      </Text>{' '}
                      <Text span className="mono">
                        {e.refKey || e.refId}
                      </Text>
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" onClick={() => setOpen(open === e.id ? null : e.id)}>
                      {open === e.id ? 'Hide changes' : 'Show changes'}
                    </Button>
                  </Table.Td>
                </Table.Tr>
                <Table.Tr style={{ display: open === e.id ? undefined : 'none' }}>
                  <Table.Td colSpan={5} p={0}>
                    <Collapse in={open === e.id}>
                      <Changes entry={e} />
                    </Collapse>
                  </Table.Td>
                </Table.Tr>
              </Fragment>
            ))
          }
        </PagedTable>
      </Stack>
    </>
  );
}

type TokenRole = 'actor' | 'subject';

/** Finds a token by its value or id (POST /access-tokens/lookup for a value); the value is sent once and not kept. */
function TokenFinder({ onFound }: { onFound: (t: { id: string; name: string }) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function find() {
    const value = text.trim();
    if (!value) return;
    setBusy(true);
    setError(null);
    try {
      // A token's value starts with its prefix; anything else is taken as an id.
      const t = value.startsWith('ens_') ? await post<AccessTokenView>('/access-tokens/lookup', { token: value }) : await get<AccessTokenView>(`/access-tokens/${encodeURIComponent(value)}`);
      onFound({ id: t.id, name: t.name });
      setText('');
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 ? 'No token of this organization has this value or id' : errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Group gap="xs" align="flex-start">
      <TextInput
        aria-label="Find a token by value or id"
        placeholder="Paste a token's value or id"
        size="xs"
        w={320}
        type="password"
        autoComplete="off"
        value={text}
        error={error}
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void find();
        }}
      />
      <Button size="xs" variant="light" loading={busy} onClick={() => void find()}>
        Find token
      </Button>
    </Group>
  );
}

function Actor({ entry }: { entry: AuditEntry }) {
  const a = entry.actor;
  if (a.kind === 'token') {
    return (
      <Stack gap={2}>
        <Group gap={6} wrap="nowrap">
          <Badge size="sm" variant="light" color="grape" tt="none">
            token
          </Badge>
          <Text size="sm" fw={500}>
            {a.tokenName ?? a.tokenId}
          </Text>
        </Group>
        {a.memberName && (
          <Text size="xs" c="dimmed">
            personal token of {a.memberName}
          </Text>
        )}
      </Stack>
    );
  }
  return <Text size="sm">{a.memberName ?? a.memberId ?? '—'}</Text>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// When both sides are snapshots of one thing, only the fields that moved (targeting changes are long).
export function changedFields(before: unknown, after: unknown): { before: unknown; after: unknown; only: boolean } {
  if (!isRecord(before) || !isRecord(after)) return { before, after, only: false };
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (keys.length === 0) return { before, after, only: false };
  return { before: Object.fromEntries(keys.map((k) => [k, before[k]])), after: Object.fromEntries(keys.map((k) => [k, after[k]])), only: true };
}

function Changes({ entry }: { entry: AuditEntry }) {
  const [all, setAll] = useState(false);
  const raw = entry.changes ?? { before: null, after: null };
  const diff = changedFields(raw.before, raw.after);
  const shown = all ? { ...raw, only: false } : diff;
  return (
    <Stack gap="xs" p="sm" bg="gray.0" data-testid="audit-changes">
      {entry.comment && (
        <Text size="sm">
          <b>Comment:</b> {entry.comment}
        </Text>
      )}
      {diff.only && (
        <Group gap="xs">
          <Text size="xs" c="dimmed">
            {all ? 'Everything recorded.' : 'Only the fields that changed.'}
          </Text>
          <Button size="compact-xs" variant="subtle" onClick={() => setAll(!all)}>
            {all ? 'Only changes' : 'All fields'}
          </Button>
        </Group>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Snapshot title="Before" value={shown.before} />
        <Snapshot title="After" value={shown.after} />
      </SimpleGrid>
    </Stack>
  );
}

function Snapshot({ title, value }: { title: string; value: unknown }) {
  return (
    <div>
      <Text size="xs" fw={600} mb={4}>
        {title}
      </Text>
      <Code block mah={360} style={{ overflow: 'auto' }}>
        {value === null || value === undefined ? '—' : JSON.stringify(value, null, 2)}
      </Code>
    </div>
  );
}

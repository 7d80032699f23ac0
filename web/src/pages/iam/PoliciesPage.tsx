import { Anchor, Badge, Stack, Table, Text, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { asPage, get, post, type Page } from '../../api/client.ts';
import type { Policy } from '../../api/types.ts';
import { FormModal, NameAndKeyInputs, slugify, useNameAndKey } from '../../components/forms.tsx';
import { PagedTable, SearchInput } from '../../components/lists.tsx';
import { CreateButton, EmptyState, NoIamPermission, PageHeader } from '../../components/ui.tsx';
import { useLoad, usePaging, useSearchText } from '../../hooks.ts';
import { useLink, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

const PAGE_SIZE = 20;

export function PolicyTypeBadge({ type }: { type: Policy['type'] }) {
  return type === 'SysManaged' ? (
    <Badge variant="light" color="gray" tt="none">
      Built-in
    </Badge>
  ) : (
    <Badge variant="light" color="indigo" tt="none">
      Custom
    </Badge>
  );
}

export function PoliciesPage() {
  const session = useSession();
  const link = useLink();
  const [search, setSearch, debounced] = useSearchText();
  const paging = usePaging(PAGE_SIZE, [debounced]);
  const [adding, setAdding] = useState(false);
  const list = useLoad(async (signal) => asPage(await get<Policy[] | Page<Policy>>('/policies', { name: debounced, ...paging.query }, signal)), [debounced, paging.page, session.organizationId]);
  if (!session.canManageIam) return <NoIamPermission managing="policies" />;
  return (
    <>
      <PageHeader
        title="Policies"
        description="A policy is a list of statements: allow or deny actions on resources. Built-in policies are read-only."
        actions={<CreateButton label="New policy" onClick={() => setAdding(true)} />}
      />
      <Stack>
        <SearchInput aria-label="Search policies" placeholder="Search by name" value={search} onChange={setSearch} maw={360} />
        <PagedTable
          load={list}
          errorTitle="Could not load policies"
          empty={<EmptyState title="No policies match" />}
          paging={paging}
          minWidth={600}
          highlightOnHover
          columns={['Name', 'Key', 'Type', 'Description']}
        >
          {(policies) =>
            policies.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>
                  <Anchor {...link(`/iam/policies/${p.id}`)} fw={500}>
                    {p.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" className="mono">
                    {p.key}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <PolicyTypeBadge type={p.type} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed" lineClamp={2}>
                    {p.description || '—'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))
          }
        </PagedTable>
      </Stack>
      <NewPolicyModal opened={adding} onClose={() => setAdding(false)} />
    </>
  );
}

export function NewPolicyModal({ opened, onClose, from }: { opened: boolean; onClose: () => void; from?: Policy }) {
  const { navigate } = useRouter();
  const fields = useNameAndKey(slugify, !from);
  const [description, setDescription] = useState('');
  const { reset } = fields;
  useEffect(() => {
    if (opened) {
      reset(from ? `${from.name} (copy)` : '', from ? `${from.key}-copy` : '');
      setDescription(from?.description ?? '');
    }
  }, [opened, from, reset]);
  const submit = async () => {
    const body = { name: fields.name.trim(), key: fields.key.trim(), description };
    const p = await post<Policy>(from ? `/policies/${from.id}/clone` : '/policies', body);
    onClose();
    navigate(`/iam/policies/${p.id}`);
  };
  return (
    <FormModal opened={opened} onClose={onClose} title={from ? `Clone ${from.name}` : 'New policy'} onSubmit={submit} submitLabel="Create">
      <NameAndKeyInputs fields={fields} />
      <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
      {from && (
        <Text size="xs" c="dimmed">
          The copy starts with the same {from.statements.length} statements; you can only copy what you hold yourself.
        </Text>
      )}
    </FormModal>
  );
}

import { Alert, Button, Card, Group, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { del, get, put } from '../../api/client.ts';
import type { Policy, Statement } from '../../api/types.ts';
import { useConfirm } from '../../components/ConfirmModal.tsx';
import { DetailState, Trail } from '../../components/details.tsx';
import { useNotify } from '../../components/notify.tsx';
import { ErrorAlert, NoIamPermission } from '../../components/ui.tsx';
import { useAction, useLoad } from '../../hooks.ts';
import { newId } from '../../ids.ts';
import { isCovered } from '../../permissions.ts';
import { useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { NewPolicyModal, PolicyTypeBadge } from './PoliciesPage.tsx';
import { StatementEditor, statementProblems } from './StatementEditor.tsx';
import { StatementList } from './StatementList.tsx';
import { PolicyTester } from './PolicyTester.tsx';

export function PolicyDetailPage({ policyId }: { policyId: string }) {
  const session = useSession();
  const notify = useNotify();
  const { navigate } = useRouter();
  const policy = useLoad((signal) => get<Policy>(`/policies/${policyId}`, undefined, signal), [policyId]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [statements, setStatements] = useState<Statement[]>([]);
  const [baseline, setBaseline] = useState('[]');
  const settingsSave = useAction();
  const statementsSave = useAction();
  const [cloning, setCloning] = useState(false);
  const confirmDelete = useConfirm((p: Policy) => ({
    title: 'Delete policy?',
    confirmLabel: 'Delete policy',
    danger: true,
    onConfirm: async () => {
      await del(`/policies/${policyId}`);
      notify('success', 'Policy deleted.');
      navigate('/iam/policies');
    },
    children: (
      <>
        Members and groups with <b>{p.name}</b> lose what it grants, from their next request on.
      </>
    ),
  }));
  const p = policy.data;

  // On reload (after a save), refresh only what the person is not editing.
  const shown = useRef<{ name: string; description: string; statements: string } | null>(null);
  useEffect(() => {
    if (!p) return;
    const prev = shown.current;
    const loaded = p.statements.map((s) => ({ ...s, id: s.id || newId() }));
    const loadedJson = JSON.stringify(loaded);
    shown.current = { name: p.name, description: p.description ?? '', statements: loadedJson };
    setName((v) => (!prev || v === prev.name ? p.name : v));
    setDescription((v) => (!prev || v === prev.description ? (p.description ?? '') : v));
    setStatements((v) => (!prev || JSON.stringify(v) === prev.statements ? loaded : v));
    setBaseline(loadedJson);
  }, [p]);

  if (!session.canManageIam) return <NoIamPermission managing="policies" />;

  const readOnly = p?.type === 'SysManaged';
  const statementsDirty = JSON.stringify(statements) !== baseline;
  const invalid = statements.some((s) => statementProblems(s).length > 0);
  const beyondMe = !invalid && !isCovered(session.statements, statements);

  // Both save buttons show only once the policy is loaded.
  const saveStatements = () =>
    statementsSave.run(async () => {
      if (!p) return;
      await put(`/policies/${p.id}/statements`, statements);
      // What was just saved is no longer an edit: let the reload replace it (the server may assign ids).
      if (shown.current) shown.current = { ...shown.current, statements: JSON.stringify(statements) };
      notify('success', 'Statements saved. They apply to the next request of every member with this policy.');
      policy.reload();
      void session.refreshPermissions();
    });
  const saveSettings = () =>
    settingsSave.run(async () => {
      if (!p) return;
      await put(`/policies/${p.id}/settings`, { name: name.trim(), description });
      notify('success', 'Policy settings saved.');
      policy.reload();
    });

  return (
    <>
      <Trail crumbs={[{ label: 'Policies', to: '/iam/policies' }, { label: p?.name ?? '…' }]} />
      <DetailState load={policy} errorTitle="Could not load the policy">
        {(p) => (
          <Stack>
            <Group justify="space-between" wrap="wrap">
              <Group gap="sm">
                <Title order={2}>{p.name}</Title>
                <PolicyTypeBadge type={p.type} />
              </Group>
              <Group gap="xs">
                <Button variant="default" onClick={() => setCloning(true)}>
                  Clone
                </Button>
                {!readOnly && (
                  <Button color="red" variant="light" onClick={() => confirmDelete.ask(p)}>
                    Delete
                  </Button>
                )}
              </Group>
            </Group>
            {readOnly && (
              <Alert variant="light" color="gray">
                This is a built-in policy and cannot be edited. Clone it to make a custom policy you can change.
              </Alert>
            )}
            <Card withBorder>
              <Stack gap="xs">
                <Text fw={600}>Settings</Text>
                <Group grow align="flex-start">
                  <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} readOnly={readOnly} />
                  <TextInput label="Key" value={p.key} readOnly classNames={{ input: 'mono' }} />
                </Group>
                <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} readOnly={readOnly} />
                <ErrorAlert error={settingsSave.error} />
                {!readOnly && (
                  <Button w="fit-content" loading={settingsSave.busy} disabled={!name.trim() || (name === p.name && description === (p.description ?? ''))} onClick={saveSettings}>
                    Save settings
                  </Button>
                )}
              </Stack>
            </Card>
            <Card withBorder>
              <Text fw={600} mb="xs">
                Statements
              </Text>
              {readOnly ? (
                <StatementList statements={p.statements} />
              ) : (
                <Stack>
                  <StatementEditor value={statements} onChange={setStatements} />
                  {beyondMe && (
                    <Alert variant="light" color="orange">
                      These statements grant more than you hold yourself, so the server will refuse them.
                    </Alert>
                  )}
                  <ErrorAlert error={statementsSave.error} title="Could not save the statements" />
                  <Group>
                    <Button onClick={saveStatements} loading={statementsSave.busy} disabled={invalid || !statementsDirty}>
                      Save statements
                    </Button>
                    {statementsDirty && (
                      <Button variant="subtle" onClick={() => setStatements(JSON.parse(baseline) as Statement[])}>
                        Discard changes
                      </Button>
                    )}
                  </Group>
                </Stack>
              )}
            </Card>
            <PolicyTester policy={p} statements={readOnly ? p.statements : statements} />
          </Stack>
        )}
      </DetailState>
      <NewPolicyModal opened={cloning} onClose={() => setCloning(false)} from={p} />
      {confirmDelete.dialog}
    </>
  );
}

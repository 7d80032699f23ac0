import { Alert, Drawer, Group, Loader, Radio, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState, type FormEvent } from 'react';
import { get, post } from '../../api/client.ts';
import type { AccessTokenWithSecret, Project, TokenPolicy, TokenType } from '../../api/types.ts';
import { FormActions } from '../../components/forms.tsx';
import { useAction, useLoad } from '../../hooks.ts';
import { useSession } from '../../session.tsx';
import { PermissionPicker, pickerProblems, pickerStatements, type PickerValue } from './PermissionPicker.tsx';

const EXPIRY_PRESETS = [
  { value: 'never', label: 'Never' },
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'custom', label: 'On a date…' },
];

export function AddTokenDrawer({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (t: AccessTokenWithSecret) => void }) {
  const session = useSession();
  const typeOptions: TokenType[] = [...(session.canManagePersonalTokens ? (['Personal'] as const) : []), ...(session.canManageServiceTokens ? (['Service'] as const) : [])];
  const [name, setName] = useState('');
  const [type, setType] = useState<TokenType>(typeOptions[0] ?? 'Personal');
  const [personalScope, setPersonalScope] = useState<'all' | 'limited'>('all');
  const [picker, setPicker] = useState<PickerValue>({});
  const [expiry, setExpiry] = useState('never');
  const [customDate, setCustomDate] = useState('');
  const [cidrs, setCidrs] = useState('');
  const { busy, error, setError, run } = useAction();
  const [debouncedName] = useDebouncedValue(name.trim(), 300);
  const [nameCheck, setNameCheck] = useState<{ name: string; used: boolean } | null>(null);
  const projects = useLoad((signal) => (opened ? get<Project[]>('/projects', undefined, signal) : Promise.resolve([])), [opened]);
  const policy = useLoad((signal) => (opened ? get<TokenPolicy>(`/organizations/${session.organizationId}/token-policy`, undefined, signal) : Promise.resolve(null)), [opened, session.organizationId]);

  // Start clean each time the drawer opens (not on close, so it does not flash while sliding out).
  useEffect(() => {
    if (opened) {
      setName('');
      setType(typeOptions[0] ?? 'Personal');
      setPersonalScope('all');
      setPicker({});
      setExpiry('never');
      setCustomDate('');
      setCidrs('');
      setError(null);
      setNameCheck(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened]);

  // Live "name already used" check, as the user types.
  useEffect(() => {
    if (!debouncedName) {
      setNameCheck(null);
      return;
    }
    const ctrl = new AbortController();
    get<boolean>('/access-tokens/is-name-used', { name: debouncedName }, ctrl.signal)
      .then((used) => setNameCheck({ name: debouncedName, used }))
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [debouncedName]);

  const nameUsed = nameCheck !== null && nameCheck.name === name.trim() && nameCheck.used;
  const checking = name.trim() !== '' && (debouncedName !== name.trim() || nameCheck?.name !== name.trim());
  const usePicker = type === 'Service' || personalScope === 'limited';
  const statements = usePicker ? pickerStatements(picker) : [];
  const problems = usePicker ? pickerProblems(picker) : [];
  const expiresAt = expiryDate(expiry, customDate);
  const expiryInvalid = expiry === 'custom' && (!expiresAt || new Date(expiresAt).getTime() <= Date.now());
  const nameTooLong = name.trim().length > 128;
  // One range per line, or separated by commas or spaces; the server validates each.
  const allowedCidrs = cidrs.split(/[\s,]+/).filter(Boolean);
  const canSave = name.trim().length > 0 && !nameTooLong && !nameUsed && (!usePicker || statements.length > 0) && problems.length === 0 && !expiryInvalid;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!canSave) return;
    await run(async () => {
      const created = await post<AccessTokenWithSecret>('/access-tokens', {
        name: name.trim(),
        type,
        permissions: statements,
        ...(expiresAt ? { expiresAt } : {}),
        ...(allowedCidrs.length > 0 ? { allowedCidrs } : {}),
      });
      onCreated(created);
    });
  };

  return (
    <Drawer opened={opened} onClose={onClose} title="Add access token" position="right" size="lg" padding="lg">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            description="Something that says what uses it, e.g. “CI deploy bot”."
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            error={nameUsed ? 'This name is already used by another token.' : nameTooLong ? 'At most 128 characters.' : undefined}
            rightSection={checking ? <Loader size={14} /> : null}
          />
          <Select
            label="Type"
            data={typeOptions.map((t) => ({ value: t, label: t }))}
            value={type}
            onChange={(v) => v && setType(v as TokenType)}
            allowDeselect={false}
            description={
              type === 'Personal'
                ? 'Tied to you: it can never do more than you can do now, and stops working if you leave the organization.'
                : 'Not tied to anyone: its permissions are frozen at creation and cannot be edited later.'
            }
          />
          {type === 'Personal' && (
            <Radio.Group label="Permissions" value={personalScope} onChange={(v) => setPersonalScope(v as 'all' | 'limited')}>
              <Stack gap={6} mt={6}>
                <Radio value="all" label="Everything I can do (follows my permissions)" />
                <Radio value="limited" label="Only the permissions I choose" />
              </Stack>
            </Radio.Group>
          )}
          {usePicker && (
            <Stack gap="xs">
              <div>
                <Text size="sm" fw={500}>
                  {type === 'Service' ? 'Permissions' : 'Chosen permissions'}
                </Text>
                <Text size="xs" c="dimmed">
                  Only actions you hold are offered. Give the least the integration needs.
                </Text>
              </div>
              <PermissionPicker value={picker} onChange={setPicker} mine={session.statements} projects={projects.data ?? []} />
              {problems.map((p) => (
                <Text key={p} size="xs" c="red">
                  {p}
                </Text>
              ))}
              {statements.length === 0 && (
                <Text size="xs" c="dimmed">
                  Choose at least one action.
                </Text>
              )}
            </Stack>
          )}
          <Group grow align="flex-start">
            <Select label="Expires" data={EXPIRY_PRESETS} value={expiry} onChange={(v) => v && setExpiry(v)} allowDeselect={false} />
            {expiry === 'custom' && (
              <TextInput
                label="Expiry date"
                type="datetime-local"
                value={customDate}
                onChange={(e) => setCustomDate(e.currentTarget.value)}
                error={customDate && expiryInvalid ? 'Must be in the future.' : undefined}
              />
            )}
          </Group>
          {policy.data && <PolicyNote policy={policy.data} />}
          <Textarea
            label="Allowed addresses (optional)"
            description="IPv4 or IPv6 ranges the token may be used from, one per line (10.0.0.0/8, 2001:db8::/32, or a single address). Leave empty for anywhere. Cannot be changed later."
            placeholder="10.0.0.0/8"
            autosize
            minRows={2}
            value={cidrs}
            onChange={(e) => setCidrs(e.currentTarget.value)}
            data-testid="allowed-cidrs"
          />
          {type === 'Service' && (
            <Alert variant="light" color="blue">
              Service token permissions cannot be changed after creation.
            </Alert>
          )}
          <FormActions error={error} errorTitle="Could not create the token" busy={busy} submitLabel="Save" canSubmit={canSave} onCancel={onClose} />
        </Stack>
      </form>
    </Drawer>
  );
}

/** What the organization's token policy asks of a new token, when it asks anything. */
function PolicyNote({ policy }: { policy: TokenPolicy }) {
  const rules = [
    policy.maxLifetimeDays !== null && `expire within ${policy.maxLifetimeDays} days`,
    policy.requireExpiry && policy.maxLifetimeDays === null && 'have an expiry',
    !policy.allowPersonalTokensThatFollowOwner && 'list their permissions, if personal',
  ].filter(Boolean);
  if (rules.length === 0) return null;
  return (
    <Alert variant="light" color="yellow" data-testid="token-policy-note">
      The organization’s token policy: tokens must {rules.join(', and ')}.
    </Alert>
  );
}

function expiryDate(preset: string, custom: string): string | null {
  if (preset === 'never') return null;
  if (preset === 'custom') {
    if (!custom) return null;
    const d = new Date(custom);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return new Date(Date.now() + Number(preset) * 86400_000).toISOString();
}

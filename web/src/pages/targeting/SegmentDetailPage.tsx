import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, TagsInput, Text, Tooltip } from '@mantine/core';
import { get, put } from '../../api/client.ts';
import type { FlagReference, MatchRule, Segment } from '../../api/types.ts';
import { useCommentPrompt } from '../../components/comment.tsx';
import { AboutCard, ArchivedBadge, DetailHeader, DetailState, KeyAndHistory, RelationCard, Trail } from '../../components/details.tsx';
import { useNotify } from '../../components/notify.tsx';
import { same, useEdited, useLoad } from '../../hooks.ts';
import { newId } from '../../ids.ts';
import { useLink } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { useEnvironment } from '../projects/environment.tsx';
import { ConditionsEditor, conditionProblem, RuleCard, RuleList } from './conditions.tsx';
import { segmentRn, SegmentTypeBadge } from './SegmentsPage.tsx';
import { useSegmentArchive } from './segmentArchive.tsx';

const ABOUT_ACTIONS = { name: 'UpdateSegmentName', description: 'UpdateSegmentDescription', tags: 'UpdateSegmentTags' } as const;

export function SegmentDetailPage({ projectId, envId, segmentId }: { projectId: string; envId: string; segmentId: string }) {
  const session = useSession();
  const notify = useNotify();
  const link = useLink();
  const { project, env } = useEnvironment(projectId, envId);
  const path = `/envs/${envId}/segments/${segmentId}`;
  const segment = useLoad((signal) => get<Segment>(path, undefined, signal), [path]);
  const references = useLoad((signal) => get<FlagReference[]>(`${path}/flag-references`, undefined, signal), [path]);
  const archive = useSegmentArchive(projectId, envId, segment.reload);
  const prompt = useCommentPrompt();
  const s = segment.data;

  // On reload, refresh only what the person has not started editing.
  const [name, setName] = useEdited(s?.name, '');
  const [description, setDescription] = useEdited(s?.description, '');
  const [tags, setTags] = useEdited<string[]>(s?.tags, []);
  const [included, setIncluded] = useEdited<string[]>(s?.included, []);
  const [excluded, setExcluded] = useEdited<string[]>(s?.excluded, []);
  const [rules, setRules] = useEdited<MatchRule[]>(s?.rules, []);

  const home = s ? project?.environments.find((e) => e.id === s.envId) : undefined;
  const elsewhere = s !== undefined && s.envId !== envId;
  const r = s && project ? segmentRn(project, s) : null;
  const reason = (action: string): string | null => {
    if (!s || !r) return 'Loading…';
    if (elsewhere) return `A shared segment is changed from the environment it was created in${home ? ` (${home.name})` : ''}.`;
    if (s.isArchived) return 'Archived segments cannot be changed; restore it first.';
    return session.can(action, r) ? null : `You cannot change this: it needs ${action} on this segment.`;
  };

  const change = (what: string, sub: string, body: Record<string, unknown>) =>
    prompt.ask({
      title: `Save ${what.toLowerCase()}`,
      save: async (comment) => {
        await put(`${path}/${sub}`, { ...body, comment: comment || undefined });
        notify('success', `${what} saved.`);
        segment.reload();
      },
    });

  const usersChanged = s ? !same(included, s.included) || !same(excluded, s.excluded) : false;
  const rulesChanged = s ? !same(rules, s.rules) : false;
  const overlap = included.filter((u) => excluded.includes(u));
  const rulesProblem = rules.some((rule) => rule.conditions.some((c) => conditionProblem(c) !== null)) ? 'A rule has an incomplete condition.' : null;
  const targetingProblem = overlap.length > 0 ? `${overlap.join(', ')} cannot be both included and excluded.` : rulesProblem;

  return (
    <>
      <Trail
        crumbs={[
          { label: 'Projects', to: '/projects' },
          { label: `${project?.name ?? '…'} / ${env?.name ?? '…'}`, to: `/projects/${projectId}/envs/${envId}/flags` },
          { label: 'Segments', to: `/projects/${projectId}/envs/${envId}/segments` },
          { label: s?.name ?? '…' },
        ]}
      />
      <DetailState load={segment} errorTitle="Could not load the segment">
        {(s) => (
          <Stack>
            <DetailHeader
              title={s.name}
              badges={
                <>
                  <SegmentTypeBadge type={s.type} />
                  <ArchivedBadge archived={s.isArchived} />
                </>
              }
              actions={
                !elsewhere &&
                r && (
                  <ArchiveButton
                    archived={s.isArchived}
                    allowed={session.can(s.isArchived ? 'RestoreSegment' : 'ArchiveSegment', r)}
                    onClick={() => archive.ask(s, s.isArchived ? 'restore' : 'archive')}
                  />
                )
              }
            >
              <KeyAndHistory itemKey={s.key} refType="segment" refId={s.id} />
            </DetailHeader>
            {archive.alert}
            {elsewhere && (
              <Text size="sm" c="dimmed">
                Shared from {home?.name ?? 'another environment'}: flags here may use it; it is changed from{' '}
                {home ? <Anchor {...link(`/projects/${projectId}/envs/${home.id}/segments/${s.id}`)}>{home.name}</Anchor> : 'there'}.
              </Text>
            )}
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <AboutCard item={s} edits={{ name, setName, description, setDescription, tags, setTags }} can={(field) => reason(ABOUT_ACTIONS[field]) === null} lock="disabled" onSave={change} />
              <RelationCard
                title="Used by flags"
                empty="No flag in this environment names it in a rule."
                items={(references.data ?? []).map((f) => ({ key: f.id, name: f.name, detail: f.key, to: `/projects/${projectId}/envs/${f.envId}/flags/${encodeURIComponent(f.key)}` }))}
              />
            </SimpleGrid>
            <Card withBorder data-testid="segment-targeting">
              <Stack gap="sm">
                <Group justify="space-between" wrap="wrap">
                  <div>
                    <Text fw={600}>Who is in it</Text>
                    <Text size="xs" c="dimmed">
                      Excluded users are never in it; included users always are; anyone else is in it when a rule matches.
                    </Text>
                  </div>
                  <Group gap="xs">
                    {(usersChanged || rulesChanged) && (
                      <Badge color="yellow" variant="light" tt="none">
                        Unsaved changes
                      </Badge>
                    )}
                    <Button
                      variant="default"
                      size="xs"
                      disabled={!usersChanged && !rulesChanged}
                      onClick={() => {
                        setIncluded(s.included);
                        setExcluded(s.excluded);
                        setRules(s.rules);
                      }}
                    >
                      Discard
                    </Button>
                    <Tooltip label={targetingProblem ?? ''} disabled={!targetingProblem}>
                      <Button
                        size="xs"
                        disabled={(!usersChanged && !rulesChanged) || targetingProblem !== null}
                        onClick={() =>
                          change('Targeting', 'targeting', {
                            ...(usersChanged ? { included, excluded } : {}),
                            ...(rulesChanged ? { rules } : {}),
                          })
                        }
                      >
                        Save targeting
                      </Button>
                    </Tooltip>
                  </Group>
                </Group>
                {targetingProblem && (
                  <Text size="xs" c="red">
                    {targetingProblem}
                  </Text>
                )}
                <Why text={reason('UpdateSegmentTargetingUsers')} />
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TagsInput label="Included users" placeholder="User keys (Enter after each)" value={included} onChange={setIncluded} disabled={reason('UpdateSegmentTargetingUsers') !== null} />
                  <TagsInput label="Excluded users" placeholder="User keys (Enter after each)" value={excluded} onChange={setExcluded} disabled={reason('UpdateSegmentTargetingUsers') !== null} />
                </SimpleGrid>
                <Text fw={600} size="sm" mt="xs">
                  Rules
                </Text>
                <Text size="xs" c="dimmed">
                  A user matching every condition of any rule is in the segment.
                </Text>
                <Why text={reason('UpdateSegmentRules')} />
                <SegmentRulesEditor value={rules} onChange={setRules} disabled={reason('UpdateSegmentRules') !== null} />
              </Stack>
            </Card>
          </Stack>
        )}
      </DetailState>
      {archive.dialog}
      {prompt.dialog}
    </>
  );
}

function Why({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <Text size="xs" c="orange.8" data-testid="disabled-reason">
      {text}
    </Text>
  );
}

function ArchiveButton({ archived, allowed, onClick }: { archived: boolean; allowed: boolean; onClick: () => void }) {
  const action = archived ? 'RestoreSegment' : 'ArchiveSegment';
  return (
    <Tooltip label={`You cannot ${archived ? 'restore' : 'archive'} it: it needs ${action}.`} disabled={allowed}>
      <Button variant="default" color={archived ? undefined : 'red'} disabled={!allowed} onClick={onClick}>
        {archived ? 'Restore' : 'Archive'}
      </Button>
    </Tooltip>
  );
}

function SegmentRulesEditor({ value, onChange, disabled }: { value: MatchRule[]; onChange: (r: MatchRule[]) => void; disabled: boolean }) {
  const set = (i: number, r: MatchRule) => onChange(value.map((x, j) => (j === i ? r : x)));
  return (
    <RuleList count={value.length} onAdd={disabled ? undefined : () => onChange([...value, { id: newId(), name: `Rule ${value.length + 1}`, conditions: [{ property: '', op: 'Equal', value: '' }] }])}>
      {value.map((r, i) => {
        const label = `Rule ${i + 1}`;
        return (
          <RuleCard key={r.id} label={label} name={r.name} disabled={disabled} onNameChange={(name) => set(i, { ...r, name })} onRemove={() => onChange(value.filter((_, j) => j !== i))}>
            <ConditionsEditor label={label} value={r.conditions} disabled={disabled} onChange={(conditions) => set(i, { ...r, conditions })} />
          </RuleCard>
        );
      })}
    </RuleList>
  );
}

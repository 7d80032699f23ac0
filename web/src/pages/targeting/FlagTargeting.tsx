import { Alert, Badge, Button, Card, Divider, Group, Stack, TagsInput, Text, Tooltip } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, get, put } from '../../api/client.ts';
import type { FeatureFlag, Fallthrough, FlagTargeting, Segment, TargetRule, TargetUser } from '../../api/types.ts';
import { useCommentPrompt } from '../../components/comment.tsx';
import { useNotify } from '../../components/notify.tsx';
import { newId } from '../../ids.ts';
import { ConditionsEditor, conditionProblem, RuleCard, RuleList } from './conditions.tsx';
import { ServeEditor, rolloutsOf, serveIsValid, serveOf, variationColor, variationLabel, type Serve } from './serve.tsx';

// The editor's copy of the targeting. Rules and the default rule keep the stored rollouts until the
// person edits what they serve, so saving one part never rewrites another (each part needs its own right).
interface DraftRule {
  rule: TargetRule;
  serve: Serve | null;
}
interface Draft {
  targetUsers: TargetUser[];
  rules: DraftRule[];
  fallthrough: Fallthrough;
  fallthroughServe: Serve | null;
  exptIncludeAllTargets: boolean;
}

export const targetingOf = (f: FeatureFlag): FlagTargeting => ({
  targetUsers: f.targetUsers,
  rules: f.rules,
  fallthrough: f.fallthrough,
  exptIncludeAllTargets: f.exptIncludeAllTargets,
});

const draftOf = (f: FeatureFlag): Draft => ({
  targetUsers: f.targetUsers,
  rules: f.rules.map((rule) => ({ rule, serve: null })),
  fallthrough: f.fallthrough,
  fallthroughServe: null,
  exptIncludeAllTargets: f.exptIncludeAllTargets,
});

function targetingFrom(d: Draft, f: FeatureFlag): FlagTargeting {
  return {
    targetUsers: d.targetUsers,
    rules: d.rules.map(({ rule, serve }) => (serve ? { ...rule, variations: rolloutsOf(serve, f.variations) } : rule)),
    fallthrough: d.fallthroughServe ? { ...d.fallthrough, variations: rolloutsOf(d.fallthroughServe, f.variations) } : d.fallthrough,
    exptIncludeAllTargets: d.exptIncludeAllTargets,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// Why the draft cannot be saved yet, or null.
function draftProblem(d: Draft): string | null {
  const seen = new Set<string>();
  for (const u of d.targetUsers) {
    for (const k of u.keyIds) {
      if (seen.has(k)) return `User ${k} is targeted at two variations; keep one.`;
      seen.add(k);
    }
  }
  for (const [i, r] of d.rules.entries()) {
    if (r.rule.conditions.some((c) => conditionProblem(c) !== null)) return `Rule ${i + 1} has an incomplete condition.`;
    if (r.serve && !serveIsValid(r.serve)) return `Rule ${i + 1}: the percentages must add up to 100 %.`;
  }
  if (d.fallthroughServe && !serveIsValid(d.fallthroughServe)) return 'Default rule: the percentages must add up to 100 %.';
  return null;
}

const MISSING_RIGHT = (action: string) => `You cannot change this: it needs ${action} on this flag.`;

export function FlagTargetingEditor({ flag, path, segments, can, onSaved }: { flag: FeatureFlag; path: string; segments: readonly Segment[]; can: (action: string) => boolean; onSaved: () => void }) {
  const notify = useNotify();
  const comment = useCommentPrompt();
  // The flag the draft was started from: its revision is the one sent when saving.
  const [base, setBase] = useState(flag);
  const [draft, setDraft] = useState(() => draftOf(flag));
  const [conflict, setConflict] = useState(false);
  const draftRef = useRef({ base, draft });
  draftRef.current = { base, draft };

  // A reload of the flag: take it when nothing is being edited; while editing, move onto it only when its
  // targeting is still what the draft started from (another field changed, e.g. its name).
  useEffect(() => {
    const { base: b, draft: d } = draftRef.current;
    if (flag.revision === b.revision) return;
    const editing = !same(targetingFrom(d, b), targetingOf(b));
    if (!editing) {
      setBase(flag);
      setDraft(draftOf(flag));
    } else if (same(targetingOf(flag), targetingOf(b))) setBase(flag);
  }, [flag]);

  const targeting = targetingFrom(draft, base);
  const before = targetingOf(base);
  const changed = {
    users: !same(targeting.targetUsers, before.targetUsers),
    rules: !same(targeting.rules, before.rules),
    fallthrough: !same(targeting.fallthrough, before.fallthrough) || targeting.exptIncludeAllTargets !== before.exptIncludeAllTargets,
  };
  const dirty = changed.users || changed.rules || changed.fallthrough;
  const problem = draftProblem(draft);
  const archived = flag.isArchived;
  const reason = (action: string) => (archived ? 'Archived flags cannot be changed; restore it first.' : can(action) ? null : MISSING_RIGHT(action));
  const why = {
    users: reason('UpdateFlagIndividualTargeting'),
    rules: reason('UpdateFlagTargetingRules'),
    fallthrough: reason('UpdateFlagDefaultRule'),
  };
  const variations = base.variations;

  const reloadAfterConflict = async () => {
    const fresh = await get<FeatureFlag>(path);
    setBase(fresh);
    setDraft(draftOf(fresh));
    onSaved();
  };

  const save = () =>
    comment.ask({
      title: 'Save targeting',
      submitLabel: 'Save targeting',
      summary: `Changes: ${[changed.users && 'individual targeting', changed.rules && 'rules', changed.fallthrough && 'default rule'].filter(Boolean).join(', ')}.`,
      save: async (text) => {
        try {
          // FeatBit's answer is the new revision only: read the flag as saved.
          await put<string>(`${path}/targeting`, { revision: base.revision, targeting, comment: text || undefined });
          const saved = await get<FeatureFlag>(path);
          setConflict(false);
          setBase(saved);
          setDraft(draftOf(saved));
          notify('success', 'Targeting saved.');
          onSaved();
        } catch (e) {
          if (!(e instanceof ApiError) || e.status !== 409) throw e;
          setConflict(true);
          await reloadAfterConflict();
        }
      },
    });

  const setRule = (i: number, r: DraftRule) => setDraft((d) => ({ ...d, rules: d.rules.map((x, j) => (j === i ? r : x)) }));
  const moveRule = (i: number, by: number) =>
    setDraft((d) => {
      const rules = [...d.rules];
      const [r] = rules.splice(i, 1);
      rules.splice(i + by, 0, r);
      return { ...d, rules };
    });

  return (
    <Card withBorder data-testid="targeting">
      <Stack gap="md">
        <Group justify="space-between" wrap="wrap">
          <div>
            <Text fw={600}>Targeting</Text>
            <Text size="xs" c="dimmed">
              While the flag is on: individually targeted users first, then the first rule whose conditions all hold, then the default rule. While it is off, everyone gets the off variation.
            </Text>
          </div>
          <Group gap="xs">
            {dirty && (
              <Badge color="yellow" variant="light" tt="none">
                Unsaved changes
              </Badge>
            )}
            <Button variant="default" size="xs" disabled={!dirty} onClick={() => setDraft(draftOf(base))}>
              Discard
            </Button>
            <Tooltip label={problem ?? ''} disabled={!problem}>
              <Button size="xs" disabled={!dirty || problem !== null} onClick={save}>
                Save targeting
              </Button>
            </Tooltip>
          </Group>
        </Group>
        {conflict && (
          <Alert color="orange" variant="light" title="Someone else changed this flag" role="alert" withCloseButton onClose={() => setConflict(false)}>
            Its targeting was changed after you opened it, so your changes were not saved. The latest version is shown now; make your changes again.
          </Alert>
        )}
        {problem && dirty && (
          <Text size="xs" c="red">
            {problem}
          </Text>
        )}

        <Section title="Individual targeting" hint="These users always get the chosen variation." why={why.users}>
          <Stack gap={6}>
            {variations.map((v) => {
              const entry = draft.targetUsers.find((u) => u.variationId === v.id);
              return (
                <TagsInput
                  key={v.id}
                  size="xs"
                  label={
                    <Group gap={6}>
                      <span style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 4, background: variationColor(variations, v.id) }} />
                      Serve {variationLabel(v)} to
                    </Group>
                  }
                  aria-label={`Users served ${variationLabel(v)}`}
                  placeholder={why.users ? undefined : 'User keys (Enter after each)'}
                  value={entry?.keyIds ?? []}
                  disabled={why.users !== null}
                  onChange={(keyIds) =>
                    setDraft((d) => {
                      const had = base.targetUsers.some((u) => u.variationId === v.id);
                      const rest = d.targetUsers.filter((u) => u.variationId !== v.id);
                      const next =
                        keyIds.length === 0 && !had
                          ? rest
                          : d.targetUsers.some((u) => u.variationId === v.id)
                            ? d.targetUsers.map((u) => (u.variationId === v.id ? { ...u, keyIds } : u))
                            : [...d.targetUsers, { variationId: v.id, keyIds }];
                      return { ...d, targetUsers: next };
                    })
                  }
                />
              );
            })}
          </Stack>
        </Section>

        <Section title="Rules" hint="Checked in order; the first rule whose conditions all hold decides." why={why.rules}>
          <RuleList
            count={draft.rules.length}
            onAdd={
              why.rules === null
                ? () =>
                    setDraft((d) => ({
                      ...d,
                      rules: [
                        ...d.rules,
                        {
                          rule: { id: newId(), name: `Rule ${d.rules.length + 1}`, dispatchKey: null, includedInExpt: false, conditions: [{ property: '', op: 'Equal', value: '' }], variations: [] },
                          serve: { kind: 'single', variationId: base.enabledVariationId },
                        },
                      ],
                    }))
                : undefined
            }
          >
            {draft.rules.map((r, i) => {
              const label = `Rule ${i + 1}`;
              const disabled = why.rules !== null;
              return (
                <RuleCard
                  key={r.rule.id}
                  label={label}
                  name={r.rule.name}
                  disabled={disabled}
                  onNameChange={(name) => setRule(i, { ...r, rule: { ...r.rule, name } })}
                  onRemove={() => setDraft((d) => ({ ...d, rules: d.rules.filter((_, j) => j !== i) }))}
                  actions={
                    <>
                      <Button size="compact-xs" variant="subtle" disabled={i === 0} onClick={() => moveRule(i, -1)} aria-label={`${label}: move up`}>
                        ↑
                      </Button>
                      <Button size="compact-xs" variant="subtle" disabled={i === draft.rules.length - 1} onClick={() => moveRule(i, 1)} aria-label={`${label}: move down`}>
                        ↓
                      </Button>
                    </>
                  }
                >
                  <ConditionsEditor label={label} value={r.rule.conditions} segments={segments} disabled={disabled} onChange={(conditions) => setRule(i, { ...r, rule: { ...r.rule, conditions } })} />
                  <ServeEditor label={`${label} serves`} value={r.serve ?? serveOf(r.rule.variations)} variations={variations} disabled={disabled} onChange={(serve) => setRule(i, { ...r, serve })} />
                </RuleCard>
              );
            })}
          </RuleList>
        </Section>

        <Section title="Default rule" hint="Everyone else, while the flag is on." why={why.fallthrough}>
          <ServeEditor
            label="Default rule serves"
            value={draft.fallthroughServe ?? serveOf(draft.fallthrough.variations)}
            variations={variations}
            disabled={why.fallthrough !== null}
            onChange={(s) => setDraft((d) => ({ ...d, fallthroughServe: s }))}
          />
        </Section>
      </Stack>
      {comment.dialog}
    </Card>
  );
}

function Section({ title, hint, why, children }: { title: string; hint: string; why: string | null; children: ReactNode }) {
  return (
    <Stack gap={6}>
      <Divider />
      <Group gap="xs" align="baseline" wrap="wrap">
        <Text fw={600} size="sm">
          {title}
        </Text>
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      </Group>
      {why && (
        <Text size="xs" c="orange.8" data-testid="disabled-reason">
          {why}
        </Text>
      )}
      {children}
    </Stack>
  );
}

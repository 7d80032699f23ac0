// Decision latency of the IAM core for a heavy member: 50 policies × 20 statements.
// Run: npx tsx bench/decision.bench.ts  → one JSON line. Target: p99 ≤ 20 µs.

import { pathToFileURL } from 'node:url';
import { ACTIONS } from '../src/policy/actions.ts';
import { compilePolicy, decide } from '../src/policy/evaluate.ts';
import { rn, type Rn } from '../src/policy/rn.ts';
import type { ResourceType, Statement } from '../src/policy/statement.ts';

export interface DecisionBenchResult {
  p50Us: number;
  p99Us: number;
  maxUs: number;
  opsPerSec: number;
}

const POLICIES = 50;
const STATEMENTS_PER_POLICY = 20;
const DECISIONS = 200_000;
const WARMUP = 50_000;

// Deterministic so runs compare; local to each call, no module state.
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, pick };
}

const AREAS = ['web', 'mobile', 'api', 'checkout', 'search', 'billing', 'growth', 'infra'];
const PROJECTS = AREAS.flatMap((area) => [area, `${area}-eu`, `${area}-us`, `${area}-internal`, `${area}-legacy`]);
const ENVS = ['dev', 'qa', 'staging', 'prod', 'prod-eu'];
const TAGS = ['beta', 'locked', 'team-pay', 'team-growth', 'team-core', 'experiment', 'ops', 'kill-switch'];

// One policy of realistic statements: team grants on their projects, env- and
// tag-scoped grants, read access, and some denies on production.
function policy(policyIndex: number, r: ReturnType<typeof seeded>): Statement[] {
  const area = AREAS[policyIndex % AREAS.length];
  const project = () => r.pick(PROJECTS.filter((p) => p.startsWith(area)));
  const st = (resourceType: ResourceType | '*', effect: 'allow' | 'deny', actions: string[], resources: string[]): Statement => ({
    id: `st_${policyIndex}_${r.next().toString(36).slice(2, 8)}`,
    resourceType,
    effect,
    actions,
    resources,
  });
  const shapes: (() => Statement)[] = [
    () => st('flag', 'allow', ['ManageFeatureFlag'], [`project/${project()}:env/*:flag/*`]),
    () => st('flag', 'allow', ['ToggleFlag', 'UpdateFlagTargetingRules', 'UpdateFlagDefaultRule'], [`project/${project()}:env/${r.pick(ENVS)}`]),
    () => st('flag', 'allow', ['*'], [`project/${area}-*:env/${r.pick(ENVS)}:flag/${r.pick(AREAS)}-*;${r.pick(TAGS)}`]),
    () => st('flag', 'allow', ['UpdateFlagName', 'UpdateFlagDescription', 'UpdateFlagTags'], [`project/*:env/*:flag/*;${r.pick(TAGS)},${r.pick(TAGS)}`]),
    () => st('flag', 'deny', ['ToggleFlag', 'DeleteFlag', 'ArchiveFlag'], [`project/*:env/prod*:flag/*;locked`]),
    () => st('flag', 'deny', ['DeleteFlag'], [`project/${project()}:env/prod`]),
    () => st('segment', 'allow', ['ManageSegment'], [`project/${project()}:env/${r.pick(ENVS)}:segment/*`]),
    () => st('segment', 'allow', ['UpdateSegmentRules', 'UpdateSegmentTargetingUsers'], [`project/${area}*:env/*:segment/*;${r.pick(TAGS)}`]),
    () => st('env', 'allow', ['CanAccessEnv'], [`project/${project()}:env/*`, `project/${r.pick(PROJECTS)}:env/${r.pick(ENVS)}`]),
    () => st('env', 'allow', ['UpdateEnvSettings'], [`project/${project()}:env/dev`]),
    () => st('project', 'allow', ['CanAccessProject'], [`project/${project()}`, `project/${area}-*`]),
    () => st('project', 'deny', ['DeleteProject'], [`project/*-legacy`]),
    () => st('*', 'allow', ['CanAccessEnv', 'ToggleFlag'], [`project/${project()}:env/staging`]),
    () => st('*', 'deny', ['*'], [`project/${area}-internal:env/prod:flag/*;kill-switch`]),
    () => st('access-token', 'allow', ['ListAccessTokens', 'ManagePersonalAccessTokens'], ['access-token/*']),
  ];
  return Array.from({ length: STATEMENTS_PER_POLICY }, () => r.pick(shapes)());
}

// Decisions like the routes make: mostly flags, then segments, envs, projects;
// sometimes the collection RN with a `*` child.
function queries(count: number, r: ReturnType<typeof seeded>): [string, Rn][] {
  const tags = () => Array.from({ length: Math.floor(r.next() * 3) }, () => r.pick(TAGS));
  const key = () => `${r.pick(AREAS)}-${Math.floor(r.next() * 500)}`;
  return Array.from({ length: count }, (): [string, Rn] => {
    const dice = r.next();
    const p = r.pick(PROJECTS);
    const e = r.pick(ENVS);
    if (dice < 0.55) return [r.pick(ACTIONS.flag), rn.flag(p, e, r.next() < 0.05 ? '*' : key(), tags())];
    if (dice < 0.7) return [r.pick(ACTIONS.segment), rn.segment(p, e, key(), tags())];
    if (dice < 0.85) return [r.pick(ACTIONS.env), rn.env(p, e)];
    if (dice < 0.97) return [r.pick(ACTIONS.project), rn.project(p)];
    return [r.pick(ACTIONS['access-token']), rn.accessToken(`tok_${Math.floor(r.next() * 1000)}`)];
  });
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function runDecisionBench(): DecisionBenchResult & { decisions: number; statements: number; allowedRatio: number } {
  const r = seeded(20_240_601);
  const statements = Array.from({ length: POLICIES }, (_, i) => policy(i, r)).flat();
  const compiled = compilePolicy(statements);
  const work = queries(DECISIONS, r);

  let allowedCount = 0;
  for (let i = 0; i < WARMUP; i++) {
    const [action, name] = work[i % work.length];
    if (decide(compiled, action, name)) allowedCount++;
  }

  const nanos = new Float64Array(DECISIONS);
  allowedCount = 0;
  for (let i = 0; i < DECISIONS; i++) {
    const [action, name] = work[i];
    const start = process.hrtime.bigint();
    const ok = decide(compiled, action, name);
    nanos[i] = Number(process.hrtime.bigint() - start);
    if (ok) allowedCount++;
  }

  // Throughput without the per-call timer.
  const start = process.hrtime.bigint();
  for (let i = 0; i < DECISIONS; i++) {
    const [action, name] = work[i];
    if (decide(compiled, action, name)) allowedCount += 0;
  }
  const totalNs = Number(process.hrtime.bigint() - start);

  nanos.sort();
  const us = (ns: number) => Math.round(ns / 10) / 100;
  return {
    decisions: DECISIONS,
    statements: statements.length,
    allowedRatio: Math.round((allowedCount / DECISIONS) * 1000) / 1000,
    p50Us: us(percentile(nanos, 0.5)),
    p99Us: us(percentile(nanos, 0.99)),
    maxUs: us(nanos[nanos.length - 1]),
    opsPerSec: Math.round(DECISIONS / (totalNs / 1e9)),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(runDecisionBench()));
}

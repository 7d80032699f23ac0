// Evaluation latency of the targeting core for a heavy flag: 20 rules × 5 conditions of mixed operators
// (numbers, text, regex, lists, booleans, segments), one user. Two cases: the matching rule is the last one,
// and no rule matches (fallthrough). In non-matching rules the failing condition is the fifth, so every
// condition is evaluated. Target: p99 ≤ 5 µs per evaluation.
// Run: npx tsx bench/evaluation.ts  → one JSON line per case.
//
// Evaluations are timed in batches of BATCH (process.hrtime.bigint() around each batch, so the timer's own
// cost is spread out); p50/p99 are of the per-evaluation time of each batch. A single-call p99 (timer around
// every call) is reported beside it, timer overhead included.

import { pathToFileURL } from 'node:url';
import { evaluate } from '../src/evaluation/index.ts';
import type { Condition, EvalFlag, EvalSegment, EvalUser, TargetRule } from '../src/evaluation/index.ts';

const RULES = 20;
const BATCH = 100;
const BATCHES = 20_000;
const WARMUP = 200_000;

export interface EvaluationBenchResult {
  case: string;
  evaluationsPerSec: number;
  p50Us: number;
  p99Us: number;
  maxBatchUs: number;
  /** Process CPU time per evaluation: on a shared machine, wall time includes waiting for a core. */
  cpuUsPerEvaluation: number;
  singleCallP50Us: number;
  singleCallP99Us: number;
  reason: string;
}

const segment: EvalSegment = {
  id: 'seg-beta',
  included: Array.from({ length: 200 }, (_, i) => `included-${i}`),
  excluded: ['banned-1', 'banned-2'],
  rules: [{ id: 'sr', name: 'employees', conditions: [{ property: 'email', op: 'EndsWith', value: '@example.com' }] }],
};
const segmentOf = (id: string) => (id === segment.id ? segment : undefined);

const user: EvalUser = {
  keyId: 'user-8c1f2a',
  name: 'Alice Martin',
  customizedProperties: [
    { name: 'country', value: 'FR' },
    { name: 'plan', value: 'enterprise' },
    { name: 'age', value: '31' },
    { name: 'email', value: 'alice@example.com' },
    { name: 'beta', value: 'TRUE' },
    { name: 'appVersion', value: '5.12.0' },
    { name: 'device', value: 'iPhone15,3' },
  ],
};

// Four conditions that hold for the user, in rotating operator mixes, then a fifth that fails unless
// `matches`. Every rule's values differ (no two rules share a condition), as in a real flag.
function conditions(i: number, matches: boolean): Condition[] {
  const holding: Condition[][] = [
    [
      { property: 'country', op: 'IsOneOf', value: JSON.stringify(['FR', 'DE', 'ES', 'IT', 'NL', `X${i}`]) },
      { property: 'age', op: 'BiggerEqualThan', value: String(18 - i) },
      { property: 'email', op: 'MatchRegex', value: `^[a-z.]+@(example|r${i})\\.(com|org)$` },
      { property: 'beta', op: 'IsTrue', value: '' },
    ],
    [
      { property: 'plan', op: 'Equal', value: 'enterprise' },
      { property: 'device', op: 'StartsWith', value: 'iPhone' },
      { property: 'age', op: 'LessThan', value: String(65 + i) },
      { property: 'User is in segment', op: '', value: JSON.stringify(['seg-beta', `seg-${i}`]) },
    ],
    [
      { property: 'name', op: 'Contains', value: 'Alice' },
      { property: 'country', op: 'NotOneOf', value: JSON.stringify(['US', 'CA', 'GB', `Y${i}`]) },
      { property: 'appVersion', op: 'NotMatchRegex', value: `^[0-4]\\.|^${i}\\.` },
      { property: 'email', op: 'NotContain', value: `spam-${i}` },
    ],
  ];
  const last: Condition = matches ? { property: 'plan', op: 'NotEqual', value: `free-${i}` } : { property: 'plan', op: 'EndsWith', value: `-tier-${i}` };
  return [...holding[i % holding.length], last];
}

function heavyFlag(matchingLast: boolean): EvalFlag {
  const rules: TargetRule[] = Array.from({ length: RULES }, (_, i) => ({
    id: `rule-${i}`,
    name: `rule ${i}`,
    dispatchKey: i % 2 ? 'email' : null,
    includedInExpt: i % 3 === 0,
    conditions: conditions(i, matchingLast && i === RULES - 1),
    variations: [
      { id: 'on', rollout: [0, 0.5], exptRollout: 0.25 },
      { id: 'off', rollout: [0.5, 1], exptRollout: 0.25 },
    ],
  }));
  return {
    key: 'checkout-redesign',
    isEnabled: true,
    disabledVariationId: 'off',
    variationType: 'boolean',
    variations: [
      { id: 'on', value: 'true' },
      { id: 'off', value: 'false' },
    ],
    targetUsers: [
      { variationId: 'on', keyIds: Array.from({ length: 100 }, (_, i) => `vip-${i}`) },
      { variationId: 'off', keyIds: Array.from({ length: 100 }, (_, i) => `blocked-${i}`) },
    ],
    rules,
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [
        { id: 'on', rollout: [0, 0.3], exptRollout: 0.1 },
        { id: 'off', rollout: [0.3, 1], exptRollout: 0.1 },
      ],
    },
    exptIncludeAllTargets: false,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const round = (us: number) => Math.round(us * 1000) / 1000;

/** `batches`: fewer for a quick run (bench/sdk.ts with BENCH_SDK_QUICK); the warm-up shrinks with it. */
export function runEvaluationBench(matchingLast: boolean, batches = BATCHES): EvaluationBenchResult {
  const warmup = Math.round((WARMUP * batches) / BATCHES);
  const flag = heavyFlag(matchingLast);
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += evaluate(flag, user, segmentOf)!.sendToExperiment ? 1 : 0;

  const perEvalNs = new Float64Array(batches);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) sink += evaluate(flag, user, segmentOf)!.sendToExperiment ? 1 : 0;
    perEvalNs[b] = Number(process.hrtime.bigint() - start) / BATCH;
  }
  const totalNs = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);

  const single = new Float64Array(100_000);
  for (let i = 0; i < single.length; i++) {
    const start = process.hrtime.bigint();
    sink += evaluate(flag, user, segmentOf)!.sendToExperiment ? 1 : 0;
    single[i] = Number(process.hrtime.bigint() - start);
  }

  perEvalNs.sort();
  single.sort();
  const result = evaluate(flag, user, segmentOf)!;
  if (sink < 0) throw new Error('unreachable'); // keeps the work observable
  return {
    case: matchingLast ? 'matching rule last (20 × 5 conditions)' : 'no rule matches → fallthrough (20 × 5 conditions)',
    evaluationsPerSec: Math.round((batches * BATCH) / (totalNs / 1e9)),
    p50Us: round(percentile(perEvalNs, 0.5) / 1000),
    p99Us: round(percentile(perEvalNs, 0.99) / 1000),
    maxBatchUs: round(perEvalNs[perEvalNs.length - 1] / 1000),
    cpuUsPerEvaluation: round((cpu.user + cpu.system) / (batches * BATCH)),
    singleCallP50Us: round(percentile(single, 0.5) / 1000),
    singleCallP99Us: round(percentile(single, 0.99) / 1000),
    reason: result.reason,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(runEvaluationBench(true)));
  console.log(JSON.stringify(runEvaluationBench(false)));
}

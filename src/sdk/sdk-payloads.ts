// What FeatBit's SDKs receive, built from an environment's flags and segments (spec 05 "The protocol"). Pure: no I/O.
//   server SDK: {messageType: 'data-sync', data: {eventType: 'full' | 'patch', featureFlags, segments}}
//   client SDK: {messageType: 'data-sync', data: {eventType, userKeyId, featureFlags: [ClientFlag]}}
// `updatedAt` travels as an ISO string (the SDKs Date.parse it and keep an item only when strictly newer).
import { evaluateForClient, type ClientFlag, type EvalFlag, type EvalSegment, type EvalUser, type SegmentLookup } from '../evaluation/index.ts';

/** A flag as the server SDK evaluates it (FeatBit's FeatureFlag document). */
export interface SdkFlag extends EvalFlag {
  id: string;
  envId: string;
  name: string;
  description: string;
  variationType: string;
  isArchived: boolean;
  tags: string[];
  revision: string;
  createdAt: string;
  updatedAt: string;
}

/** A segment as the server SDK reads it (FeatBit's Segment document). */
export interface SdkSegment extends EvalSegment {
  envId: string;
  name: string;
  description: string;
  type: string;
  scopes: string[];
  tags: string[];
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
}

/** One environment's flags and segments at one moment. Treat as immutable: a change is a new snapshot. */
export interface EnvSnapshot {
  envId: string;
  flags: readonly SdkFlag[];
  segments: readonly SdkSegment[];
  /** Milliseconds of each item's updatedAt, by flag key / segment id. */
  flagTimes: ReadonlyMap<string, number>;
  segmentTimes: ReadonlyMap<string, number>;
  /** The newest updatedAt of any item (0 when there are none): a sync after it has nothing to send. */
  latest: number;
  segmentOf: SegmentLookup;
}

export type EventType = 'full' | 'patch';

export function makeSnapshot(envId: string, flags: readonly SdkFlag[], segments: readonly SdkSegment[]): EnvSnapshot {
  const byId = new Map(segments.map((s) => [s.id, s]));
  const flagTimes = new Map(flags.map((f) => [f.key, Date.parse(f.updatedAt)]));
  const segmentTimes = new Map(segments.map((s) => [s.id, Date.parse(s.updatedAt)]));
  let latest = 0;
  for (const t of [...flagTimes.values(), ...segmentTimes.values()]) if (t > latest) latest = t;
  return { envId, flags, segments, flagTimes, segmentTimes, latest, segmentOf: (id) => byId.get(id) };
}

/** The data-sync timestamp a message answers: a number ≥ 0, anything else reads as 0 (a full sync), like FeatBit. */
export function syncTimestamp(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Timestamp 0 → everything, as `full`; otherwise the items updated after it, as `patch`. */
export function itemsSince(s: EnvSnapshot, timestamp: number): { eventType: EventType; flags: SdkFlag[]; segments: SdkSegment[] } {
  if (timestamp === 0) return { eventType: 'full', flags: [...s.flags], segments: [...s.segments] };
  return {
    eventType: 'patch',
    flags: s.flags.filter((f) => s.flagTimes.get(f.key)! > timestamp),
    segments: s.segments.filter((g) => s.segmentTimes.get(g.id)! > timestamp),
  };
}

/** What changed between two snapshots of one environment: new items and items whose updatedAt moved. */
export function changedItems(before: EnvSnapshot | null, after: EnvSnapshot): { flags: SdkFlag[]; segments: SdkSegment[] } {
  if (!before) return { flags: [...after.flags], segments: [...after.segments] };
  return {
    flags: after.flags.filter((f) => before.flagTimes.get(f.key) !== after.flagTimes.get(f.key)),
    segments: after.segments.filter((g) => before.segmentTimes.get(g.id) !== after.segmentTimes.get(g.id)),
  };
}

export function serverMessage(eventType: EventType, featureFlags: readonly SdkFlag[], segments: readonly SdkSegment[]): string {
  return JSON.stringify({ messageType: 'data-sync', data: { eventType, featureFlags, segments } });
}

/** The client SDK's view of `flags` for `user`: evaluated results, never rules. Archived flags are left out. */
export function clientFlags(flags: readonly SdkFlag[], user: EvalUser, segmentOf: SegmentLookup): ClientFlag[] {
  const out: ClientFlag[] = [];
  for (const flag of flags) {
    if (flag.isArchived) continue;
    const evaluated = evaluateForClient(flag, user, segmentOf);
    if (evaluated) out.push(evaluated);
  }
  return out;
}

export function clientMessage(eventType: EventType, user: EvalUser, featureFlags: readonly ClientFlag[]): string {
  return JSON.stringify({ messageType: 'data-sync', data: { eventType, userKeyId: user.keyId, featureFlags } });
}

export const PONG = '{"messageType":"pong","data":{}}';
/** The pong's bytes, shared by every socket. */
export const PONG_BYTES = Buffer.from(PONG);

/**
 * The user a client SDK sends ({keyId, name, customizedProperties: [{name, value}]}), or null when it is not one.
 * Values are read as text (FeatBit's EndUser holds strings); anything else in the object is ignored.
 */
export function parseUser(value: unknown): EvalUser | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.keyId !== 'string' || v.keyId === '' || v.keyId.length > 512) return null;
  const user: EvalUser = { keyId: v.keyId, name: typeof v.name === 'string' ? v.name : '' };
  const props = v.customizedProperties;
  if (props !== undefined && props !== null) {
    if (!Array.isArray(props) || props.length > 500) return null;
    const out: { name: string; value: string }[] = [];
    for (const p of props) {
      if (!p || typeof p !== 'object' || typeof (p as { name?: unknown }).name !== 'string') return null;
      const raw = (p as { value?: unknown }).value;
      out.push({ name: (p as { name: string }).name, value: raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw) });
    }
    user.customizedProperties = out;
  }
  return user;
}

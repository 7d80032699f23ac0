// FeatBit's rollout bucketing (evaluation server, Domain/Evaluation/DispatchAlgorithm.cs).
import { md5FirstInt32LE } from './md5.ts';

/** |Int32LE(first 4 bytes of MD5(utf8(key))) / int.MinValue|, in [0, 1]. */
export function bucketOf(key: string): number {
  return Math.abs(md5FirstInt32LE(key) / -2147483648);
}

export function isInRollout(key: string, rollout: readonly number[]): boolean {
  const min = rollout[0];
  const max = rollout[1];
  // [0, 1] takes everyone and [0, 0] no one, without hashing.
  if (min === 0 && 1 - max < 1e-5) return true;
  if (min === 0 && max === 0) return false;
  const bucket = bucketOf(key);
  return bucket >= min && bucket <= max;
}

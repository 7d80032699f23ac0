// FeatBit's rollout bucketing (evaluation server, Domain/Evaluation/DispatchAlgorithm.cs).
import { md5FirstInt32LE } from './md5.ts';

/** |Int32LE(first 4 bytes of MD5(utf8(key))) / int.MinValue|, in [0, 1]. */
export function bucketOf(key: string): number {
  return Math.abs(md5FirstInt32LE(key) / -2147483648);
}

/** bucketOf(s1 + s2 + s3), without building the key: hashing a concatenation first copies it. */
export function bucketOfParts(s1: string, s2: string, s3: string): number {
  return Math.abs(md5FirstInt32LE(s1, s2, s3) / -2147483648);
}

export function isInRollout(key: string, rollout: readonly number[]): boolean {
  return isInRange(rollout[0], rollout[1], key, '', '');
}

/** isInRollout(s1 + s2 + s3, [min, max]). */
export function isInRange(min: number, max: number, s1: string, s2: string, s3: string): boolean {
  // [0, 1] takes everyone and [0, 0] no one, without hashing.
  if (min === 0 && 1 - max < 1e-5) return true;
  if (min === 0 && max === 0) return false;
  const bucket = bucketOfParts(s1, s2, s3);
  return bucket >= min && bucket <= max;
}

// Short counts inside the normal `npx vitest run`; RELIABILITY_FULL=1 (npm run test:reliability) scales them up.
export const FULL = process.env.RELIABILITY_FULL === '1';

export const scale = <T>(short: T, full: T): T => (FULL ? full : short);

/** One line of measured numbers, easy to find in the test output (and copied into docs/reliability.md). */
export function report(label: string, data: unknown): void {
  console.log(`[reliability] ${label}: ${typeof data === 'string' ? data : JSON.stringify(data)}`);
}

// autocannon ships no types; the bench uses this much of it.
declare module 'autocannon' {
  interface Result {
    requests: { average: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
    statusCodeStats?: Record<string, { count: number }>;
  }
  function autocannon(opts: { url: string; connections?: number; duration?: number; headers?: Record<string, string>; expectBody?: string }): Promise<Result>;
  export default autocannon;
}

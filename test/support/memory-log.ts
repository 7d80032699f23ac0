// A pino destination that keeps every log line in memory, so tests can read what the server logged.
import { Writable } from 'node:stream';
import { loggerOptions } from '../../src/platform/logging.ts';

export interface MemoryLog {
  /** Pass as makeApp's `logger`: the server's own options (redaction included), writing here. */
  options: ReturnType<typeof loggerOptions> & { stream: Writable };
  text(): string;
  lines(): Record<string, any>[];
}

export function memoryLog(level = 'trace'): MemoryLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    options: { ...loggerOptions(level), stream },
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l)),
  };
}

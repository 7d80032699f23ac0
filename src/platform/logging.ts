// Structured JSON logs that never carry a credential, a cookie, a password or a secret.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.invitation.code',
  '*.secret',
  '*.session',
  '*.token',
  'password',
  'secret',
  'session',
];

export function loggerOptions(level: string) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}

type LogMethod = (...args: unknown[]) => void;
interface PinoLike {
  level: string;
  levels: { values: Record<string, number> };
  isLevelEnabled(level: string): boolean;
  child(bindings: object, options?: object): PinoLike & Record<string, LogMethod>;
}

/**
 * Fastify makes a pino child logger (with the request id) for every request, which costs about a
 * microsecond with redaction configured; most requests never log. This stands in for that child and
 * makes the real one on the first message that would actually be written.
 */
class LazyRequestLogger {
  private real: (PinoLike & Record<string, LogMethod>) | undefined;

  constructor(
    private readonly parent: PinoLike,
    private readonly bindings: object,
    private readonly options: { level?: string },
  ) {}

  private get logger() {
    return (this.real ??= this.parent.child(this.bindings, this.options));
  }

  private write(level: string, args: unknown[]): void {
    if (this.real) {
      this.real[level](...args);
      return;
    }
    const wanted = this.options.level;
    const enabled = wanted ? this.parent.levels.values[level] >= this.parent.levels.values[wanted] : this.parent.isLevelEnabled(level);
    if (enabled) this.logger[level](...args);
  }

  get level(): string {
    return this.real?.level ?? this.options.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }
  isLevelEnabled(level: string): boolean {
    return this.real ? this.real.isLevelEnabled(level) : this.options.level ? this.parent.levels.values[level] >= this.parent.levels.values[this.options.level] : this.parent.isLevelEnabled(level);
  }
  fatal(...args: unknown[]) {
    this.write('fatal', args);
  }
  error(...args: unknown[]) {
    this.write('error', args);
  }
  warn(...args: unknown[]) {
    this.write('warn', args);
  }
  info(...args: unknown[]) {
    this.write('info', args);
  }
  debug(...args: unknown[]) {
    this.write('debug', args);
  }
  trace(...args: unknown[]) {
    this.write('trace', args);
  }
  silent() {}
  child(bindings: object, options?: object) {
    return this.logger.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: request loggers that cost nothing until used. */
export function lazyRequestLogger(parent: object, bindings: object, options: object): object {
  return new LazyRequestLogger(parent as PinoLike, bindings, options as { level?: string });
}

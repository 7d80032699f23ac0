// Errors carry a status and stable codes; they become the envelope in one place (envelope.ts).

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly codes: string[],
  ) {
    // Expected outcomes, not bugs: skip the stack trace, which costs more than the rest of a 401.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(codes.join(','));
    Error.stackTraceLimit = limit;
    this.name = 'AppError';
  }
}

export class BadRequest extends AppError {
  constructor(...codes: string[]) {
    super(400, codes.length ? codes : ['BadRequest']);
  }
}
export class Unauthorized extends AppError {
  constructor() {
    super(401, ['Unauthorized']);
  }
}
export class Forbidden extends AppError {
  constructor(code?: string) {
    super(403, code ? ['Forbidden', code] : ['Forbidden']);
  }
}
/**
 * A permission check's refusal: the very same 403 body, plus what was checked (an action and an RN's text), so the
 * caller can be told which check refused and ask why (`POST /iam/explain`). See explain/refusal-report.ts.
 */
export class PermissionRefused extends Forbidden {
  constructor(
    readonly action: string,
    readonly resource: string,
  ) {
    super();
  }
}
export class NotFound extends AppError {
  constructor() {
    super(404, ['ResourceNotFound']);
  }
}
export class Conflict extends AppError {
  constructor() {
    super(409, ['Conflict']);
  }
}
export class BusinessRule extends AppError {
  constructor(code: string) {
    super(422, [code]);
  }
}
export class TooManyRequests extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly limit?: number,
  ) {
    super(429, ['TooManyRequests']);
  }
}

/** True for a unique-constraint violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? '');
}

/**
 * Runs `attempt` again when it lost a race for a unique key it chose itself (a slug, a suffix): the next run sees
 * the winner's row and picks the next free key. Any other error, or losing `times` races in a row, is thrown.
 */
export async function retryOnUniqueViolation<T>(attempt: () => Promise<T>, times = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= times || !isUniqueViolation(err)) throw err;
    }
  }
}

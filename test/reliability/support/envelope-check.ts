// What every answer of the API must look like, whatever was sent (03-rest-api.md, "Envelope and errors").

/** Text that would betray internals: stack frames, file paths, SQL and driver errors, framework codes. */
export const INTERNAL_DETAIL =
  /(\n\s+at |\bat [\w.<>]+ \(|node_modules|\/work\/|\/src\/|\.ts:\d+|\.m?js:\d+|SqliteError|SQLITE_|sqlite3|syntax error|relation "|duplicate key|violates|constraint|FST_[A-Z_]+|ajv|TypeError|ReferenceError|RangeError|SyntaxError|Maximum call stack|Unexpected token|kysely|better-sqlite|postgres|pg_|"stack"|"statusCode"|"message")/i;

/** A stable error code: identifier-like, no prose (no spaces), no echo of odd input. */
export const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** Problems with one answer; empty when it is a proper envelope that reveals nothing. */
export function envelopeProblems(res: Answer, opts: { unsafe?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`status ${res.status}`);
  if (opts.unsafe && res.status < 300) problems.push(`a state-changing request that should be refused got ${res.status}`);
  let body: any;
  try {
    body = JSON.parse(res.body);
  } catch {
    problems.push(`body is not JSON: ${res.body.slice(0, 120)}`);
    return problems;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'body is not an object'];
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'data,errors,success') problems.push(`envelope keys are ${keys}`);
  if (typeof body.success !== 'boolean') problems.push('success is not a boolean');
  if (!Array.isArray(body.errors) || body.errors.some((e: unknown) => typeof e !== 'string')) problems.push('errors is not a string array');
  if (res.status >= 400) {
    if (body.success !== false || body.data !== null) problems.push('an error answer must be success=false, data=null');
    if (!Array.isArray(body.errors) || body.errors.length === 0) problems.push('an error answer names no code');
    for (const code of Array.isArray(body.errors) ? body.errors : []) if (!ERROR_CODE.test(code)) problems.push(`error code is not a stable code: ${JSON.stringify(code).slice(0, 80)}`);
    if (INTERNAL_DETAIL.test(res.body)) problems.push(`error body reveals internals: ${res.body.slice(0, 200)}`);
    if (res.status === 401 && !String(res.headers['www-authenticate'] ?? '').startsWith('Bearer')) problems.push('401 without WWW-Authenticate');
  } else if (res.status >= 200 && res.status < 300) {
    if (body.success !== true || (Array.isArray(body.errors) && body.errors.length > 0)) problems.push('a 2xx answer must be success=true, errors=[]');
    if (/\n\s+at |node_modules|\.ts:\d+/.test(res.body)) problems.push('success body carries a stack trace');
  }
  return problems;
}

// Every response is {success, errors, data}; errors become that shape here and nowhere else.
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, Forbidden, TooManyRequests, Unauthorized } from './errors.ts';
import { API_HEADERS } from './security-headers.ts';

export interface Envelope<T> {
  success: boolean;
  errors: string[];
  data: T | null;
}

export const ok = <T>(data: T): Envelope<T> => ({ success: true, errors: [], data });
export const fail = (errors: string[]): Envelope<null> => ({ success: false, errors, data: null });

/** Bodies are validated strictly (no coercion, no unknown fields); query strings and params are coerced. */
export function installValidation(app: FastifyInstance): void {
  const strict = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false });
  const lenient = new Ajv({ allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false });
  addFormats.default(strict);
  addFormats.default(lenient);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = refuseNul((httpPart === 'body' ? strict : lenient).compile(schema));
    // A body marked optional (see optionalBody) may be absent altogether.
    if (!(httpPart === 'body' && (schema as Record<string, unknown>)['x-optional-body'])) return validate;
    const optional = (data: unknown): boolean => {
      const valid = data === undefined || data === null || validate(data);
      optional.errors = validate.errors;
      return valid;
    };
    optional.errors = null as typeof validate.errors;
    return optional;
  });
  // Bodies are JSON only: Fastify's built-in text/plain parser turned a text body into a 400 `body_is_invalid` instead of the spec's 415.
  app.removeContentTypeParser('text/plain');
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

// Found by the reliability fuzzer (test/reliability/bad-input.test.ts): PostgreSQL text cannot hold U+0000, so a
// NUL in any name, description or search text was a 500 there (and stored as-is on SQLite). Refuse it on both
// databases as an invalid value of that field. Runs after the schema passed, so the data is bounded; iterative
// anyway, because a schema with open objects lets any depth through.
function refuseNul(validate: Validate): Validate {
  const checked: Validate = (data) => {
    const valid = validate(data);
    checked.errors = validate.errors;
    if (!valid) return false;
    // The common case (no NUL anywhere) is checked without building any path.
    if (!holdsNul(data)) return true;
    const at = nulPath(data);
    if (at === null) return true;
    checked.errors = [{ instancePath: at, schemaPath: '#', keyword: 'nul', params: {}, message: 'contains U+0000' }];
    return false;
  };
  checked.errors = null;
  return checked;
}

/** True when any string (value or key) holds U+0000; iterative, allocation-free for flat data. */
function holdsNul(data: unknown): boolean {
  if (typeof data === 'string') return data.includes('\u0000');
  if (data === null || typeof data !== 'object') return false;
  const stack: unknown[] = [data];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
    } else if (value !== null && typeof value === 'object') {
      for (const k in value) {
        if (!Object.hasOwn(value, k)) continue;
        if (k.includes('\u0000')) return true;
        stack.push((value as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
}

/** The JSON-pointer path of the first string (value or key) holding U+0000, or null. */
function nulPath(data: unknown): string | null {
  const stack: [unknown, string][] = [[data, '']];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, `${path}/${i}`]));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.includes('\u0000')) return path;
        stack.push([v, `${path}/${k}`]);
      }
    }
  }
  return null;
}

/**
 * A field's code. Only schema-like names are spelled out: the fuzzer (test/reliability/bad-input.test.ts) sent an
 * unknown field named with 300 characters, or odd Unicode, and got it echoed back as an "error code".
 */
export const fieldCode = (field: string, problem: 'required' | 'unknown' | 'invalid', context = 'body'): string =>
  /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(field) ? `${field}_is_${problem}` : `${context}_is_invalid`;

/** Turn ajv errors into stable codes: `name_is_required`, `type_is_invalid`, `foo_is_unknown`. */
export function validationCodes(errors: ErrorObject[], context: string): string[] {
  const codes = new Set<string>();
  for (const e of errors) {
    const path = e.instancePath.split('/').filter(Boolean);
    const field = [...path].reverse().find((p) => !/^\d+$/.test(p)) ?? (context === 'body' ? 'body' : context);
    if (e.keyword === 'required') codes.add(fieldCode((e.params as { missingProperty: string }).missingProperty, 'required', context));
    else if (e.keyword === 'additionalProperties') codes.add(fieldCode((e.params as { additionalProperty: string }).additionalProperty, 'unknown', context));
    else codes.add(fieldCode(field, 'invalid', context));
  }
  return [...codes];
}

const clientErrors: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PayloadTooLarge'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UnsupportedMediaType'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'content_length_is_invalid'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'body_is_required'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'body_is_invalid_json'],
  FST_ERR_BAD_URL: [400, 'url_is_invalid'],
  FST_ERR_MAX_PARAM_LENGTH: [400, 'url_is_invalid'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'BadRequest'],
};

export const JSON_TYPE = 'application/json; charset=utf-8';
/** Every 401 names the scheme it wants (RFC 9110 §11.6.1). */
export const WWW_AUTHENTICATE = 'Bearer realm="ensign"';
// The rejections a flood of bad credentials produces, serialized once.
const PRESERIALIZED = new Map([new Unauthorized(), new Forbidden(), new TooManyRequests(1)].map((e) => [e.codes.join(','), JSON.stringify(fail(e.codes))]));

/**
 * The one way an AppError becomes a response: the error handler uses it, and so does the authentication
 * hook, which answers rejections directly (no throw through Fastify's error path, no serializer run).
 */
export function sendAppError(reply: FastifyReply, err: AppError): FastifyReply {
  const headers = errorHeaders(err);
  if (headers) reply.headers(headers);
  return reply.code(err.statusCode).type(JSON_TYPE).send(errorBody(err));
}

const UNAUTHORIZED_HEADERS = Object.freeze({ 'www-authenticate': WWW_AUTHENTICATE });

/** The headers an AppError adds to its response (401: the scheme; 429: when to retry, and the limit), or null. */
export function errorHeaders(err: AppError): Readonly<Record<string, string>> | null {
  if (err.statusCode === 401) return UNAUTHORIZED_HEADERS;
  if (!(err instanceof TooManyRequests)) return null;
  const retry = { 'retry-after': String(err.retryAfterSeconds) };
  return err.limit === undefined ? retry : { ...retry, 'x-ratelimit-limit': String(err.limit), 'x-ratelimit-remaining': '0' };
}

/** The body an AppError is answered with. */
export const errorBody = (err: AppError): string => PRESERIALIZED.get(err.codes.join(',')) ?? JSON.stringify(fail(err.codes));

export function installErrorEnvelope(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) return sendAppError(reply, err);
    if (err.validation) {
      return reply.code(400).send(fail(validationCodes(err.validation as ErrorObject[], err.validationContext ?? 'body')));
    }
    const known = err.code ? clientErrors[err.code] : undefined;
    if (known) return reply.code(known[0]).send(fail([known[1]]));
    // JSON.parse failures and prototype poisoning surface as SyntaxError / 400s without our codes.
    if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON|proto/i.test(err.message))) {
      return reply.code(400).send(fail(['body_is_invalid_json']));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(fail(['BadRequest']));
    }
    // A bug: log it with the request id; the body reveals nothing.
    request.log.error({ err, reqId: request.id }, 'unhandled error');
    return reply.code(500).send(fail(['InternalServerError']));
  });
}

/**
 * Fastify options for the answers it gives before any route or error handler runs. Without them a malformed URL
 * (`/api/v1/projects/%ZZ`), an over-long path parameter or garbage on the socket got Fastify's own
 * `{error, code, message, statusCode}` body, echoing the URL and an FST_ code (found by test/reliability/bad-input.test.ts).
 */
export const frameworkErrorOptions = {
  frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const known = clientErrors[err.code];
    // No route matched, so no hook runs: the headers every API response carries are set here.
    return reply
      .headers(API_HEADERS)
      .header('x-request-id', request.id)
      .code(known?.[0] ?? 400)
      .send(fail([known?.[1] ?? 'url_is_invalid']));
  },
  clientErrorHandler(err: NodeJS.ErrnoException, socket: import('node:net').Socket) {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, reason, code] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'RequestTimeout']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'HeadersTooLarge']
          : [400, 'Bad Request', 'BadRequest'];
    const body = JSON.stringify(fail([code]));
    // Nothing is logged here on purpose: the error carries the raw request bytes (rawPacket), credentials included.
    if (socket.writable) socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
    socket.destroy();
  },
};

// Schema-driven malformed requests: every operation of /openapi.json, each request carrying at least one defect
// that the spec says must be refused (unless it is a read, which may be anything).
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import type { Credential, Headers, Ids, World } from './world.ts';

export interface Operation {
  method: string;
  path: string; // OpenAPI template, e.g. /api/v1/envs/{envId}/feature-flags/{key}
  pathParams: string[];
  query: { name: string; schema: any; required: boolean }[];
  body: any | null; // the JSON schema of the body, or null
  optionalBody: boolean;
  secured: boolean;
}

export type Defect =
  | 'read' // a GET: anything goes, it must never write
  | 'credential' // missing, malformed, unknown, removed, deactivated, wrong-place credential
  | 'path' // a path parameter that is malformed, made up, or another organization's
  | 'body' // a body that breaks the route's schema (or is not even JSON)
  | 'content-type' // JSON sent as something else, or something else sent as JSON
  | 'size' // over the 1 MiB limit
  | 'organization' // a session naming an organization it is not a member of
  | 'permission' // a valid, read-only credential attempting a change
  | 'public'; // setup / login: refused whatever the body (already set up; no such password)

/** A request as data; bodies are materialized late so a failure report stays short. */
export interface FuzzRequest {
  defect: Defect;
  credential: string;
  method: string;
  url: string;
  headers: Headers;
  body?: BodySpec;
}

export type BodySpec = { json: unknown } | { text: string } | { huge: number; inField: boolean } | { deep: number; open: string; close: string };

export function materialize(body: BodySpec | undefined): string | undefined {
  if (!body) return undefined;
  if ('json' in body) return body.json === undefined ? undefined : JSON.stringify(body.json);
  if ('text' in body) return body.text;
  if ('huge' in body) return body.inField ? `{"name":"${'a'.repeat(body.huge)}"}` : `${' '.repeat(body.huge)}{}`;
  return `${body.open.repeat(body.deep)}1${body.close.repeat(body.deep)}`;
}

export function describe(r: FuzzRequest): string {
  const text = materialize(r.body);
  const shown = text === undefined ? '' : ` body(${text.length})=${JSON.stringify(text.slice(0, 160))}`;
  return `[${r.defect} / ${r.credential}] ${r.method} ${r.url.slice(0, 200)} headers=${JSON.stringify(r.headers).slice(0, 300)}${shown}`;
}

export function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries<any>(methods)) {
      const params: any[] = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema ?? null;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: !!p.required })),
        body,
        optionalBody: !!body?.['x-optional-body'] || (op.requestBody && !op.requestBody.required),
        secured: !(Array.isArray(op.security) && op.security.length === 0),
      });
    }
  }
  return ops;
}

// ---------- the validity oracle: the server's own rules, strict about unknown fields everywhere ----------

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, strict: false });
addFormats.default(ajv);
const compiled = new WeakMap<object, (d: unknown) => boolean>();

/** Unknown fields are a 400 per 03-rest-api.md even where a route reads them itself (PUT /access-tokens/{id}). */
function closed(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'x-optional-body') continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v);
  }
  if (out.properties && out.additionalProperties === true) out.additionalProperties = false;
  return out;
}

const hasNul = (v: unknown): boolean =>
  typeof v === 'string'
    ? v.includes('\u0000')
    : Array.isArray(v)
      ? v.some(hasNul)
      : v !== null && typeof v === 'object'
        ? Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x))
        : false;

/** Would the route accept this JSON text as its body? */
export function bodyAccepted(op: Operation, text: string | undefined): boolean {
  if (text === undefined) return op.body === null || op.optionalBody;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return false;
  }
  if (op.body === null) return true; // parsed, then ignored
  if (data === null && op.optionalBody) return true;
  let validate = compiled.get(op.body);
  if (!validate) {
    validate = ajv.compile(closed(op.body));
    compiled.set(op.body, validate);
  }
  return validate(data) && !hasNul(data);
}

// ---------- values ----------

const ODD = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u00ad',
  '\u200b',
  '\u200d',
  '\u202e',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\ud800',
  '\udfff',
  '\ud83d',
  '𝕏',
  '👩‍👩‍👧‍👦',
  'é',
  'ﷺ',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͕̘',
  '\r\n',
  '\t',
  '\n',
  '../',
  '..\\',
  '%00',
  '%',
  '%ZZ',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as the literal text it is.
  '${jndi:ldap://x/a}',
  "' or '1'='1",
  '"; drop table users; --',
  '<script>alert(1)</script>',
  '\\',
  '*',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e999',
  ' ',
  '',
];
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD),
  fc.array(fc.constantFrom(...ODD), { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const longString = fc.integer({ min: 129, max: 5000 }).map((n) => 'x'.repeat(n));
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: oddString },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 2000 }).map((d) => nested(d)) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1.5, 2 ** 53, -(2 ** 63), 1e308, true, false, null, [], {}) },
);

function nested(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Something close to valid for a schema; the oracle decides what it really is. */
export function fromSchema(schema: any, ids: Ids): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object') return anyJson;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s: any) => fromSchema(s, ids)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => fromSchema({ ...schema, type }, ids)));
  switch (schema.type) {
    case 'object': {
      const props = Object.fromEntries(Object.entries<any>(schema.properties ?? {}).map(([k, s]) => [k, fromSchema(s, ids)]));
      return fc.record(props, { requiredKeys: (schema.required ?? []).filter((k: string) => k in props) });
    }
    case 'array':
      return fc.array(fromSchema(schema.items, ids), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 1000, 1000) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string': {
      if (schema.format === 'date-time') return fc.date({ min: new Date(Date.now() + 86_400_000), max: new Date('2099-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.pattern === '^[A-Za-z0-9-]+$') return fc.oneof(fc.constantFrom(ids.policyId, ids.groupId, ids.memberId), fc.uuid());
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).map((s) => s.slice(0, schema.maxLength ?? 64) || 'x');
      const min = schema.minLength ?? 0;
      const max = Math.min(schema.maxLength ?? 64, 40);
      return fc.oneof(
        fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(max, min, 1) }),
        oddString.map((s) => s.padEnd(min, 'p')),
      );
    }
    default:
      return anyJson;
  }
}

// ---------- making a body invalid ----------

type Mutation = 'wrong-type' | 'drop-required' | 'extra-field' | 'too-long' | 'odd-in-pattern' | 'nul' | 'deep' | 'root' | 'too-many';
const MUTATIONS: Mutation[] = ['wrong-type', 'drop-required', 'extra-field', 'too-long', 'odd-in-pattern', 'nul', 'deep', 'root', 'too-many'];

/** A tiny seeded PRNG so a mutation is reproducible from the fast-check seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every (container, key, schema) inside a value, so a mutation can pick a spot. */
function spots(value: unknown, schema: any, out: { parent: any; key: string | number; schema: any }[] = [], depth = 0) {
  if (depth > 12) return out; // an already deep value: its top is enough to mutate
  if (Array.isArray(value)) value.forEach((v, i) => (out.push({ parent: value, key: i, schema: schema?.items }), spots(v, schema?.items, out, depth + 1)));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      const s = schema?.properties?.[k];
      out.push({ parent: value, key: k, schema: s });
      spots(v, s, out, depth + 1);
    }
  return out;
}

function mutate(value: unknown, schema: any, kind: Mutation, rnd: () => number, replacement: unknown, odd: string): unknown {
  const root = JSON.parse(JSON.stringify(value ?? null));
  const all = spots(root, schema);
  const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(rnd() * xs.length)];
  const strings = all.filter((s) => typeof s.parent[s.key] === 'string');
  switch (kind) {
    case 'root':
      return pick([42, 'text', true, null, [], [1, 2], {}, replacement]);
    case 'wrong-type': {
      const s = pick(all);
      if (!s) return replacement;
      const cur = s.parent[s.key];
      s.parent[s.key] = typeof cur === 'string' ? pick([1, true, null, [cur], { v: cur }]) : typeof cur === 'number' ? String(cur) : typeof cur === 'boolean' ? 'true' : pick([1, 'x', null]);
      return root;
    }
    case 'drop-required': {
      const objects = [root, ...all.map((s) => s.parent[s.key])].filter((o) => o && typeof o === 'object' && !Array.isArray(o));
      const o = pick(objects) as Record<string, unknown> | undefined;
      const keys = o ? Object.keys(o) : [];
      if (o && keys.length) delete o[pick(keys)!];
      return root;
    }
    case 'extra-field': {
      const objects = [root, ...all.map((s) => s.parent[s.key])].filter((o) => o && typeof o === 'object' && !Array.isArray(o));
      const o = pick(objects) as Record<string, unknown> | undefined;
      if (o) o[pick(['isAdmin', 'permissions', 'orgId', 'type', 'constructor', 'status', odd || 'x', 'a'.repeat(300)])!] = replacement;
      return root;
    }
    case 'too-long': {
      const s = pick(strings);
      if (s) s.parent[s.key] = 'y'.repeat((s.schema?.maxLength ?? 2048) + 1 + Math.floor(rnd() * 100));
      return root;
    }
    case 'odd-in-pattern': {
      const s = pick(strings.filter((x) => x.schema?.pattern || x.schema?.format)) ?? pick(strings);
      if (s) s.parent[s.key] = String(s.parent[s.key]) + (odd || '\u202e');
      return root;
    }
    case 'nul': {
      const s = pick(strings);
      if (s) s.parent[s.key] = `${String(s.parent[s.key])}\u0000`;
      return root;
    }
    case 'deep': {
      const s = pick(all);
      if (s) s.parent[s.key] = nested(20 + Math.floor(rnd() * 3000));
      else return nested(50);
      return root;
    }
    case 'too-many': {
      const arrays = all.filter((s) => Array.isArray(s.parent[s.key]));
      const s = pick(arrays);
      if (s) s.parent[s.key] = Array.from({ length: (s.schema?.maxItems ?? 100) + 1 }, (_, i) => (s.parent[s.key] as unknown[])[0] ?? i);
      else if (Array.isArray(root)) return Array.from({ length: 101 }, () => root[0] ?? {});
      return root;
    }
  }
}

/** A body the route must refuse: schema breakage, or not JSON at all. */
function invalidBody(op: Operation, ids: Ids): fc.Arbitrary<BodySpec> {
  // Only text JSON.parse refuses (a BOM is stripped by the server's parser, so '\ufeff{}' is not here), plus
  // prototype-poisoning keys, which the server refuses though they parse.
  const parses = (text: string) => {
    try {
      JSON.parse(text);
      return !/"(__proto__|constructor)"/.test(text);
    } catch {
      return false;
    }
  };
  const parseLevel: fc.Arbitrary<BodySpec> = fc.oneof(
    fc
      .constantFrom('{', '{"name":', '[1,2', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":undefined}', 'nul', '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"x":1}}}', '"\\ud800"x')
      .map((text) => ({ text }) as BodySpec),
    fc.integer({ min: 1000, max: 100_000 }).map((deep) => ({ deep, open: '[', close: '' }) as BodySpec),
    oddString
      .map((text) => `{"name": ${text}}`)
      .filter((text) => !parses(text))
      .map((text) => ({ text }) as BodySpec),
  );
  if (!op.body) return parseLevel;
  const schemaBroken = fc
    .record({ base: fromSchema(op.body, ids), kinds: fc.array(fc.constantFrom(...MUTATIONS), { minLength: 1, maxLength: 3 }), seed: fc.integer(), replacement: anyJson, odd: oddString })
    .map(({ base, kinds, seed, replacement, odd }) => {
      const rnd = prng(seed);
      let value: unknown = base;
      // Deep nesting last, so no later step has to copy or walk it.
      for (const k of [...kinds].sort((a, b) => Number(a === 'deep') - Number(b === 'deep'))) value = mutate(value, op.body, k, rnd, replacement, odd);
      // If the mutations happened to produce something valid, fall back to a body no schema here accepts.
      return { json: bodyAccepted(op, JSON.stringify(value)) ? 42 : value } as BodySpec;
    });
  return fc.oneof({ weight: 4, arbitrary: schemaBroken }, { weight: 1, arbitrary: parseLevel });
}

/** Usually a valid-looking body (so the defect elsewhere is what gets it refused), sometimes anything. */
function plausibleBody(op: Operation, ids: Ids): fc.Arbitrary<BodySpec | undefined> {
  if (!op.body) return fc.constantFrom(undefined, undefined, { json: {} } as BodySpec);
  return fc.oneof({ weight: 4, arbitrary: fromSchema(op.body, ids).map((json) => ({ json }) as BodySpec) }, { weight: 1, arbitrary: invalidBody(op, ids) });
}

// ---------- URLs and headers ----------

const DOT_SEGMENT = /^(\.|%2e){1,2}$/i; // a URL parser would resolve these and move to another route
const badValue = (param: string, foreign: Ids): fc.Arbitrary<{ raw: string } | { value: string }> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant({ value: foreign[param as keyof Ids] ?? 'nope' }) },
    { weight: 2, arbitrary: fc.uuid().map((value) => ({ value })) },
    { weight: 3, arbitrary: oddString.filter((s) => s.length > 0 && !DOT_SEGMENT.test(s)).map((value) => ({ value })) },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 400 }).map((n) => ({ value: 'a'.repeat(n) })) },
    { weight: 1, arbitrary: fc.constantFrom('%ZZ', '%', '%00', '%2F', 'a%2Fb', '*', 'null', '-1', '0', "1'--", '$ne', 'true%00').map((raw) => ({ raw })) },
  );

/** Percent-encoding that never throws (encodeURIComponent does on a lone surrogate): UTF-8 bytes, unreserved kept. */
export const encodePath = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

function urlOf(op: Operation, values: Record<string, { raw: string } | { value: string }>, query: string): string {
  let url = op.path;
  for (const p of op.pathParams) {
    const v = values[p];
    url = url.replace(`{${p}}`, 'raw' in v ? v.raw : encodePath(v.value));
  }
  return query ? `${url}?${query}` : url;
}

const queryValue = (schema: any, ids: Ids): fc.Arbitrary<string | string[]> =>
  fc.oneof(
    fromSchema(schema, ids).map((v) => (Array.isArray(v) ? v.map(String) : String(v))),
    oddString,
    longString,
    fc.constantFrom('-1', '1e999', '0x10', 'true', 'maybe', '', '[]', '{"$gt":""}', '101', '1000001', 'NaN'),
    fc.array(oddString, { minLength: 2, maxLength: 40 }),
  );

function queryOf(op: Operation, ids: Ids): fc.Arbitrary<string> {
  const known = op.query.map((q) =>
    fc.option(
      queryValue(q.schema, ids).map((v) => [q.name, v] as const),
      { nil: undefined },
    ),
  );
  const extra = fc.array(fc.tuple(oddString, oddString), { maxLength: 2 });
  return fc.tuple(fc.tuple(...known), extra, fc.boolean()).map(([pairs, more, raw]) => {
    const params = new URLSearchParams();
    for (const pair of [...pairs.filter((p) => p !== undefined), ...more] as [string, string | string[]][]) {
      for (const v of Array.isArray(pair[1]) ? pair[1] : [pair[1]]) params.append(pair[0], v);
    }
    // Now and then a hand-written, half-encoded query string.
    return raw ? params.toString().replace(/%25/g, '%').replace(/%26/g, '&') : params.toString();
  });
}

/** HTTP header values: what a real client could put on the wire (tab, visible ASCII, obs-text). */
const headerSafe = (s: string) => [...s].map((c) => (c === '\t' || (c >= ' ' && c <= '~') || (c >= '\u0080' && c <= '\u00ff') ? c : '?')).join('');

const ODD_CONTENT_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/octet-stream',
  'application/jsonp',
  'application/json-patch+json',
  'text/json',
  'image/png',
  'json',
  '',
];

export interface Generators {
  request: (op: Operation) => fc.Arbitrary<FuzzRequest>;
}

export function generators(world: World): Generators {
  const { own, foreign } = world;
  const withBody = (h: Headers, body: BodySpec | undefined): Headers => (body === undefined || h['content-type'] !== undefined ? h : { ...h, 'content-type': 'application/json' });
  const merge = (c: Credential, extra: Headers): Headers => ({ ...c.headers, ...extra });
  const validValues = (op: Operation) => Object.fromEntries(op.pathParams.map((p) => [p, { value: own[p as keyof Ids] }])) as Record<string, { value: string }>;
  const oddHeaders = fc.record(
    {
      organization: fc.oneof(fc.constant(foreign.orgId), oddString.map(headerSafe), fc.constant([own.orgId, foreign.orgId] as string[])),
      accept: fc.constantFrom('text/html', '*/*', 'application/xml', headerSafe('ü;q=0')),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1, 10.0.0.1', 'garbage'),
      'x-http-method-override': fc.constantFrom('DELETE', 'PUT'),
    },
    { requiredKeys: [] },
  );

  return {
    request(op) {
      const unsafe = op.method !== 'GET';
      const query = op.method === 'GET' ? queryOf(op, own) : fc.constant('');
      const base = (
        defect: Defect,
        creds: Credential[],
        params: fc.Arbitrary<Record<string, { raw: string } | { value: string }>>,
        body: fc.Arbitrary<BodySpec | undefined>,
        extra: fc.Arbitrary<Headers> = fc.constant({}),
      ) =>
        fc.record({ c: fc.constantFrom(...creds), params, q: query, body, extra, odd: oddHeaders }).map(({ c, params, q, body, extra, odd }) => {
          // Odd extra headers only where they cannot make the request valid or invalid by themselves.
          const noise: Headers = c.session ? { accept: odd.accept ?? '*/*' } : { ...odd };
          return { defect, credential: c.name, method: op.method, url: urlOf(op, params, q), headers: withBody(merge(c, { ...noise, ...extra }), body), body } satisfies FuzzRequest;
        });
      const valid = fc.constant(validValues(op));
      const anyValues = fc.record(
        Object.fromEntries(op.pathParams.map((p) => [p, fc.oneof(fc.constant({ value: own[p as keyof Ids] }), badValue(p, foreign))])) as Record<
          string,
          fc.Arbitrary<{ raw: string } | { value: string }>
        >,
      );
      const writers = world.valid.filter((c) => !c.readOnly);

      const kinds: fc.Arbitrary<FuzzRequest>[] = [];
      if (!op.secured) {
        // setup (already done: 409) and login (no such password): nothing here may succeed.
        kinds.push(base('public', [...world.valid, ...world.invalid], anyValues, plausibleBody(op, own)));
      } else if (!unsafe) {
        kinds.push(base('read', [...world.valid, ...world.invalid], anyValues, plausibleBody(op, own)));
      }
      if (op.secured) {
        const refused = world.invalid.filter((c) => !(unsafe ? c.validForWrite : c.validForGet));
        kinds.push(base('credential', refused, anyValues, plausibleBody(op, own)));
      }
      if (op.pathParams.length) {
        const oneBad = fc
          .tuple(
            fc.constantFrom(...op.pathParams).chain((p) => badValue(p, foreign).map((bad) => [p, bad] as const)),
            anyValues,
          )
          .map(([[p, bad], rest]) => ({ ...rest, [p]: bad }) as Record<string, { raw: string } | { value: string }>);
        kinds.push(base('path', writers, oneBad, plausibleBody(op, own)));
      }
      if (unsafe) {
        kinds.push(base('body', writers, valid, invalidBody(op, own)));
        kinds.push(
          base(
            'content-type',
            writers,
            valid,
            fromSchema(op.body ?? { type: 'object' }, own).map((json) => ({ json }) as BodySpec),
            fc.constantFrom(...ODD_CONTENT_TYPES).map((ct) => ({ 'content-type': ct }) as Headers),
          ),
        );
        kinds.push(base('size', writers, valid, fc.record({ huge: fc.integer({ min: 1024 * 1024 + 1, max: 1024 * 1024 + 4096 }), inField: fc.boolean() }) as fc.Arbitrary<BodySpec>));
        if (op.secured) {
          const sessions = writers.filter((c) => c.session && c.headers.authorization);
          kinds.push(
            base(
              'organization',
              sessions,
              valid,
              plausibleBody(op, own),
              oddHeaders.map((h) => ({ organization: h.organization ?? foreign.orgId }) as Headers).filter((h) => String(h.organization).trim() !== ''),
            ),
          );
          kinds.push(
            base(
              'permission',
              world.valid.filter((c) => c.readOnly),
              valid,
              plausibleBody(op, own),
            ),
          );
        }
      }
      return fc.oneof(...kinds);
    },
  };
}

// JSON Patch (RFC 6902) over plain JSON values: add, remove, replace, move, copy, test. Pure; returns the
// patched copy or the error code of the first operation that cannot apply (the document is then unchanged).

export interface PatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

type Json = unknown;
export type PatchResult = { ok: true; value: Json } | { ok: false; code: string };

/** `/a/b~1c` → ['a', 'b/c']; null when malformed. */
function parsePointer(pointer: string): string[] | null {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return null;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function arrayIndex(token: string, length: number, allowEnd: boolean): number | null {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) return null;
  const i = Number(token);
  return i < length || (allowEnd && i === length) ? i : null;
}

function get(doc: Json, path: string[]): { found: true; value: Json } | { found: false } {
  let cur = doc;
  for (const t of path) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(t, cur.length, false);
      if (i === null) return { found: false };
      cur = cur[i];
    } else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else return { found: false };
  }
  return { found: true, value: cur };
}

/** The container of `path`'s last token, or null. */
function parentOf(doc: Json, path: string[]): Json | null {
  const p = get(doc, path.slice(0, -1));
  return p.found && (Array.isArray(p.value) || isObject(p.value)) ? p.value : null;
}

function add(doc: Json, path: string[], value: Json): Json | null {
  if (path.length === 0) return value;
  const parent = parentOf(doc, path);
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, true);
    if (i === null) return null;
    parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    if (last === '__proto__') return null;
    parent[last] = value;
  } else return null;
  return doc;
}

function remove(doc: Json, path: string[]): Json | null {
  if (path.length === 0) return null;
  const parent = parentOf(doc, path);
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    if (i === null) return null;
    parent.splice(i, 1);
  } else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else return null;
  return doc;
}

export function applyPatch(document: Json, operations: readonly PatchOperation[]): PatchResult {
  let doc: Json = structuredClone(document);
  for (const o of operations) {
    const path = parsePointer(o.path);
    if (!path) return { ok: false, code: 'path_is_invalid' };
    let next: Json | null;
    switch (o.op) {
      case 'add':
        if (!('value' in o)) return { ok: false, code: 'value_is_required' };
        next = add(doc, path, structuredClone(o.value));
        break;
      case 'remove':
        next = remove(doc, path);
        break;
      case 'replace':
        if (!('value' in o)) return { ok: false, code: 'value_is_required' };
        next = get(doc, path).found ? add(remove(doc, path) ?? doc, path, structuredClone(o.value)) : null;
        if (path.length === 0) next = structuredClone(o.value);
        break;
      case 'move':
      case 'copy': {
        const from = o.from === undefined ? null : parsePointer(o.from);
        if (!from) return { ok: false, code: 'from_is_invalid' };
        if (o.op === 'move' && path.length > from.length && from.every((t, i) => path[i] === t)) return { ok: false, code: 'path_is_invalid' };
        const source = get(doc, from);
        if (!source.found) return { ok: false, code: 'from_is_invalid' };
        const value = structuredClone(source.value);
        next = o.op === 'move' ? remove(doc, from) : doc;
        next = next === null ? null : add(next, path, value);
        break;
      }
      case 'test': {
        const target = get(doc, path);
        if (!target.found || JSON.stringify(target.value) !== JSON.stringify(o.value)) return { ok: false, code: 'test_failed' };
        next = doc;
        break;
      }
      default:
        return { ok: false, code: 'op_is_invalid' };
    }
    if (next === null) return { ok: false, code: 'path_is_invalid' };
    doc = next;
  }
  return { ok: true, value: doc };
}

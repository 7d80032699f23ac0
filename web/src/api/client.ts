import { describeErrors } from './errors.ts';

export interface Envelope<T> {
  success: boolean;
  errors: string[];
  data: T | null;
}

export interface Page<T> {
  totalCount: number;
  items: T[];
}

/** What a refused permission check names (headers of its 403), to ask `POST /iam/explain` about. */
export interface Refusal {
  action: string;
  resource: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly codes: string[],
    /** The server's X-Request-Id: what an operator looks for in the logs. */
    readonly requestId: string | null = null,
    readonly refused: Refusal | null = null,
  ) {
    super(describeErrors(codes));
    this.name = 'ApiError';
  }
  has(code: string): boolean {
    return this.codes.includes(code);
  }
}

const ORG_KEY = 'ensign.organizationId';

export function storedOrganizationId(): string | null {
  try {
    return localStorage.getItem(ORG_KEY);
  } catch {
    return null;
  }
}

export function storeOrganizationId(id: string | null): void {
  try {
    if (id) localStorage.setItem(ORG_KEY, id);
    else localStorage.removeItem(ORG_KEY);
  } catch {
    // Private mode: the choice just will not survive a reload.
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

// The session lives in an HttpOnly cookie; when the server stops accepting it
// the app must fall back to the sign-in page, wherever the 401 came from.
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export type Query = Record<string, string | number | boolean | undefined | null | string[]>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length > 0) params.set(k, v.join(','));
    } else params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  // Sign-in and setup answer 401 as part of their normal flow.
  quietUnauthorized?: boolean;
  // Asking which organizations the user has must not name one that may be stale.
  withoutOrganization?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    // The server requires this on cookie-authenticated unsafe requests (CSRF defence).
    'X-Requested-With': 'ensign-web',
  };
  const org = storedOrganizationId();
  if (org && !opts.withoutOrganization) headers.Organization = org;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${withQuery(path, opts.query)}`, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, ['NetworkError']);
  }
  let envelope: Envelope<T> | null = null;
  try {
    envelope = (await res.json()) as Envelope<T>;
  } catch {
    envelope = null;
  }
  if (res.status === 401 && !opts.quietUnauthorized) {
    unauthorizedListeners.forEach((l) => l());
  }
  if (!res.ok || !envelope?.success) {
    const codes = envelope?.errors?.length ? envelope.errors : [statusCode(res.status)];
    const action = res.headers.get('Ensign-Refused-Action');
    const resource = res.headers.get('Ensign-Refused-Resource');
    throw new ApiError(res.status, codes, res.headers.get('X-Request-Id'), action && resource ? { action, resource } : null);
  }
  return envelope.data as T;
}

function statusCode(status: number): string {
  switch (status) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'ResourceNotFound';
    case 409:
      return 'Conflict';
    case 413:
      return 'PayloadTooLarge';
    case 429:
      return 'TooManyRequests';
    default:
      return status >= 500 ? 'InternalServerError' : 'NetworkError';
  }
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>('GET', path, { query, signal });
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, { body: body ?? {} });
export const put = <T>(path: string, body?: unknown) => api<T>('PUT', path, { body: body ?? {} });
export const del = <T>(path: string) => api<T>('DELETE', path);

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

// Some collection routes answer a page, some a plain array; read both alike.
export function asPage<T>(data: T[] | Page<T> | null | undefined): Page<T> {
  if (!data) return { totalCount: 0, items: [] };
  if (Array.isArray(data)) return { totalCount: data.length, items: data };
  return data;
}

// Every item of a paged list, fetched page by page (for small pickers only).
export async function getAll<T>(path: string, query: Query = {}, max = 500): Promise<T[]> {
  const out: T[] = [];
  for (let pageIndex = 0; out.length < max; pageIndex++) {
    const page = asPage(await get<T[] | Page<T>>(path, { ...query, pageIndex, pageSize: 100 }));
    out.push(...page.items);
    if (page.items.length < 100 || out.length >= page.totalCount) break;
  }
  return out;
}

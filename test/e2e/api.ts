// Test data through the REST API, where creating it is not the point of the test.
export interface Envelope<T> {
  success: boolean;
  errors: string[];
  data: T;
}

export interface ApiResult<T> {
  status: number;
  body: Envelope<T>;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly credential: string | null = null,
    /** Sent as the Organization header (sessions of people in several organizations need it). */
    readonly organizationId: string | null = null,
  ) {}

  inOrganization(id: string): Api {
    return new Api(this.baseUrl, this.credential, id);
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.credential) headers.Authorization = this.credential.startsWith('ens_ses_') ? `Bearer ${this.credential}` : this.credential;
    if (this.organizationId) headers.Organization = this.organizationId;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: Envelope<T>;
    try {
      parsed = JSON.parse(text) as Envelope<T>;
    } catch {
      throw new Error(`${method} ${path} → ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    return { status: res.status, body: parsed };
  }

  /** Like call, but the request must succeed. */
  async ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status !== 200 || !r.body.success) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data;
  }
}

export async function signIn(baseUrl: string, email: string, password: string): Promise<Api> {
  const r = await new Api(baseUrl).ok<{ session: string }>('POST', '/identity/login-by-email', { email, password });
  return new Api(baseUrl, r.session);
}

/** Creates the first owner; the returned API client is pinned to their first organization. */
export async function setupOwner(baseUrl: string, owner = OWNER): Promise<Api> {
  const { organizationId } = await new Api(baseUrl).ok<{ organizationId: string }>('POST', '/setup', owner);
  return (await signIn(baseUrl, owner.email, owner.password)).inOrganization(organizationId);
}

/**
 * Adds a person to the owner's organization the way it happens now: an invitation, redeemed by the person with a
 * password of their own. Returns the member view.
 */
export async function inviteAndRedeem<T = { id: string; policies: { key: string }[] }>(owner: Api, person: { email: string; name: string; password: string; policyIds?: string[] }): Promise<T> {
  const { password, ...body } = person;
  const { member, invitation } = await owner.ok<{ member: { id: string }; invitation: { code: string } }>('POST', '/members', body);
  await new Api(owner.baseUrl).ok('POST', '/invitations/redeem', { code: invitation.code, name: person.name, password });
  return owner.ok<T>('GET', `/members/${member.id}`);
}

export const OWNER = { organizationName: 'Acme', name: 'Olivia Owner', email: 'olivia@acme.test', password: 'correct horse battery' };

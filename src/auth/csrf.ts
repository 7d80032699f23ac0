// A session cookie rides along on cross-site requests; a custom header cannot be set by another site without
// CORS, which the API never grants. So a change made with the cookie must carry the web client's header.

export const WEB_CLIENT_HEADER = 'x-requested-with';
export const WEB_CLIENT_VALUE = 'ensign-web';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a request authenticated by the session cookie may proceed: safe methods always, others with the header. */
export const passesCsrfCheck = (method: string, headers: Record<string, string | string[] | undefined>): boolean => !UNSAFE.has(method) || headers[WEB_CLIENT_HEADER] === WEB_CLIENT_VALUE;

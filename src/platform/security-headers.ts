// The headers every response carries, as constant objects (set in one synchronous step per response).
// Lower-case names: Fastify lower-cases each name it is given, on every response.

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** For pages (the UI, /docs): no sniffing, no framing, no referrer. */
export const PAGE_HEADERS = { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };
/** PAGE_HEADERS plus the page policy, for responses that did not set a CSP of their own. */
export const PAGE_HEADERS_WITH_CSP = { ...PAGE_HEADERS, 'content-security-policy': PAGE_CSP };

// A JSON answer loads nothing, submits nothing and is never framed: every directive at least as strict as the
// page policy's (what OWASP advises for APIs), in a third of its bytes on every API response.
const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** For every response under /api/. */
export const API_HEADERS = { ...PAGE_HEADERS, 'content-security-policy': API_CSP, 'cache-control': 'no-store' };

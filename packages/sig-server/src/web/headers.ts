// The page's response headers: a strict Content-Security-Policy (only this origin's scripts
// and styles, WebAssembly for zstd, no inline code, no frames, no forms elsewhere), and the
// caching rules: the HTML and settings revalidate, the hashed assets are immutable.
export interface CspOptions {
  /** Also allow plain http:/ws: connections (a local demo whose services are on loopback). */
  allowHttp: boolean;
}

/**
 * connect-src is any https/wss origin because the page reads each account's own service
 * (any Mastodon instance, any PDS, any relay); what it reads is verified, never executed.
 */
export function contentSecurityPolicy(o: CspOptions): string {
  const connect = ["'self'", 'https:', 'wss:', ...(o.allowHttp ? ['http:', 'ws:'] : [])];
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
} as const;

export const IMMUTABLE = 'public, max-age=31536000, immutable';

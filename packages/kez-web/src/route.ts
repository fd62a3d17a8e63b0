// What the page was opened for, from its URL: /id/<64 hex>, the SPEC §5.2 short-proof link
// /kez:id:<64 hex> (a sig-server answers it with this page), or /verify?subject=<account>.
// A static host without rewrites can use index.html?id=<hex> or ?subject=<account>.
export type Route =
  | { kind: 'identity'; hex: string }
  | { kind: 'subject'; subject: string }
  | { kind: 'none' };

const HEX64 = /^[0-9a-f]{64}$/;

export function parseRoute(location: { pathname: string; search: string }): Route {
  const q = new URLSearchParams(location.search);
  const path = decodeURIComponent(location.pathname);
  const fromPath = /\/(?:id\/|kez:id:)([0-9a-f]{64})\/?$/.exec(path)?.[1];
  const hex = fromPath ?? q.get('id') ?? '';
  if (HEX64.test(hex)) return { kind: 'identity', hex };
  const subject = q.get('subject');
  if (subject) return { kind: 'subject', subject };
  return { kind: 'none' };
}

/** The page URL for an identity: the link a person shares (and a short proof's home form). */
export function identityPath(hex: string): string {
  return `/id/${hex}`;
}

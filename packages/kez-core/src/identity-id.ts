// Identity ids (SPEC §2.4): `kez:id:` + hex(H(genesis)). Imports only errors.ts, so light
// callers (the CLI before it loads core) can take it from the `@kez/core/identity-id` subpath.
import { fail } from './errors.js';

export const IDENTITY_PREFIX = 'kez:id:';
/** The canonical form; group 1 is the 64-hex genesis hash. */
export const IDENTITY_ID_RE = /^kez:id:([0-9a-f]{64})$/;

// Checked for every object verified: by char codes, not the regular expression (same language).
export function isIdentityId(x: unknown): x is string {
  if (typeof x !== 'string' || x.length !== 71 || !x.startsWith(IDENTITY_PREFIX)) return false;
  for (let i = 7; i < 71; i++) {
    const c = x.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** `kez:id:<hex>` → `<hex>`; anything else is malformed. */
export function identityHex(id: string): string {
  const m = typeof id === 'string' ? IDENTITY_ID_RE.exec(id) : null;
  if (!m) fail('malformed', 'identity must be kez:id:<64 lowercase hex>');
  return m[1]!;
}

/** The identity id of a chain whose genesis hashes to `genesisHash` (64 lowercase hex). */
export function identityIdOf(genesisHash: string): string {
  const id = IDENTITY_PREFIX + genesisHash;
  identityHex(id);
  return id;
}

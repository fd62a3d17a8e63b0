// matrix: a short proof in the user's custom profile field `dev.kez.proof` (Matrix spec v1.16
// "Profiles", from MSC4133; KEZ's namespace under its domain kez.dev), read from the full profile
// GET /_matrix/client/v3/profile/{userId} on the homeserver of the user id's own server_name —
// one read that tells "no such user" (404) from "no proof" (no field), which the per-field GET
// cannot. Found by the server_name's /.well-known/matrix/client, whose base_url must be that
// host or a subdomain of it: a homeserver elsewhere would answer for a user that is not its own
// (Synapse relays a remote user's profile over federation; a hostile server invents one).
// Display names, room messages and other users' fields are never read. `publish` writes the
// field with the user's own access token (PUT …/profile/{userId}/dev.kez.proof).
import { KezError } from '@kez/core';
import {
  member,
  ownerSubject,
  profileChannel,
  userAtHost,
  type JsonGet,
} from '../profile-channel.js';

/** The profile field KEZ reads and writes (Common Namespaced Identifier Grammar, reversed domain). */
export const MATRIX_PROOF_FIELD = 'dev.kez.proof';

/**
 * Matrix spec v1.16, "Profiles": a whole profile is at most 64 KiB (Synapse: MAX_PROFILE_SIZE =
 * 65536, M_PROFILE_TOO_LARGE); the read cap leaves room for a server's own JSON escaping.
 */
const MAX_PROFILE_BYTES = 64 * 1024 + 4 * 1024;

/**
 * The spec names no Content-Type for /.well-known/matrix/client (and the server-server one is JSON
 * whatever its type); a static file without an extension is served as application/octet-stream
 * by nginx and as text/plain by others. Bodies are parsed as JSON either way.
 */
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/octet-stream'];

const userIdOf = (user: string, host: string) => `@${user}:${host}`;

/**
 * The client-server API base for `host` (spec "Server Discovery", well-known URI): 404 means
 * `https://<host>`; a base_url outside the host and its subdomains is refused [`redirect`].
 */
async function matrixHomeserver(host: string, get: JsonGet): Promise<string> {
  let doc: unknown;
  let url: string;
  try {
    ({ doc, url } = await get(`https://${host}/.well-known/matrix/client`));
  } catch (e) {
    if (e instanceof KezError && e.code === 'no_account') return `https://${host}`;
    throw e;
  }
  const hs = (doc as { 'm.homeserver'?: { base_url?: unknown } } | null)?.['m.homeserver'];
  const raw = member(hs?.base_url, 'm.homeserver.base_url', url);
  let base: URL;
  try {
    base = new URL(String(raw));
  } catch {
    throw new KezError('malformed', `${url}: m.homeserver.base_url is not a URL`, { url });
  }
  const own = base.hostname === host || base.hostname.endsWith(`.${host}`);
  if (base.protocol !== 'https:' || base.username || base.password || !own)
    throw new KezError(
      'redirect',
      `${url} names ${base.origin} as the homeserver of ${host}: only https on ${host} or its subdomains is followed`,
      { url, location: base.href },
    );
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
}

export const matrixPlugin = profileChannel({
  name: 'matrix',
  place: (s) => userAtHost(s.id),
  contentTypes: CONTENT_TYPES,
  maxBytes: MAX_PROFILE_BYTES,
  maxRedirects: 0,
  async read({ host, user }, get) {
    const userId = userIdOf(user, host);
    const base = await matrixHomeserver(host, get);
    // A 404 (M_NOT_FOUND, Synapse's M_UNKNOWN "No row found") is no_account, as everywhere.
    const { doc, url } = await get(
      `${base}/_matrix/client/v3/profile/${encodeURIComponent(userId)}`,
    );
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new KezError('malformed', `${url}: the profile is not a JSON object`, { url });
    return {
      owner: { subject: ownerSubject('matrix', `${user}@${host}`), stableId: userId },
      location: url,
      texts: [{ text: (doc as Record<string, unknown>)[MATRIX_PROOF_FIELD] }],
    };
  },
  paste: ({ host, user }) => ({
    url: `https://matrix.to/#/${userIdOf(user, host)}`,
    // Element and the other clients checked edit only the display name and avatar.
    field: `the custom profile field ${MATRIX_PROOF_FIELD} (no Matrix client we know sets custom fields: set MATRIX_TOKEN and kez writes it)`,
  }),
  write: {
    tokenEnv: 'MATRIX_TOKEN',
    tokenHint: "the account's access token (Element: Settings → Help & About → Access Token)",
    async write({ host, user }, p, http) {
      const userId = userIdOf(user, host);
      const base = await matrixHomeserver(host, http.get);
      const profile = `${base}/_matrix/client/v3/profile/${encodeURIComponent(userId)}`;
      const url = `${profile}/${MATRIX_PROOF_FIELD}`;
      const answer = (await http.send(url, {
        method: 'PUT',
        headers: { authorization: `Bearer ${p.token}` },
        body: JSON.stringify({ [MATRIX_PROOF_FIELD]: p.short }),
        passStatuses: [401, 403],
      })) as { errcode?: unknown } | null;
      // A refused token (M_UNKNOWN_TOKEN, M_MISSING_TOKEN) or another user's profile (M_FORBIDDEN).
      if (answer?.errcode !== undefined) {
        const errcode = /^M_[A-Z_]{1,64}$/.test(String(answer.errcode))
          ? String(answer.errcode)
          : 'an unknown error';
        throw new KezError('not_authorized', `${url}: the homeserver refused (${errcode})`, {
          url,
          errcode,
        });
      }
      return profile;
    },
  },
});

// The Mastodon REST methods the ap channel uses: the account lookup (profile fields and note
// when the actor document withholds them) and the profile-field write of `kez publish ap:`.
// Shapes: https://docs.joinmastodon.org/methods/accounts/ and /entities/Account/.
import { KezError } from '@kez/core';
import type { ChannelEnv } from '../types.js';

/** Mastodon's default field count (app/models/account.rb DEFAULT_FIELDS_SIZE; instance configuration.accounts.max_profile_fields). */
export const MAX_FIELDS = 4;
/** Characters of a field value Mastodon keeps (app/models/account/field.rb MAX_CHARACTERS_LOCAL). */
export const FIELD_VALUE_LIMIT = 255;
const KEZ_FIELD = 'KEZ';
const JSON_TYPES = ['application/json'];

export interface ProfileText {
  /** The field name; absent for the note (summary). */
  name?: string;
  /** HTML, as Mastodon serves it. */
  html: string;
}

interface RestAccount {
  username?: unknown;
  acct?: unknown;
  url?: unknown;
  uri?: unknown;
  note?: unknown;
  fields?: Array<{ name?: unknown; value?: unknown }>;
}

/**
 * The profile of `user` by GET /api/v1/accounts/lookup on the actor's host. Secure-mode
 * (AUTHORIZED_FETCH) instances answer this unsigned while their actor documents withhold
 * fields and note. Owner check: the account is the local `user` (acct without a domain), its
 * `uri` is the actor WebFinger named and its `url` is on the actor's host.
 */
export async function lookupProfile(
  user: string,
  actorUrl: string,
  env: ChannelEnv,
): Promise<ProfileText[]> {
  const actorHost = new URL(actorUrl).host;
  const url = `https://${actorHost}/api/v1/accounts/lookup?acct=${encodeURIComponent(user)}`;
  env.progress?.(`ap: lookup ${user} on ${actorHost}`);
  const a = (
    await env.fetch(url, { headers: { accept: 'application/json' }, contentTypes: JSON_TYPES })
  ).json() as RestAccount;
  let profileHost: string | undefined;
  try {
    profileHost = typeof a?.url === 'string' ? new URL(a.url).host : undefined;
  } catch {
    profileHost = undefined;
  }
  if (
    typeof a?.username !== 'string' ||
    a.username.toLowerCase() !== user ||
    typeof a.acct !== 'string' ||
    a.acct.toLowerCase() !== user ||
    a.uri !== actorUrl ||
    profileHost !== actorHost
  ) {
    throw new KezError(
      'subject_mismatch',
      `${actorHost} answered the lookup of ${user} with account ${String(a?.acct)} (${String(a?.uri)})`,
      { url, actor: actorUrl },
    );
  }
  const fields = (Array.isArray(a.fields) ? a.fields : [])
    .filter((f) => typeof f?.name === 'string' && typeof f.value === 'string')
    .map((f) => ({ name: f.name as string, html: f.value as string }));
  return [...fields, ...(typeof a.note === 'string' ? [{ html: a.note }] : [])];
}

type Field = { name: string; value: string };

/**
 * The fields after putting `value` in the KEZ field: every existing field kept in its place,
 * the KEZ one updated in place or appended. Throws when all MAX_FIELDS are taken.
 */
export function withKezField(existing: Field[], value: string): Field[] {
  if (existing.some((f) => f.name === KEZ_FIELD))
    return existing.map((f) => (f.name === KEZ_FIELD ? { name: KEZ_FIELD, value } : f));
  if (existing.length >= MAX_FIELDS) throw fieldsFull(existing.length);
  return [...existing, { name: KEZ_FIELD, value }];
}

function fieldsFull(used: number, detail?: string): KezError {
  return new KezError(
    'too_large',
    `the Mastodon profile has ${used} of its ${MAX_FIELDS} profile fields in use and none named ${KEZ_FIELD}${detail ? ` (${detail})` : ''}`,
    {
      limit: MAX_FIELDS,
      hint: `remove a profile field, or rename one to ${KEZ_FIELD} (its value is replaced), in the profile settings, then publish again`,
    },
  );
}

/** Writes the short proof into the KEZ field of `user`'s account (the token's), keeping the others. */
export async function publishField(
  host: string,
  user: string,
  token: string,
  value: string,
  env: ChannelEnv,
): Promise<{ url?: string }> {
  if ([...value].length > FIELD_VALUE_LIMIT)
    throw new KezError('too_large', `the proof is longer than a Mastodon field keeps`, {
      limit: FIELD_VALUE_LIMIT,
    });
  const auth = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const me = (
    await env.fetch(`https://${host}/api/v1/accounts/verify_credentials`, {
      headers: auth,
      contentTypes: JSON_TYPES,
    })
  ).json() as { username?: unknown; source?: { fields?: unknown } };
  // The token must be the subject's own: never write another account's profile.
  if (typeof me?.username !== 'string' || me.username.toLowerCase() !== user)
    throw new KezError(
      'not_authorized',
      `the token is for @${String(me?.username)}, not @${user}`,
      { host },
    );
  // source.fields is the plain text the user wrote (fields are served as HTML).
  const existing = (Array.isArray(me?.source?.fields) ? me.source.fields : [])
    .filter((f) => typeof f?.name === 'string' && typeof f.value === 'string')
    .map((f) => ({ name: f.name as string, value: f.value as string }));
  const fields = withKezField(existing, value);
  // The documented hash form: versions testing `is_a?(Hash)` erase every field given an array.
  const attributes = Object.fromEntries(fields.map((f, i) => [String(i), f]));
  const res = await env.fetch(`https://${host}/api/v1/accounts/update_credentials`, {
    method: 'PATCH',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ fields_attributes: attributes }),
    contentTypes: JSON_TYPES,
    maxRedirects: 0,
    passStatuses: [422],
  });
  const account = res.json() as { url?: unknown; error?: unknown; source?: { fields?: unknown } };
  if (res.status === 422)
    throw fieldsFull(existing.length, `the server said: ${String(account?.error).slice(0, 200)}`);
  // Check what was stored: an instance that dropped fields must not pass for a success.
  const stored = Array.isArray(account?.source?.fields)
    ? (account.source.fields as Field[])
    : undefined;
  if (
    stored &&
    (stored.length !== fields.length ||
      !stored.some((f) => f?.name === KEZ_FIELD && f.value === value))
  )
    throw new KezError(
      'malformed',
      `${host} stored ${stored.length} profile fields, not the ${fields.length} sent`,
      { url: res.url },
    );
  return { url: typeof account?.url === 'string' ? account.url : undefined };
}

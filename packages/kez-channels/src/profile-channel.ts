// The shape most channels share: an account's public profile, read from the service's own
// JSON API, scanned for short proofs (SPEC §5.2); the owner is the account the API says the
// document belongs to, never one named by the text. A channel is a ProfileChannelSpec (data
// plus a small reader); this module turns it into a plugin, so every such channel fetches
// through env.fetch with its declared redirect policy and size cap, and publishes the same way.
import { KezError, isKezError, parseSubject, type Subject } from '@kez/core';
import { htmlToText } from './html-text.js';
import { shortCandidates } from './proofs.js';
import type {
  Candidate,
  ChannelEnv,
  ChannelPlugin,
  FetchPolicy,
  Owner,
  PasteInstructions,
  PublishRequest,
} from './types.js';

/** An account named by a subject: the host it lives on (the service's, or its own) and its name there. */
export interface Place {
  host: string;
  user: string;
}

/** One profile text and whether the service serves it as HTML. */
export interface ProfileText {
  text: unknown;
  html?: boolean;
}

/** What a reader takes from the service's answers. */
export interface ProfileRead {
  /** The account's name as the service states it (made canonical by `ownerId`). */
  owner: Owner;
  /** The profile texts scanned for short proofs; non-strings are skipped. */
  texts: ProfileText[];
  /** Where a reader finds the proof (a page, or the API document). */
  location: string;
}

/** A JSON GET through the channel's policy: the document and the URL it came from. */
export type JsonGet = (
  url: string,
  headers?: Record<string, string>,
) => Promise<{ doc: unknown; url: string }>;

/** A proof written with the user's own token. */
export interface ProfileWrite {
  /** The environment variable the CLI reads the token from (the library reads none). */
  tokenEnv: string;
  /** What the token must allow, for the CLI's hint. */
  tokenHint: string;
  /** Writes the short proof (keeping the rest of the text); returns where it lives. */
  write(
    place: Place,
    p: PublishRequest & { token: string },
    http: { get: JsonGet; send: (url: string, policy: FetchPolicy) => Promise<unknown> },
  ): Promise<string>;
}

export interface ProfileChannelSpec {
  name: string;
  /** The place a canonical subject names. */
  place(subject: Subject): Place;
  /** Request headers (e.g. accept) for every read. */
  headers?: Record<string, string>;
  /** Accepted Content-Types of the API. */
  contentTypes: readonly string[];
  /** Size cap of one API answer. */
  maxBytes: number;
  /** Redirects followed (same origin only): 0 for APIs that answer in place. */
  maxRedirects: number;
  /** Reads the profile; throws KezError no_account for the service's "no such user" shapes. */
  read(place: Place, get: JsonGet, env: ChannelEnv): Promise<ProfileRead>;
  /** Where a user pastes the proof by hand (always given; `publish` may also write it). */
  paste(place: Place): { url: string; field: string; limit?: number };
  write?: ProfileWrite;
}

/** The common read policy of a JSON API: no redirect, 256 KiB. */
export const JSON_API = {
  contentTypes: ['application/json'],
  maxBytes: 256 * 1024,
  maxRedirects: 0,
} as const;

/** The canonical subject of `channel:id`; a name the grammar refuses is the service's fault. */
export function ownerSubject(channel: string, id: string): string {
  try {
    return parseSubject(`${channel}:${id}`).text;
  } catch (e) {
    if (!isKezError(e)) throw e;
    throw new KezError('malformed', `${channel} answered with an account name kez cannot read`, {
      name: id,
    });
  }
}

/** A required member of an API document, else malformed (the document is not the documented shape). */
export function member<T>(value: T | undefined | null, what: string, url: string): T {
  if (value === undefined || value === null)
    throw new KezError('malformed', `${url}: the answer has no ${what}`, { url });
  return value;
}

/** Splits `user@host` at its last '@'. */
export function userAtHost(id: string): Place {
  const at = id.lastIndexOf('@');
  return { user: id.slice(0, at), host: id.slice(at + 1) };
}

/**
 * The user's text with the short proof in it: an existing short proof's line is replaced,
 * else the proof is appended on its own line. Over `limit` characters is refused (too_large)
 * rather than cut, since a cut proof would not verify.
 */
export function textWithProof(old: string, short: string, limit: number): string {
  const lines = old === '' ? [] : old.split('\n');
  const at = lines.findIndex((l) => l.includes('kez:id:'));
  if (at >= 0) lines[at] = short;
  else lines.push(short);
  const text = lines.join('\n');
  if ([...text].length > limit)
    throw new KezError(
      'too_large',
      `the profile text with the proof would be ${[...text].length} characters; the service keeps ${limit}`,
      { limit },
    );
  return text;
}

export function profileChannel(spec: ProfileChannelSpec): ChannelPlugin {
  const fetchPolicy: FetchPolicy = {
    maxBytes: spec.maxBytes,
    maxRedirects: spec.maxRedirects,
    redirectHosts: 'same-origin',
    contentTypes: [...spec.contentTypes],
  };
  const getter =
    (env: ChannelEnv): JsonGet =>
    async (url, headers) => {
      env.progress?.(`${spec.name}: ${url}`);
      const res = await env.fetch(url, {
        ...fetchPolicy,
        headers: { ...spec.headers, ...headers },
      });
      return { doc: res.json(), url: res.url };
    };
  const plugin: ChannelPlugin = {
    name: spec.name,
    fetchPolicy,
    async locate(subject, env) {
      const read = await spec.read(spec.place(subject), getter(env), env);
      return read.texts.flatMap((t): Candidate[] =>
        typeof t.text === 'string'
          ? shortCandidates(t.html ? htmlToText(t.text) : t.text, read.location, read.owner)
          : [],
      );
    },
    paste(p): PasteInstructions {
      const where = spec.paste(spec.place(p.subject));
      return { ...where, text: p.short };
    },
  };
  const write = spec.write;
  if (write) {
    plugin.publishToken = { env: write.tokenEnv, hint: write.tokenHint };
    plugin.publish = async (p, env) => {
      if (!p.token)
        throw new KezError(
          'not_authorized',
          `publishing to ${spec.name} needs a token (${write.tokenEnv})`,
          { subject: p.subject.text },
        );
      const send = async (url: string, policy: FetchPolicy) =>
        (
          await env.fetch(url, {
            ...fetchPolicy,
            ...policy,
            headers: { ...spec.headers, 'content-type': 'application/json', ...policy.headers },
            maxRedirects: 0,
          })
        ).json();
      const location = await write.write(
        spec.place(p.subject),
        { ...p, token: p.token },
        { get: getter(env), send },
      );
      return { location };
    };
  }
  return plugin;
}

// ap (alias mastodon): WebFinger acct:user@host → the actor document (or, where the instance
// withholds it from unsigned reads, the REST account lookup) → compact claims in the profile
// field named KEZ, else the summary (SPEC §10), and short proofs (SPEC §5.2) in every profile
// field and the summary. The owner is the actor id reached through WebFinger on the subject's
// own host (or the host it redirects WebFinger to); posts and replies are never read.
import { KezError } from '@kez/core';
import { htmlToText } from '../html-text.js';
import { shortCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin } from '../types.js';
import { lookupProfile, publishField, type ProfileText } from './mastodon-api.js';

const ACTIVITY_TYPES = ['application/activity+json', 'application/ld+json'];
const ACTIVITY_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
const COMPACT = /kez:z1:[A-Za-z0-9_-]+/g;

interface Jrd {
  subject?: unknown;
  links?: Array<{ rel?: unknown; type?: unknown; href?: unknown }>;
}
interface Actor {
  id?: unknown;
  type?: unknown;
  preferredUsername?: unknown;
  summary?: unknown;
  attachment?: Array<{ type?: unknown; name?: unknown; value?: unknown }>;
}

function splitAcct(id: string): { user: string; host: string } {
  const at = id.lastIndexOf('@');
  return { user: id.slice(1, at), host: id.slice(at + 1) };
}

function selfLink(jrd: Jrd): string | undefined {
  for (const l of jrd.links ?? []) {
    if (
      l?.rel === 'self' &&
      typeof l.type === 'string' &&
      typeof l.href === 'string' &&
      ACTIVITY_TYPES.some((t) => (l.type as string).startsWith(t))
    )
      return l.href;
  }
  return undefined;
}

/**
 * The actor URL WebFinger gives for acct:user@host. The handle's host may redirect its
 * WebFinger to another https host (RFC 7033 §4.2; Mastodon's split domains, LOCAL_DOMAIN →
 * WEB_DOMAIN): the JRD must still be for acct:user@host, and the actor may live on the handle's
 * host or on the host the handle's host sent us to — no other host is vouched for.
 */
async function webfinger(user: string, host: string, env: ChannelEnv): Promise<string> {
  const resource = `acct:${user}@${host}`;
  const url = `https://${host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  env.progress?.(`ap: webfinger ${resource}`);
  const res = await env.fetch(url, {
    headers: { accept: 'application/jrd+json' },
    contentTypes: ['application/jrd+json', 'application/json'],
    redirectHosts: 'any-https',
  });
  const jrd = res.json() as Jrd;
  if (typeof jrd?.subject !== 'string' || jrd.subject.toLowerCase() !== resource) {
    throw new KezError(
      'subject_mismatch',
      `WebFinger on ${host} answered for ${String(jrd?.subject)}, not ${resource}`,
      { url: res.url },
    );
  }
  const href = selfLink(jrd);
  if (!href)
    throw new KezError(
      'no_account',
      `WebFinger on ${host} has no ActivityPub actor for ${resource}`,
      { url: res.url },
    );
  let actorUrl: URL;
  try {
    actorUrl = new URL(href);
  } catch {
    throw new KezError('malformed', `WebFinger actor link is not a URL`, { url: res.url, href });
  }
  // A JRD's links and aliases are written by the server that answered, so they vouch only for
  // that server's host (reached from the handle's host) — never for a third one.
  const vouched = [host, new URL(res.url).host];
  if (actorUrl.protocol !== 'https:' || !vouched.includes(actorUrl.host)) {
    throw new KezError(
      'subject_mismatch',
      `WebFinger on ${host} points to an actor on another host (${href})`,
      { url: res.url, href },
    );
  }
  return actorUrl.href;
}

/** The actor's profile fields and summary (HTML): (name, html) pairs, summary last. */
function actorProfile(actor: Actor): ProfileText[] {
  const fields = (Array.isArray(actor.attachment) ? actor.attachment : [])
    .filter((a) => a?.type === 'PropertyValue' && typeof a.value === 'string')
    .map((a) => ({ name: typeof a.name === 'string' ? a.name : '', html: a.value as string }));
  return [...fields, ...(typeof actor.summary === 'string' ? [{ html: actor.summary }] : [])];
}

/** Compact claims: in the fields named KEZ, else in the summary. */
function compactTexts(texts: Array<{ name?: string; text: string }>): string[] {
  const kez = texts.filter((t) => t.name === 'KEZ');
  const sources = kez.length > 0 ? kez : texts.filter((t) => t.name === undefined);
  return sources.flatMap((t) => t.text.match(COMPACT) ?? []);
}

/**
 * The actor document WebFinger named, checked to be the handle's; `undefined` when the server
 * refuses unsigned reads (401/403, e.g. GoToSocial).
 */
async function fetchActor(actorUrl: string, user: string, env: ChannelEnv) {
  env.progress?.(`ap: actor ${actorUrl}`);
  const res = await env.fetch(actorUrl, {
    headers: { accept: ACTIVITY_ACCEPT },
    contentTypes: ACTIVITY_TYPES,
    passStatuses: [401, 403],
  });
  if (res.status === 401 || res.status === 403) return undefined;
  const actor = res.json() as Actor;
  // The document must be the actor WebFinger named, not one it redirects to or embeds.
  if (actor?.id !== actorUrl || res.url !== actorUrl) {
    throw new KezError(
      'subject_mismatch',
      `the actor document at ${actorUrl} is for ${String(actor?.id)}`,
      { url: actorUrl },
    );
  }
  if (typeof actor.preferredUsername !== 'string' || actor.preferredUsername.toLowerCase() !== user)
    throw new KezError(
      'subject_mismatch',
      `actor ${actorUrl} is @${String(actor.preferredUsername)}, not @${user}`,
      { url: actorUrl },
    );
  return actor;
}

export const apPlugin: ChannelPlugin = {
  name: 'ap',
  async locate(subject, env) {
    const { user, host } = splitAcct(subject.id);
    const actorUrl = await webfinger(user, host, env);
    const actor = await fetchActor(actorUrl, user, env);
    // Secure mode (AUTHORIZED_FETCH) answers an unsigned actor GET without summary and
    // attachment, and GoToSocial not at all. A signed fetch would need a key published at an
    // actor URL the instance can fetch back — a verifier on a laptop has none — so the profile
    // is read from the REST lookup of the actor's host instead, which those instances answer
    // unsigned, with the same owner check (lookupProfile).
    const withheld = !actor || (!('summary' in actor) && !('attachment' in actor));
    const profile = withheld ? await lookupProfile(user, actorUrl, env) : actorProfile(actor);
    const owner = { subject: `ap:@${user}@${host}`, stableId: actorUrl };
    const texts = profile.map((p) => ({ name: p.name, text: htmlToText(p.html) }));
    return [
      ...compactTexts(texts).map((text): Candidate => ({ location: actorUrl, text, owner })),
      ...texts.flatMap((t) => shortCandidates(t.text, actorUrl, owner)),
    ];
  },

  async publish(p, env) {
    if (!p.token)
      throw new KezError(
        'not_authorized',
        'publishing to a Mastodon profile needs an access token',
        {
          subject: p.subject.text,
        },
      );
    const { user, host } = splitAcct(p.subject.id);
    // The API lives where the actor does (WEB_DOMAIN on a split-domain instance).
    const apiHost = new URL(await webfinger(user, host, env)).host;
    // The short proof: a compact claim (~400 characters) would be cut at 255.
    const { url } = await publishField(apiHost, user, p.token, p.short, env);
    return { location: url ?? `https://${apiHost}/@${user}` };
  },
};

// ap (alias mastodon): WebFinger acct:user@host → the actor document → compact claims in the
// profile field named KEZ, else the summary (SPEC §10), and short proofs (SPEC §5.2) in every
// profile field and the summary. The owner is the actor id reached through WebFinger on the
// subject's own host; posts and replies are never read.
import { KezError } from '@kez/core';
import { htmlToText } from '../html-text.js';
import { shortCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin } from '../types.js';

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

/** The actor URL WebFinger gives for acct:user@host, checked against the host. */
async function webfinger(user: string, host: string, env: ChannelEnv): Promise<string> {
  const resource = `acct:${user}@${host}`;
  const url = `https://${host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  env.progress?.(`ap: webfinger ${resource}`);
  const jrd = (
    await env.fetch(url, {
      headers: { accept: 'application/jrd+json' },
      contentTypes: ['application/jrd+json', 'application/json'],
    })
  ).json() as Jrd;
  if (typeof jrd?.subject !== 'string' || jrd.subject.toLowerCase() !== resource) {
    throw new KezError(
      'subject_mismatch',
      `WebFinger on ${host} answered for ${String(jrd?.subject)}, not ${resource}`,
      { url },
    );
  }
  const href = selfLink(jrd);
  if (!href)
    throw new KezError(
      'no_account',
      `WebFinger on ${host} has no ActivityPub actor for ${resource}`,
      { url },
    );
  let actorUrl: URL;
  try {
    actorUrl = new URL(href);
  } catch {
    throw new KezError('malformed', `WebFinger actor link is not a URL`, { url, href });
  }
  // Same host only: a JRD's aliases are written by the same server, so they cannot vouch for another host.
  if (actorUrl.protocol !== 'https:' || actorUrl.host !== host) {
    throw new KezError(
      'subject_mismatch',
      `WebFinger on ${host} points to an actor on another host (${href})`,
      { url, href },
    );
  }
  return actorUrl.href;
}

/** The actor's profile fields and summary as text: (name, text) pairs, summary last. */
function profileTexts(actor: Actor): Array<{ name?: string; text: string }> {
  const fields = (Array.isArray(actor.attachment) ? actor.attachment : [])
    .filter((a) => a?.type === 'PropertyValue' && typeof a.value === 'string')
    .map((a) => ({
      name: typeof a.name === 'string' ? a.name : '',
      text: htmlToText(a.value as string),
    }));
  const summary = typeof actor.summary === 'string' ? [{ text: htmlToText(actor.summary) }] : [];
  return [...fields, ...summary];
}

/** Compact claims: in the fields named KEZ, else in the summary. */
function compactTexts(texts: Array<{ name?: string; text: string }>): string[] {
  const kez = texts.filter((t) => t.name === 'KEZ');
  const sources = kez.length > 0 ? kez : texts.filter((t) => t.name === undefined);
  return sources.flatMap((t) => t.text.match(COMPACT) ?? []);
}

export const apPlugin: ChannelPlugin = {
  name: 'ap',
  async locate(subject, env) {
    const { user, host } = splitAcct(subject.id);
    const actorUrl = await webfinger(user, host, env);
    env.progress?.(`ap: actor ${actorUrl}`);
    const res = await env.fetch(actorUrl, {
      headers: { accept: ACTIVITY_ACCEPT },
      contentTypes: ACTIVITY_TYPES,
    });
    const actor = res.json() as Actor;
    // The document must be the actor WebFinger named, not one it redirects to or embeds.
    if (actor?.id !== actorUrl || res.url !== actorUrl) {
      throw new KezError(
        'subject_mismatch',
        `the actor document at ${actorUrl} is for ${String(actor?.id)}`,
        { url: actorUrl },
      );
    }
    if (
      typeof actor.preferredUsername !== 'string' ||
      actor.preferredUsername.toLowerCase() !== user
    ) {
      throw new KezError(
        'subject_mismatch',
        `actor ${actorUrl} is @${String(actor.preferredUsername)}, not @${user}`,
        { url: actorUrl },
      );
    }
    const owner = {
      subject: `ap:@${actor.preferredUsername.toLowerCase()}@${host}`,
      stableId: actorUrl,
    };
    const texts = profileTexts(actor);
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
    const { host } = splitAcct(p.subject.id);
    const auth = { authorization: `Bearer ${p.token}`, accept: 'application/json' };
    const me = (
      await env.fetch(`https://${host}/api/v1/accounts/verify_credentials`, {
        headers: auth,
        contentTypes: ['application/json'],
      })
    ).json() as { source?: { fields?: Array<{ name?: unknown; value?: unknown }> } };
    // Keep the user's other profile fields; replace only the KEZ one.
    const fields = (me.source?.fields ?? [])
      .filter((f) => typeof f?.name === 'string' && typeof f.value === 'string' && f.name !== 'KEZ')
      .map((f) => ({ name: f.name as string, value: f.value as string }));
    // Mastodon keeps 255 characters of a field value: a compact claim would be cut short.
    fields.push({ name: 'KEZ', value: p.short });
    const res = await env.fetch(`https://${host}/api/v1/accounts/update_credentials`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ fields_attributes: fields }),
      contentTypes: ['application/json'],
      maxRedirects: 0,
    });
    const account = res.json() as { url?: unknown };
    return {
      location:
        typeof account.url === 'string'
          ? account.url
          : `https://${host}/@${splitAcct(p.subject.id).user}`,
    };
  },
};

// NIP-39 external identities (https://github.com/nostr-protocol/nips/blob/master/39.md): a
// kind 10011 replaceable event by a nostr account whose `i` tags name its other accounts,
// ["i", "platform:identity", proof]. kez publishes one listing the identity's verified
// accounts, so nostr clients show them; and reads them back only as hints of where to look:
// an `i` tag is the account holder's word, never a proof (the chain and each place decide).
import { KezError, isKezError, parseSubject } from '@kez/core';
import type { ChannelEnv } from '../types.js';
import { checkedEvents, ownerSubjectOf, pubkeyHexOf, signEvent } from './nostr-event.js';
import { eachRelay } from './nostr-relay-client.js';

export const EXTERNAL_IDENTITIES_KIND = 10011;
/** `i` tags read from one event: a client list longer than this is not a person's accounts. */
const MAX_HINTS = 64;

/** One account a NIP-39 event names, and what the verifier made of it. */
export interface IdentityHint {
  subject: string;
  /** The nostr account whose event named it. */
  from: string;
  /** The tag's proof value (for kez: where its proof lives). */
  proof: string;
}

/**
 * The `i` tag for a KEZ subject. NIP-39's own platforms keep their spelling (ap accounts as
 * `mastodon:<host>/@<user>`); the others are the KEZ subject, whose channel names satisfy
 * NIP-39's provider rule (`a-z0-9._-/`, no ':'). The proof is where the KEZ proof lives; the
 * third value (clients must accept more than two) is the KEZ identity.
 */
export function identityTag(subject: string, proof: string, identity: string): string[] {
  const s = parseSubject(subject);
  if (s.channel === 'ap') {
    const [, user, host] = s.id.split('@');
    return ['i', `mastodon:${host}/@${user}`, proof, identity];
  }
  return ['i', s.text, proof, identity];
}

/** The canonical KEZ subject an `i` tag names, or undefined for one kez cannot read. */
export function subjectOfTag(tag: unknown): string | undefined {
  if (!Array.isArray(tag) || tag[0] !== 'i' || typeof tag[1] !== 'string') return undefined;
  const m = /^mastodon:([^/]+)\/@([^/@]+)$/.exec(tag[1]);
  try {
    return parseSubject(m ? `ap:@${m[2]}@${m[1]}` : tag[1]).text;
  } catch (e) {
    if (!isKezError(e)) throw e;
    return undefined;
  }
}

/** Publishes the kind 10011 event, signed by the nostr account's own secret key. */
export async function publishExternalIdentities(
  secret: Uint8Array,
  accounts: Array<{ subject: string; proof: string }>,
  identity: string,
  env: ChannelEnv,
  now: number,
): Promise<{ event: string; relays: string[] }> {
  const event = signEvent(secret, {
    kind: EXTERNAL_IDENTITIES_KIND,
    created_at: now,
    tags: accounts.map((a) => identityTag(a.subject, a.proof, identity)),
    content: '',
  });
  const outcomes = await eachRelay(env.config.nostrRelays, env, (s) => s.publish(event));
  const accepted = outcomes.filter((o) => o.value?.accepted).map((o) => o.relay);
  if (accepted.length === 0)
    throw (
      outcomes.find((o) => o.error)?.error ??
      new KezError('network', 'no relay accepted the external identities event', {
        relays: outcomes.map((o) => o.relay),
      })
    );
  return { event: event.id, relays: accepted };
}

/**
 * The accounts a nostr account's newest kind 10011 event names, as hints. Only events whose
 * signature verifies and whose author is the account count; unreadable relays give no hints.
 */
export async function readExternalIdentities(
  npub: string,
  env: ChannelEnv,
): Promise<IdentityHint[]> {
  const pubkey = pubkeyHexOf(npub);
  if (env.config.nostrRelays.length === 0) return [];
  const filter = { kinds: [EXTERNAL_IDENTITIES_KIND], authors: [pubkey], limit: 4 };
  const limits = { maxEvents: 4, maxBytes: 256 * 1024 };
  const outcomes = await eachRelay(env.config.nostrRelays, env, (s) => s.query(filter, limits));
  let newest: ReturnType<typeof checkedEvents>['events'][number]['event'] | undefined;
  for (const { event } of checkedEvents(outcomes).events)
    if (event.kind === EXTERNAL_IDENTITIES_KIND && event.pubkey === pubkey)
      if (!newest || event.created_at > newest.created_at) newest = event;
  const from = ownerSubjectOf(pubkey);
  const hints: IdentityHint[] = [];
  for (const tag of newest?.tags.slice(0, MAX_HINTS) ?? []) {
    const subject = subjectOfTag(tag);
    if (subject && !hints.some((h) => h.subject === subject))
      hints.push({ subject, from, proof: typeof tag[2] === 'string' ? tag[2] : '' });
  }
  return hints;
}

// Sigchains on nostr relays (SPEC §10): each chain event is a kind 7779 event whose content is
// the event's JCS line, tagged ["i", identity] and ["seq", n]. Relays are open bulletin boards:
// anyone can post under any `i` tag, so what comes back (nostr-chain-read) is narrowed to the
// events that extend the chain from its genesis (chain-walk) before the verifier folds it. The KEZ signatures are the authority, so the nostr
// key that wraps an event does not matter: by default a fresh one per publish. A wrapper is
// dated max(publisher's now, the event's created_at), not the event's own time: relays refuse
// old events (strfry: older than 3 years), and an identity's genesis only gets older. The
// events of one publish get the seconds up to now, one each (the reader takes a full page of
// one second as possibly hiding more, SPEC §10), and never a future second. Two
// wrappers of one chain event (republished) are one event to readers: chain-walk keys by hash.
import { KezError, canonicalize, objectHash, type ChainEvent } from '@kez/core';
import { generateSecretKey } from 'nostr-tools/pure';
import { chainFrom } from './chain-walk.js';
import { CHAIN_KIND, signEvent } from './channels/nostr-event.js';
import {
  eachRelay,
  relayRefusal,
  withRelay,
  type RelaySession,
} from './channels/nostr-relay-client.js';
import { limitationRefusal, relayLimitation } from './channels/nostr-relay-info.js';
import { readChainEvents, type RelayRead } from './nostr-chain-read.js';
import type { ChainTransport, ChannelEnv } from './types.js';

/**
 * Whether what a relay left unread could hold part of the chain: anything at or after the
 * genesis' created_at (chain events never go back in time), or anything at all when no
 * genesis was found.
 */
function unreadMatters(read: RelayRead, chain: ChainEvent[]): boolean {
  const from = chain[0]?.created_at ?? Number.NEGATIVE_INFINITY;
  const { seconds, upTo } = read.unread;
  return (upTo !== undefined && upTo >= from) || seconds.some((t) => t >= from);
}

/**
 * The chain as the given relays hold it together, folded at the caller's `now`; [] when none
 * has it. Throws when every relay failed, and `unreachable` when a read bound left unread
 * what could be part of the chain (junk must not make it `invalid` or `not_found`).
 */
export async function fetchChainFromRelays(
  identity: string,
  relays: string[],
  env: ChannelEnv,
  now: number,
): Promise<ChainEvent[]> {
  env.progress?.(`nostr: kind ${CHAIN_KIND} events for ${identity} on ${relays.length} relay(s)`);
  const outcomes = await eachRelay(relays, env, (s) => readChainEvents(s, identity));
  if (outcomes.length > 0 && outcomes.every((o) => o.error)) throw outcomes[0]!.error!;
  const reads = outcomes.flatMap((o) => (o.value ? [{ relay: o.relay, read: o.value }] : []));
  const chain = chainFrom(
    identity,
    reads.flatMap((r) => r.read.events),
    now,
  );
  const cut = reads.find((r) => unreadMatters(r.read, chain));
  if (cut) {
    const { bound, seconds } = cut.read.unread;
    throw new KezError(
      'network',
      `${cut.relay}: could not read all of ${identity}'s chain events (${bound ?? `a second holding more events than the relay shows: ${seconds.join(', ')}`})`,
      { url: cut.relay, bound: bound ?? 'events per second', seconds },
    );
  }
  return chain;
}

/** The publisher's clock (Unix seconds): the transport interface carries no `now`. */
const wallNow = () => Math.floor(Date.now() / 1000);

/** Posts the events one relay lacks (by KEZ hash), in seq order; returns how many it accepted. */
async function publishMissing(
  s: RelaySession,
  identity: string,
  events: ChainEvent[],
  secret: Uint8Array,
  now: number,
): Promise<number> {
  const limitation = await relayLimitation(s.url, s.env);
  const have = new Set((await readChainEvents(s, identity)).events.map((e) => objectHash(e)));
  const missing = [...events].sort((a, b) => a.seq - b.seq).filter((e) => !have.has(objectHash(e)));
  let added = 0;
  for (const [i, event] of missing.entries()) {
    const wrapper = signEvent(secret, {
      kind: CHAIN_KIND,
      created_at: Math.max(now - (missing.length - 1 - i), event.created_at),
      tags: [
        ['i', identity],
        ['seq', String(event.seq)],
        ['alt', `KEZ sigchain event ${event.seq} of ${identity}`],
      ],
      content: canonicalize(event),
    });
    const limit = limitationRefusal(limitation, wrapper, now);
    if (limit)
      throw new KezError(
        limit.code,
        `${s.url}: not sending chain event seq ${event.seq}: ${limit.reason}`,
        { url: s.url, seq: event.seq },
      );
    const ok = await s.publish(wrapper);
    if (!ok.accepted) {
      throw new KezError(
        relayRefusal(ok.message),
        `${s.url} refused chain event seq ${event.seq}: ${ok.message}`,
        { url: s.url, seq: event.seq, message: ok.message },
      );
    }
    added++;
  }
  return added;
}

/**
 * Publishes a chain's events to relays. `secret` is the nostr key that wraps them (default: a
 * fresh key; the KEZ signatures inside are what verifiers trust); `now` the publisher's clock
 * (default the wall clock), the earliest date a wrapper gets.
 */
export async function publishChainToRelays(
  identity: string,
  events: ChainEvent[],
  relays: string[],
  env: ChannelEnv,
  opts: { secret?: Uint8Array; now?: number } = {},
): Promise<Array<{ relay: string; added?: number; error?: KezError }>> {
  const secret = opts.secret ?? generateSecretKey();
  const now = opts.now ?? wallNow();
  const outcomes = await eachRelay(relays, env, (s) =>
    publishMissing(s, identity, events, secret, now),
  );
  return outcomes.map((o) =>
    o.error ? { relay: o.relay, error: o.error } : { relay: o.relay, added: o.value! },
  );
}

/** Nostr relays as a chain transport (wss/ws locators). */
export const nostrChainTransport: ChainTransport = {
  name: 'nostr',
  schemes: ['wss', 'ws'],
  fetchChain: (locator, identity, env, now) => fetchChainFromRelays(identity, [locator], env, now),
  async publishEvents(locator, identity, events, env) {
    const added = await withRelay(locator, env, (s) =>
      publishMissing(s, identity, events, generateSecretKey(), wallNow()),
    );
    return { added };
  },
};

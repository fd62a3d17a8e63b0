// Sigchains on nostr relays (SPEC §10): each chain event is a kind 7779 event whose content is
// the event's JCS line, tagged ["i", identity] and ["seq", n]. Relays are open bulletin boards:
// anyone can post under any `i` tag, so what comes back is narrowed to the events that extend
// the chain from its genesis (junk is dropped, competing valid events are kept as fork
// evidence) before the verifier folds it. The KEZ signatures are the authority, so the nostr
// key that wraps an event does not matter: by default a fresh one per publish.
import {
  KezError,
  MAX_CHAIN_BYTES,
  applyEvent,
  canonicalize,
  decodeJson,
  objectHash,
  type ChainEvent,
  type ChainState,
} from '@kez/core';
import { generateSecretKey } from 'nostr-tools/pure';
import { CHAIN_KIND, checkEvent, signEvent, tagValue } from './channels/nostr-event.js';
import { eachRelay, withRelay, type RelaySession } from './channels/nostr-relay-client.js';
import type { ChainTransport, ChannelEnv } from './types.js';

/** Events asked for per REQ (relays may cap it lower; paging copes). */
const PAGE_EVENTS = 500;
const MAX_PAGES = 256;

/**
 * Raw events a relay holds under the identity's `i` tag, newest first, paged with `until`
 * (inclusive, so each page repeats the previous boundary; paging stops when a page brings
 * nothing new). Only single-letter tags are filterable on relays (NIP-01), hence `#i`, not
 * `#seq`. Wrappers carry their chain event's created_at, so pages follow chain order; a
 * relay holding more than a page of events with one created_at can withhold the rest, as any
 * relay can withhold (sig-servers and rollback detection bound that).
 */
async function rawChainEvents(s: RelaySession, identity: string): Promise<unknown[]> {
  const seen = new Map<string, unknown>();
  let bytes = 0;
  let until: number | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const filter = {
      kinds: [CHAIN_KIND],
      '#i': [identity],
      limit: PAGE_EVENTS,
      ...(until === undefined ? {} : { until }),
    };
    const got = await s.query(filter, {
      maxEvents: PAGE_EVENTS,
      maxBytes: MAX_CHAIN_BYTES - bytes,
    });
    let fresh = 0;
    for (const e of got) {
      const { id, created_at: at } = (e ?? {}) as { id?: unknown; created_at?: unknown };
      if (typeof id !== 'string' || seen.has(id)) continue;
      seen.set(id, e);
      fresh++;
      bytes += JSON.stringify(e).length;
      if (typeof at === 'number' && (until === undefined || at < until)) until = at;
    }
    if (fresh === 0) break;
  }
  return [...seen.values()];
}

/** The KEZ chain events inside relay events: signature-checked wrappers for this identity only. */
function unwrap(raw: unknown[], identity: string, where: string): ChainEvent[] {
  const out: ChainEvent[] = [];
  for (const value of raw) {
    try {
      const wrapper = checkEvent(value, where);
      if (wrapper.kind !== CHAIN_KIND || tagValue(wrapper, 'i') !== identity) continue;
      const obj = decodeJson(wrapper.content);
      if (obj.type === 'event') out.push(obj);
    } catch (e) {
      if (!(e instanceof KezError)) throw e; // a broken wrapper or line is junk, not the chain's fault
    }
  }
  return out;
}

/**
 * The events that extend the identity's chain from genesis, seq by seq. At a seq where two or
 * more events apply, all of them are kept (fork evidence for verifyChain) and the walk stops.
 */
export function chainFrom(identity: string, events: ChainEvent[], now: number): ChainEvent[] {
  const bySeq = new Map<number, Map<string, ChainEvent>>();
  for (const e of events) {
    const at = bySeq.get(e.seq) ?? new Map<string, ChainEvent>();
    at.set(objectHash(e), e);
    bySeq.set(e.seq, at);
  }
  const kept: ChainEvent[] = [];
  let state: ChainState | null = null;
  for (let seq = 0; bySeq.has(seq); seq++) {
    const extending: Array<{ event: ChainEvent; next: ChainState }> = [];
    for (const event of bySeq.get(seq)!.values()) {
      try {
        const next = applyEvent(state, event, { now });
        if (next.identity === identity) extending.push({ event, next });
      } catch (e) {
        if (!(e instanceof KezError)) throw e;
      }
    }
    kept.push(...extending.map((x) => x.event));
    if (extending.length !== 1) break;
    state = extending[0]!.next;
  }
  return kept;
}

/** The chain as the given relays hold it together; [] when none has it. Throws when every relay failed. */
export async function fetchChainFromRelays(
  identity: string,
  relays: string[],
  env: ChannelEnv,
): Promise<ChainEvent[]> {
  env.progress?.(`nostr: kind ${CHAIN_KIND} events for ${identity} on ${relays.length} relay(s)`);
  const outcomes = await eachRelay(relays, env, (s) => rawChainEvents(s, identity));
  if (outcomes.length > 0 && outcomes.every((o) => o.error)) throw outcomes[0]!.error!;
  const events = outcomes.flatMap((o) => unwrap(o.value ?? [], identity, o.relay));
  return chainFrom(identity, events, Math.floor(Date.now() / 1000));
}

/** Posts the events one relay lacks (by KEZ hash), in seq order; returns how many it accepted. */
async function publishMissing(
  s: RelaySession,
  identity: string,
  events: ChainEvent[],
  secret: Uint8Array,
): Promise<number> {
  const have = new Set(
    unwrap(await rawChainEvents(s, identity), identity, s.url).map((e) => objectHash(e)),
  );
  let added = 0;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (have.has(objectHash(event))) continue;
    const wrapper = signEvent(secret, {
      kind: CHAIN_KIND,
      created_at: event.created_at,
      tags: [
        ['i', identity],
        ['seq', String(event.seq)],
        ['alt', `KEZ sigchain event ${event.seq} of ${identity}`],
      ],
      content: canonicalize(event),
    });
    const ok = await s.publish(wrapper);
    if (!ok.accepted) {
      throw new KezError(
        ok.message.startsWith('rate-limited:') ? 'rate_limited' : 'network',
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
 * fresh key; the KEZ signatures inside are what verifiers trust).
 */
export async function publishChainToRelays(
  identity: string,
  events: ChainEvent[],
  relays: string[],
  env: ChannelEnv,
  opts: { secret?: Uint8Array } = {},
): Promise<Array<{ relay: string; added?: number; error?: KezError }>> {
  const secret = opts.secret ?? generateSecretKey();
  const outcomes = await eachRelay(relays, env, (s) => publishMissing(s, identity, events, secret));
  return outcomes.map((o) =>
    o.error ? { relay: o.relay, error: o.error } : { relay: o.relay, added: o.value! },
  );
}

/** Nostr relays as a chain transport (wss/ws locators). */
export const nostrChainTransport: ChainTransport = {
  name: 'nostr',
  schemes: ['wss', 'ws'],
  fetchChain: (locator, identity, env) => fetchChainFromRelays(identity, [locator], env),
  async publishEvents(locator, identity, events, env) {
    const added = await withRelay(locator, env, (s) =>
      publishMissing(s, identity, events, generateSecretKey()),
    );
    return { added };
  },
};

// Sigchains on nostr relays (SPEC §10): each chain event is a kind 7779 event whose content is
// the event's JCS line, tagged ["i", identity] and ["seq", n]. Relays are open bulletin boards:
// anyone can post under any `i` tag, so what comes back is narrowed to the events that extend
// the chain from its genesis (junk is dropped, competing valid events are kept as fork
// evidence) before the verifier folds it. The KEZ signatures are the authority, so the nostr
// key that wraps an event does not matter: by default a fresh one per publish.
import { KezError, applyEvent, canonicalize, decodeJson, objectHash, type ChainEvent, type ChainState } from '@kez/core';
import { generateSecretKey } from 'nostr-tools/pure';
import { CHAIN_KIND, checkEvent, signEvent, tagValue } from './channels/nostr-event.js';
import { eachRelay, withRelay, type RelaySession } from './channels/nostr-relay-client.js';
import type { ChainTransport, ChannelEnv } from './types.js';

/** Seqs asked for per REQ, as exact `#seq` values (relays cap tag lists at a few hundred). */
const SEQ_BATCH = 64;
/** Events accepted per REQ: room for several candidates per seq. */
const BATCH_EVENTS = 512;
/** A whole chain on the wire from one relay (as for sig-servers). */
const MAX_CHAIN_BYTES = 16 << 20;
/** The longest chain looked for. */
const MAX_SEQ = 1 << 16;

/** Raw events a relay holds for the identity, batch by batch until a batch ends the chain. */
async function rawChainEvents(s: RelaySession, identity: string): Promise<unknown[]> {
  const all: unknown[] = [];
  let bytes = 0;
  for (let first = 0; first < MAX_SEQ; first += SEQ_BATCH) {
    const seqs = Array.from({ length: SEQ_BATCH }, (_, i) => String(first + i));
    const page = await s.query({ kinds: [CHAIN_KIND], '#i': [identity], '#seq': seqs, limit: BATCH_EVENTS },
      { maxEvents: BATCH_EVENTS, maxBytes: MAX_CHAIN_BYTES - bytes });
    bytes += page.reduce<number>((n, e) => n + JSON.stringify(e).length, 0);
    all.push(...page);
    // Chains are contiguous: when the batch's last seq is absent, nothing follows it.
    const last = seqs[SEQ_BATCH - 1];
    if (!page.some((e) => (e as { tags?: unknown[] })?.tags?.some((t) => Array.isArray(t) && t[0] === 'seq' && t[1] === last))) break;
  }
  return all;
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
export async function fetchChainFromRelays(identity: string, relays: string[], env: ChannelEnv): Promise<ChainEvent[]> {
  env.progress?.(`nostr: kind ${CHAIN_KIND} events for ${identity} on ${relays.length} relay(s)`);
  const outcomes = await eachRelay(relays, env, (s) => rawChainEvents(s, identity));
  if (outcomes.length > 0 && outcomes.every((o) => o.error)) throw outcomes[0]!.error!;
  const events = outcomes.flatMap((o) => unwrap(o.value ?? [], identity, o.relay));
  return chainFrom(identity, events, Math.floor(Date.now() / 1000));
}

/** Posts the events one relay lacks (by KEZ hash), in seq order; returns how many it accepted. */
async function publishMissing(s: RelaySession, identity: string, events: ChainEvent[], secret: Uint8Array): Promise<number> {
  const have = new Set(unwrap(await rawChainEvents(s, identity), identity, s.url).map((e) => objectHash(e)));
  let added = 0;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (have.has(objectHash(event))) continue;
    const wrapper = signEvent(secret, {
      kind: CHAIN_KIND,
      tags: [['i', identity], ['seq', String(event.seq)], ['alt', `KEZ sigchain event ${event.seq} of ${identity}`]],
      content: canonicalize(event),
    });
    const ok = await s.publish(wrapper);
    if (!ok.accepted) {
      throw new KezError(ok.message.startsWith('rate-limited:') ? 'rate_limited' : 'network',
        `${s.url} refused chain event seq ${event.seq}: ${ok.message}`, { url: s.url, seq: event.seq, message: ok.message });
    }
    added++;
  }
  return added;
}

/**
 * Publishes a chain's events to relays. `secret` is the nostr key that wraps them (default: a
 * fresh key; the KEZ signatures inside are what verifiers trust).
 */
export async function publishChainToRelays(identity: string, events: ChainEvent[], relays: string[], env: ChannelEnv,
  opts: { secret?: Uint8Array } = {}): Promise<Array<{ relay: string; added?: number; error?: KezError }>> {
  const secret = opts.secret ?? generateSecretKey();
  const outcomes = await eachRelay(relays, env, (s) => publishMissing(s, identity, events, secret));
  return outcomes.map((o) => (o.error ? { relay: o.relay, error: o.error } : { relay: o.relay, added: o.value! }));
}

/** Nostr relays as a chain transport (wss/ws locators). */
export const nostrChainTransport: ChainTransport = {
  name: 'nostr',
  schemes: ['wss', 'ws'],
  fetchChain: (locator, identity, env) => fetchChainFromRelays(identity, [locator], env),
  async publishEvents(locator, identity, events, env) {
    const added = await withRelay(locator, env, (s) => publishMissing(s, identity, events, generateSecretKey()));
    return { added };
  },
};

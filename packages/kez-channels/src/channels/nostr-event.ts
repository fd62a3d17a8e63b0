// NIP-01 events as KEZ uses them: shape check + signature check of what relays return,
// signing of what we publish, and the npub ↔ hex mapping of nostr accounts.
import { KezError, isKezError, parseKeyId, toHex } from '@kez/core';
import { finalizeEvent, verifyEvent, type Event as NostrEvent } from 'nostr-tools/pure';
import { validateEvent } from 'nostr-tools/core';
import { npubEncode } from 'nostr-tools/nip19';

export type { NostrEvent };

/** SPEC §10: an addressable event holding a compact claim, `d` = identity id. */
export const PROOF_KIND = 30779;
/** SPEC §10: a regular event holding one sigchain event's JCS line, tags `i` and `seq`. */
export const CHAIN_KIND = 7779;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** The 32-byte x-only key (hex) of a nostr account id `npub1…` (throws KezError bad_key). */
export function pubkeyHexOf(npub: string): string {
  return toHex(parseKeyId(`nostr:${npub}`).publicKey);
}

/** The canonical subject of the account that signed an event. */
export function ownerSubjectOf(pubkeyHex: string): string {
  return `nostr:${npubEncode(pubkeyHex)}`;
}

/**
 * Checks a value a relay sent as an event: NIP-01 shape, `id` = hash of the serialized event,
 * BIP-340 signature by `pubkey`. Relays are untrusted, so this runs on every event received.
 */
export function checkEvent(value: unknown, where: string): NostrEvent {
  const e = value as Partial<NostrEvent> | null;
  if (
    !validateEvent(e) ||
    !Number.isSafeInteger(e.created_at) ||
    e.created_at < 0 ||
    !Number.isSafeInteger(e.kind) ||
    typeof e.id !== 'string' ||
    !HEX64.test(e.id) ||
    typeof e.sig !== 'string' ||
    !HEX128.test(e.sig)
  ) {
    throw new KezError('malformed', `${where}: not a NIP-01 event`, { location: where });
  }
  const event = e as NostrEvent;
  // A fresh copy: verifyEvent caches its answer on the object it is given.
  if (!verifyEvent({ ...event })) {
    throw new KezError(
      'bad_signature',
      `${where}: nostr event ${event.id} has a bad id or signature`,
      { location: where, event_id: event.id, pubkey: event.pubkey },
    );
  }
  return event;
}

/**
 * The events relays sent that pass checkEvent, each with its relay; the refused ones' errors
 * apart (a caller may report them when nothing else was found).
 */
export function checkedEvents(outcomes: Array<{ relay: string; value?: unknown[] }>): {
  events: Array<{ relay: string; event: NostrEvent }>;
  rejected: KezError[];
} {
  const events: Array<{ relay: string; event: NostrEvent }> = [];
  const rejected: KezError[] = [];
  for (const { relay, value } of outcomes)
    for (const raw of value ?? []) {
      try {
        events.push({ relay, event: checkEvent(raw, relay) });
      } catch (e) {
        if (!isKezError(e)) throw e;
        rejected.push(e);
      }
    }
  return { events, rejected };
}

/** The first value of the first tag named `name`, if any. */
export function tagValue(event: NostrEvent, name: string): string | undefined {
  return event.tags.find((t) => t[0] === name)?.[1];
}

/** Signs an event with a nostr secret key (32 bytes). */
export function signEvent(
  secret: Uint8Array,
  template: { kind: number; tags: string[][]; content: string; created_at: number },
): NostrEvent {
  return finalizeEvent(template, secret);
}

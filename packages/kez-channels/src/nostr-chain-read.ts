// Reading one identity's kind-7779 events from one relay so that junk cannot defeat it
// (SPEC §10): paging always makes progress, junk is dropped as it arrives (only KEZ events for
// this identity are held), and every bound is reported as what was left unread — the caller
// decides whether that could hide part of the chain (then `unreachable`, never `invalid`).
import { isKezError, decodeJson, type ChainEvent } from '@kez/core';
import { plausibleEvent } from './chain-walk.js';
import { CHAIN_KIND, checkEvent, tagValue } from './channels/nostr-event.js';
import type { RelaySession } from './channels/nostr-relay-client.js';
import {
  MAX_CHAIN_BYTES,
  MAX_RELAY_PAGE_BYTES,
  MAX_RELAY_PAGES,
  MAX_RELAY_READ_BYTES,
  RELAY_PAGE_EVENTS,
} from './read-limits.js';

export interface RelayRead {
  /** Signed KEZ events naming this identity (or its genesis): what could be its chain. */
  events: ChainEvent[];
  /**
   * Seconds (created_at) at which the relay may hold events it did not show: a second that
   * fills a whole page again, or everything at or before the point where a bound stopped the
   * read (`upTo`).
   */
  unread: { seconds: number[]; upTo?: number; bound?: string };
}

/** The KEZ chain event inside a relay event, or null for junk (dropped, never held). */
function unwrap(value: unknown, identity: string, where: string): ChainEvent | null {
  try {
    const wrapper = checkEvent(value, where);
    if (wrapper.kind !== CHAIN_KIND || tagValue(wrapper, 'i') !== identity) return null;
    const obj = decodeJson(wrapper.content);
    return obj.type === 'event' && plausibleEvent(obj, identity) ? obj : null;
  } catch (e) {
    if (isKezError(e)) return null; // a broken wrapper or line is junk, not the chain's fault
    throw e;
  }
}

/**
 * Pages backwards with `until`: inclusive while a page brings new events (the rest of its
 * oldest second may follow), exclusive (`until − 1`) once a page brings nothing new, so every
 * page either adds events or moves past a second. Only single-letter tags are filterable
 * (NIP-01), hence `#i`, not `#seq`; the wrapping nostr key is fresh per publish, so authors
 * cannot narrow it. An answer over the page byte bound is asked for again with half the limit.
 */
export async function readChainEvents(s: RelaySession, identity: string): Promise<RelayRead> {
  const ids = new Set<string>();
  const events: ChainEvent[] = [];
  const seconds: number[] = [];
  let read = 0;
  let held = 0;
  let limit = RELAY_PAGE_EVENTS;
  let widest = 0;
  let until: number | undefined;
  const stop = (bound: string): RelayRead => ({
    events,
    unread: { seconds, upTo: until ?? Number.MAX_SAFE_INTEGER, bound },
  });
  for (let page = 0; page < MAX_RELAY_PAGES; page++) {
    if (read >= MAX_RELAY_READ_BYTES) return stop(`${MAX_RELAY_READ_BYTES} bytes read`);
    const filter = {
      kinds: [CHAIN_KIND],
      '#i': [identity],
      limit,
      ...(until === undefined ? {} : { until }),
    };
    let got: unknown[];
    try {
      got = await s.query(filter, {
        maxEvents: limit,
        maxBytes: Math.min(MAX_RELAY_PAGE_BYTES, MAX_RELAY_READ_BYTES - read),
      });
    } catch (e) {
      if (!isKezError(e) || e.code !== 'too_large') throw e;
      if (limit === 1) return stop('an answer over the page bound at limit 1');
      read += MAX_RELAY_PAGE_BYTES;
      limit = Math.ceil(limit / 2);
      continue;
    }
    if (got.length === 0) return { events, unread: { seconds } };
    widest = Math.max(widest, got.length);
    let fresh = 0;
    let oldest = Number.MAX_SAFE_INTEGER;
    let newest = 0;
    for (const value of got) {
      const { id, created_at: at } = (value ?? {}) as { id?: unknown; created_at?: unknown };
      const size = JSON.stringify(value ?? null).length;
      read += size;
      if (typeof at === 'number') {
        oldest = Math.min(oldest, at);
        newest = Math.max(newest, at);
      }
      if (typeof id !== 'string' || ids.has(id)) continue;
      ids.add(id);
      fresh++;
      const event = unwrap(value, identity, s.url);
      if (!event) continue;
      held += size;
      if (held > MAX_CHAIN_BYTES) return stop(`${MAX_CHAIN_BYTES} bytes of chain events`);
      events.push(event);
    }
    if (oldest === Number.MAX_SAFE_INTEGER) return stop('events without created_at');
    if (fresh > 0) until = oldest;
    else {
      // Nothing new: the relay re-served the page. A page that is one second only and as full
      // as any answer may hide more events of that second than the relay will show.
      if (oldest === newest && got.length >= widest) seconds.push(oldest);
      until = oldest - 1;
    }
    if (until < 0) return { events, unread: { seconds } };
  }
  return stop(`${MAX_RELAY_PAGES} pages`);
}

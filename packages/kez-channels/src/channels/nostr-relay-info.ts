// NIP-11 relay information (https://github.com/nostr-protocol/nips/blob/master/11.md): the
// relay's URL over http(s) with `Accept: application/nostr+json`. Before publishing, kez reads
// its `limitation` and does not send an event the relay says it will refuse, naming the
// limit instead. The document is optional: a relay without one (or a broken one) is tried.
import { isKezError, type Code } from '@kez/core';
import type { ChannelEnv } from '../types.js';
import type { NostrEvent } from './nostr-event.js';

export interface RelayLimitation {
  max_message_length?: number;
  max_content_length?: number;
  /** Seconds before now (NIP-11's examples are relative: 31536000, 3); 0 = none. */
  created_at_lower_limit?: number;
  created_at_upper_limit?: number;
  auth_required?: boolean;
  restricted_writes?: boolean;
}

const MAX_INFO_BYTES = 64 << 10;
const TYPES = ['application/nostr+json', 'application/json'];
/** The document only tunes publishing: a slow one is skipped, not waited for. */
const INFO_WAIT_MS = 5_000;

const positive = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;

/** The relay's advertised limitation, or {} when it serves no usable NIP-11 document. */
export async function relayLimitation(relay: string, env: ChannelEnv): Promise<RelayLimitation> {
  let url: URL;
  try {
    url = new URL(relay);
  } catch {
    return {};
  }
  url.protocol = url.protocol === 'ws:' ? 'http:' : 'https:';
  try {
    const res = await env.fetch(url.href, {
      headers: { accept: 'application/nostr+json' },
      contentTypes: TYPES,
      maxBytes: MAX_INFO_BYTES,
      maxRedirects: 0,
      timeoutMs: Math.min(INFO_WAIT_MS, env.config.timeouts.totalMs),
    });
    const l = (res.json() as { limitation?: Record<string, unknown> } | null)?.limitation;
    if (!l || typeof l !== 'object') return {};
    return {
      max_message_length: positive(l.max_message_length),
      max_content_length: positive(l.max_content_length),
      created_at_lower_limit: positive(l.created_at_lower_limit),
      created_at_upper_limit: positive(l.created_at_upper_limit),
      auth_required: l.auth_required === true,
      restricted_writes: l.restricted_writes === true,
    };
  } catch (e) {
    if (!isKezError(e)) throw e;
    return {}; // no document: NIP-11 is optional
  }
}

/**
 * Why the relay's limitation refuses `event` (publishing at `now`), or null: a size over a
 * limit is too_large; a time outside the relay's window is the relay's refusal (network, as
 * its `invalid:` OK would be).
 */
export function limitationRefusal(
  l: RelayLimitation,
  event: NostrEvent,
  now: number,
): { code: Code; reason: string } | null {
  const message = Buffer.byteLength(JSON.stringify(['EVENT', event]));
  if (l.max_message_length !== undefined && message > l.max_message_length)
    return {
      code: 'too_large',
      reason: `the event message is ${message} bytes, over the relay's max_message_length ${l.max_message_length} (NIP-11)`,
    };
  const content = [...event.content].length;
  if (l.max_content_length !== undefined && content > l.max_content_length)
    return {
      code: 'too_large',
      reason: `the content is ${content} characters, over the relay's max_content_length ${l.max_content_length} (NIP-11)`,
    };
  if (l.created_at_lower_limit !== undefined && event.created_at < now - l.created_at_lower_limit)
    return {
      code: 'network',
      reason: `created_at ${event.created_at} is older than the relay's created_at_lower_limit of ${l.created_at_lower_limit} s (NIP-11)`,
    };
  if (l.created_at_upper_limit !== undefined && event.created_at > now + l.created_at_upper_limit)
    return {
      code: 'network',
      reason: `created_at ${event.created_at} is further ahead than the relay's created_at_upper_limit of ${l.created_at_upper_limit} s (NIP-11)`,
    };
  return null;
}

// nostr: kind 30779 events by the account's key on the configured relays (SPEC §10), content
// a compact claim or a short proof, and short proofs (SPEC §5.2) in the `about` of the
// account's newest kind 0 metadata. The owner is the pubkey of an event whose NIP-01
// signature verifies; relays are untrusted and may return anything, so every event is checked
// here and its own pubkey names its owner.
import { KezError, isKezError, fromHex, nsecDecode } from '@kez/core';
import { getPublicKey } from 'nostr-tools/pure';
import { proofCandidates, shortCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin, PublishAttempt } from '../types.js';
import {
  PROOF_KIND,
  checkedEvents,
  ownerSubjectOf,
  pubkeyHexOf,
  signEvent,
  type NostrEvent,
} from './nostr-event.js';
import { eachRelay, relayRefusal, withRelay, type RelayOutcome } from './nostr-relay-client.js';
import { limitationRefusal, relayLimitation } from './nostr-relay-info.js';

/** One addressable event per identity: a handful is plenty, more is a hostile relay. */
const MAX_PROOF_EVENTS = 64;
/** NIP-01 kind 0: user metadata, content a JSON object (`about` is the profile text). */
const METADATA_KIND = 0;

/** The `about` text of a kind 0 event's JSON content, if any. */
function aboutOf(content: string): string | undefined {
  try {
    const about = (JSON.parse(content) as { about?: unknown } | null)?.about;
    return typeof about === 'string' ? about : undefined;
  } catch {
    return undefined; // metadata that is not JSON holds no proof
  }
}

/** The nostr secret from the publish token: `nsec1…` or 64 hex digits. Never echoed. */
export function nostrSecret(token: string | undefined): Uint8Array {
  if (!token)
    throw new KezError(
      'not_authorized',
      "publishing to nostr needs the account's secret key (nsec1… or hex) as the token",
    );
  const t = token.trim();
  if (t.startsWith('nsec1')) return nsecDecode(t);
  if (/^[0-9a-f]{64}$/.test(t)) return fromHex(t, 32);
  throw new KezError(
    'bad_key',
    'the nostr token must be an nsec1… key or 64 lower-case hex digits',
  );
}

function relaysOf(env: ChannelEnv): string[] {
  if (env.config.nostrRelays.length === 0)
    throw new KezError('network', 'no nostr relays are configured', {});
  return env.config.nostrRelays;
}

/** When nothing usable came back, the first relay failure decides (retryable beats proof-less). */
function firstFailure<T>(outcomes: RelayOutcome<T>[]): KezError | undefined {
  return outcomes.find((o) => o.error)?.error;
}

/**
 * Publishes one event to one relay: its NIP-11 limits first (an event it says it refuses is
 * not sent), then EVENT and the relay's OK. Every outcome is reported, none thrown.
 */
async function publishTo(
  relay: string,
  event: NostrEvent,
  now: number,
  env: ChannelEnv,
): Promise<PublishAttempt> {
  const limit = limitationRefusal(await relayLimitation(relay, env), event, now);
  if (limit) return { relay, accepted: false, ...limit };
  try {
    const ok = await withRelay(relay, env, (s) => s.publish(event));
    return ok.accepted
      ? { relay, accepted: true, reason: ok.message }
      : { relay, accepted: false, code: relayRefusal(ok.message), reason: ok.message || 'refused' };
  } catch (e) {
    if (!isKezError(e)) throw e;
    return { relay, accepted: false, code: e.code, reason: e.message };
  }
}

export const nostrPlugin: ChannelPlugin = {
  name: 'nostr',
  async locate(subject, env) {
    const pubkey = pubkeyHexOf(subject.id);
    const relays = relaysOf(env);
    env.progress?.(
      `nostr: kind ${PROOF_KIND} events by ${subject.id} on ${relays.length} relay(s)`,
    );
    const filter = {
      kinds: [PROOF_KIND, METADATA_KIND],
      authors: [pubkey],
      limit: MAX_PROOF_EVENTS,
    };
    const limits = { maxEvents: MAX_PROOF_EVENTS, maxBytes: env.config.maxBodyBytes };
    const outcomes = await eachRelay(relays, env, (s) => s.query(filter, limits));
    const candidates: Candidate[] = [];
    const { events, rejected } = checkedEvents(outcomes);
    const seen = new Set<string>();
    let metadata: { relay: string; event: (typeof events)[number]['event'] } | undefined;
    for (const { relay, event } of events) {
      // Only the account's own newest metadata counts (kind 0 is replaceable, NIP-01).
      if (event.kind === METADATA_KIND && event.pubkey === pubkey) {
        if (!metadata || event.created_at > metadata.event.created_at) metadata = { relay, event };
        continue;
      }
      if (event.kind !== PROOF_KIND || seen.has(event.id)) continue;
      seen.add(event.id);
      // A relay that ignores the authors filter hands us someone else's event: it keeps its
      // real owner, so a claim copied into it fails as subject_mismatch.
      const owner = { subject: ownerSubjectOf(event.pubkey) };
      candidates.push(...proofCandidates(event.content, `${relay}#${event.id}`, owner));
    }
    const about = metadata && aboutOf(metadata.event.content);
    if (metadata && about !== undefined) {
      const owner = { subject: ownerSubjectOf(metadata.event.pubkey) };
      candidates.push(...shortCandidates(about, `${metadata.relay}#${metadata.event.id}`, owner));
    }
    if (candidates.length === 0) {
      const failure = firstFailure(outcomes) ?? rejected[0];
      if (failure) throw failure;
    }
    return candidates;
  },

  async publish(p, env) {
    const secret = nostrSecret(p.token);
    const owner = ownerSubjectOf(getPublicKey(secret));
    if (owner !== p.subject.text) {
      throw new KezError(
        'subject_mismatch',
        `the nostr key given is ${owner}, not ${p.subject.text}`,
        { subject: p.subject.text, owner },
      );
    }
    const event = signEvent(secret, {
      kind: PROOF_KIND,
      created_at: p.now,
      tags: [
        ['d', p.claim.identity],
        ['alt', `KEZ proof: ${p.subject.text} belongs to ${p.claim.identity}`],
      ],
      content: p.compact,
    });
    const attempts = await Promise.all(
      relaysOf(env).map((relay) => publishTo(relay, event, p.now, env)),
    );
    const accepted = attempts.find((a) => a.accepted);
    if (!accepted) {
      const refused = attempts.map((a) => `${a.relay}: ${a.reason}`).join('; ');
      const first = attempts[0]!;
      // One relay: its own code; several that all refused: the first one's, with every reason.
      throw new KezError(
        first.code ?? 'network',
        `no relay accepted the proof event (${refused})`,
        {
          relays: attempts,
        },
      );
    }
    return { location: `${accepted.relay}#${event.id}`, attempts };
  },
};

// Bundles (SPEC §6.5): JSONL export/parse, chain verification with fork detection, and
// rollback/fork across time (§6.7).
import { fail } from './errors.js';
import { utf8Length } from './bytes.js';
import { parseCanonical, canonicalize } from './jcs.js';
import { parseObject, type ChainEvent } from './objects.js';
import { objectHash } from './signing.js';
import type { ChainState } from './chain-state.js';
import { createFolder, type Candidate, type ChainFolder } from './chain-folder.js';
import { verdictOf, type Verdict } from './verdict.js';
import { MAX_BUNDLE_LINE_BYTES } from './limits.js';

export interface ChainResult extends Verdict {
  state?: ChainState;
  events: ChainEvent[];
}

export function exportBundle(events: ChainEvent[]): string {
  const rows = events.map((e) => ({ seq: e.seq, hash: objectHash(e), line: canonicalize(e) }));
  rows.sort((a, b) => a.seq - b.seq || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  return rows.map((r) => `${r.line}\n`).join('');
}

export function parseBundle(text: string): ChainEvent[] {
  if (typeof text !== 'string') fail('malformed', 'bundle must be a string');
  if (text === '') return [];
  if (!text.endsWith('\n')) fail('malformed', 'every bundle line ends with LF');
  if (text.includes('\r') || text.startsWith('\ufeff'))
    fail('malformed', 'a bundle has no CR and no BOM');
  const lines = text.slice(0, -1).split('\n');
  return lines.map((line, i) => {
    if (line.length > MAX_BUNDLE_LINE_BYTES || utf8Length(line) > MAX_BUNDLE_LINE_BYTES)
      fail('too_large', `bundle line ${i + 1} is too large`);
    if (line === '') fail('malformed', `blank bundle line ${i + 1}`);
    const obj = parseObject(parseCanonical(line));
    if (obj.type !== 'event') fail('malformed', `bundle line ${i + 1} is not an event`);
    return obj;
  });
}

function result(v: Verdict, events: ChainEvent[], state?: ChainState): ChainResult {
  return state ? { ...v, state, events } : { ...v, events };
}

/** How one group of events at the same seq ends: the one to fold, or the chain's verdict. */
type GroupOutcome =
  | { next: Candidate }
  | { verdict: Verdict /** a fork reports the state before it */; withState: boolean };

const malformed = (reason: string, evidence: Record<string, unknown>): GroupOutcome => ({
  verdict: { status: 'invalid', code: 'malformed', reason, evidence },
  withState: false,
});

/**
 * SPEC §6.5 for the events sharing one seq, each checked against the folder's current state
 * (nothing is folded here). One that passes is the next event; two that pass are a fork;
 * none passing reports the first failure. `seen` collects every hash to catch a repeated line.
 */
function judgeGroup(
  folder: ChainFolder,
  group: ChainEvent[],
  seen: Set<string>,
  now: number,
): GroupOutcome {
  const state = folder.state;
  const seq = group[0]!.seq;
  const expected = state === null ? 0 : state.head.seq + 1;
  if (seq !== expected)
    return malformed(
      `bundle seqs must start at 0 and be contiguous (expected ${expected}, got ${seq})`,
      { seq },
    );
  // Each genesis defines its own identity, so two at seq 0 are two chains, not a fork.
  if (seq === 0 && group.length > 1) return malformed('a bundle holds one genesis event', { seq });
  const ok: Candidate[] = [];
  let firstFailure: Verdict | undefined;
  for (const e of group) {
    let checked: Candidate | undefined;
    let failure: Verdict | undefined;
    try {
      checked = folder.check(e, now);
    } catch (err) {
      failure = verdictOf(err);
    }
    // The hash of a checked event comes with it; only failures are hashed here.
    let hash: string;
    try {
      hash = checked ? checked.hash : objectHash(e);
    } catch (err) {
      return { verdict: verdictOf(err), withState: false };
    }
    if (seen.has(hash)) return malformed('a bundle line repeats', { seq, hash });
    seen.add(hash);
    if (checked) ok.push(checked);
    else firstFailure ??= { ...failure!, evidence: { ...failure!.evidence, seq, hash } };
  }
  if (ok.length >= 2) {
    const hashes = ok.map((c) => c.hash);
    return {
      verdict: {
        status: 'fork',
        code: 'fork',
        reason: `two or more valid events at seq ${seq}`,
        evidence: { seq, hashes, ...(state ? { identity: state.identity } : {}) },
      },
      withState: true,
    };
  }
  if (firstFailure) return { verdict: firstFailure, withState: false };
  return { next: ok[0]! };
}

/** SPEC §6.5. Events are taken in the given order; a bundle string is parsed first. */
export function verifyChain(input: ChainEvent[] | string, opts: { now: number }): ChainResult {
  let events: ChainEvent[];
  try {
    events =
      typeof input === 'string'
        ? parseBundle(input)
        : input.map((e) => {
            const o = parseObject(e);
            if (o.type !== 'event') fail('malformed', 'not an event');
            return o;
          });
  } catch (err) {
    return result(verdictOf(err), []);
  }
  if (events.length === 0)
    return result(
      { status: 'not_found', code: 'no_chain', reason: 'empty sigchain', evidence: {} },
      events,
    );

  const folder = createFolder();
  const seen = new Set<string>();
  for (let i = 0; i < events.length; ) {
    let j = i;
    while (j < events.length && events[j]!.seq === events[i]!.seq) j++;
    const outcome = judgeGroup(folder, events.slice(i, j), seen, opts.now);
    if ('verdict' in outcome)
      return result(
        outcome.verdict,
        events,
        outcome.withState ? (folder.state ?? undefined) : undefined,
      );
    folder.commit(outcome.next);
    i = j;
  }
  const s = folder.state!;
  return result(
    {
      status: 'valid',
      reason: `sigchain of ${s.identity} verifies up to seq ${s.head.seq}`,
      evidence: { identity: s.identity, head: { ...s.head } },
    },
    events,
    s,
  );
}

/** SPEC §6.7: null when `chain` is consistent with the head seen before. */
export function compareHeads(
  seen: { seq: number; hash: string },
  chain: ChainResult,
): Verdict | null {
  if (chain.status === 'fork')
    return {
      status: 'fork',
      code: 'fork',
      reason: chain.reason,
      evidence: { ...chain.evidence, seen: { ...seen } },
    };
  const s = chain.state;
  if (chain.status !== 'valid' || !s) return null;
  if (s.head.seq < seen.seq) {
    return {
      status: 'unreachable',
      code: 'rollback',
      reason: `the chain ends at seq ${s.head.seq}, before the head seen earlier (${seen.seq})`,
      evidence: { seen: { ...seen }, head: { ...s.head } },
    };
  }
  const at = chain.events.filter((e) => e.seq === seen.seq).map((e) => objectHash(e));
  if (!at.includes(seen.hash)) {
    return {
      status: 'fork',
      code: 'fork',
      reason: `the event at seq ${seen.seq} differs from the one seen earlier`,
      evidence: { seq: seen.seq, hashes: [seen.hash, ...at] },
    };
  }
  return null;
}

import {
  applyEvent,
  decodeJson,
  decodeWithJcs,
  detectEncoding,
  identityIdOf,
  parseBundle,
  sha256Hex,
  utf8Encode,
  verifyObject,
  type ChainEvent,
  type ChainState,
} from '@kez/core';
import { type ChainStates, StaleChainError } from './chain-states.js';
import { ApiError, httpStatusForKezCode } from './errors.js';
import { LIMITS } from './limits.js';
import { mayOutrank, rivalWins } from './resolution.js';
import type {
  ChainHead,
  ChainStore,
  ForkOutcome,
  ReorgResult,
  StoredEvent,
} from './storage/types.js';

/** SPEC §6.8 evidence of the branch a winning rival superseded. */
export interface Superseded {
  seq: number;
  winner: string;
  hash: string;
  head: string;
}

export type AppendOutcome =
  | { status: 201; seq: number; hash: string; superseded?: Superseded[] }
  | { status: 200; seq: number; hash: string };

/** A round's verdict: the answer, or `retry` when the head moved under it (I1). */
type Round = AppendOutcome | 'retry';

/**
 * The write path. The signature is the authorization: an event is stored only if @kez/core's
 * applyEvent accepts it against the chain's state. Its invariants, written once here (the
 * code is this file, chain-states.ts and storage/*; test/write-path.test.ts pins each one on
 * both backends):
 *
 * I1 Optimistic loop. An event is validated against a head read from the store (or, for the
 *    next event of a head this process cached, against that head without reading it), and the
 *    write is conditional on that head still being the head (storage `append(expected)`), so
 *    two racing appends for one position cannot both land; a head moved elsewhere is a
 *    conflict, then read. The loser re-reads and is judged again,
 *    now as a candidate for an existing position; after `appendRounds` rounds: 503.
 * I2 Head-state cache. ChainStates caches the state at a head keyed by the head's hash, never
 *    by seq alone: a head moved by another replica is a miss, and the missing events are folded
 *    on top with applyEvent (links re-checked), so a stale state never judges an event.
 * I3 Pre-check before any replay. On a cache miss, and for every candidate for an existing
 *    position, the checks that need no chain state run first: the event's own signature and
 *    its `prev` against the stored event before it; failing them costs no replay. For an
 *    existing position, whether its signer had authority at that seq at all is then read from
 *    the chain's History (one shared replay per chain, then cached), before any fold.
 * I4 Fork judging. A different event for a stored position is fork evidence only if it is valid
 *    against the main chain's state before that position; an invalid one is refused and never
 *    stored. Evidence is bounded (`forksPerPosition`, `forksPerChain`): beyond, it is counted.
 *    The chain is flagged either way, since a valid rival exists.
 * I5 Group commit (SQLite). Appends share a transaction, each in its own savepoint: those of
 *    one event-loop turn, and those arriving while the previous group commits on the writer
 *    thread. One append's failure never touches another's, and every answer waits for the
 *    commit, so a 201 is durable. PostgreSQL commits each append alone, under a row lock on the
 *    chain that makes the head check and the insert atomic.
 * I6 Recovery reorg. A valid rival, once kept as evidence (I4), is resolved against the main
 *    line's suffix from its seq by SPEC §6.8 (resolution.ts). If it wins, storage `reorg`
 *    makes it the main event and the head, and the former suffix evidence (bounded as in I4,
 *    counted beyond), in one transaction conditional on the head the decision was made from;
 *    a moved head means re-read and decide again, as in I1. The answer is 201 with the
 *    superseded branch; a losing or tied rival stays 409 fork. Each reorg bumps the chain's
 *    `reorgs` count, so no replica's History serves the replaced line (I2), and a read that
 *    a reorg cut through (StaleChainError) is a retry. Only a single event whose parent is
 *    on the main line can win: continuations of evidence stay refused (bad_link).
 */
export class Appender {
  constructor(
    private readonly store: ChainStore,
    private readonly states: ChainStates,
    private readonly now: () => number,
    private readonly onFork: (
      identity: string,
      ev: StoredEvent,
      outcome: ForkOutcome,
    ) => void = () => {},
    private readonly onReorg: (
      identity: string,
      winner: StoredEvent,
      result: Extract<ReorgResult, { ok: true }>,
    ) => void = () => {},
  ) {}

  async append(identity: string, body: string): Promise<AppendOutcome> {
    // The decoder checked that the body is JCS(event): its text is what is stored and hashed.
    // Only JSON is taken; decodeJson gives any other text its refusal.
    if (detectEncoding(body) !== 'json') decodeJson(body);
    const { object: obj, jcs } = decodeWithJcs(body);
    if (obj.type !== 'event')
      throw new ApiError(400, 'malformed', `expected an event, got a ${obj.type}`);
    const event = obj as ChainEvent;
    const stored: StoredEvent = { seq: event.seq, hash: sha256Hex(utf8Encode(jcs)), jcs };
    const eventIdentity = event.seq === 0 ? identityIdOf(stored.hash) : event.identity;
    if (eventIdentity !== identity) {
      throw new ApiError(
        422,
        'identity_mismatch',
        `the event belongs to ${String(eventIdentity)}, not ${identity}`,
      );
    }

    const extended = await this.extendLastHead(identity, event, stored);
    if (extended) return extended;
    for (let round = 0; round < LIMITS.appendRounds; round++) {
      const head = await this.store.head(identity);
      try {
        const out = await this.round(identity, head, event, stored);
        if (out !== 'retry') return out;
      } catch (err) {
        if (!(err instanceof StaleChainError)) throw err;
        // Stale only if a reorg moved the head meanwhile; else the stored chain is broken.
        const now = await this.store.head(identity);
        if (now?.hash === head?.hash && now?.reorgs === head?.reorgs) throw err;
      }
    }
    throw new ApiError(503, 'unavailable', 'too much contention on this chain, retry');
  }

  /**
   * The usual append, without reading the head first (I1): the event extends the head this
   * process cached, and the write is conditional on that head, so a head moved elsewhere costs
   * a conflict and the loop decides. null: the loop decides.
   */
  private async extendLastHead(
    identity: string,
    event: ChainEvent,
    stored: StoredEvent,
  ): Promise<AppendOutcome | null> {
    const before = this.states.lastHead(identity);
    if (!before || event.seq !== before.head.seq + 1 || event.prev !== before.head.hash)
      return null;
    let state: ChainState;
    try {
      state = applyEvent(before, event, { now: this.now() });
    } catch (err) {
      // The refusal the loop would give too, if that head is still the stored one.
      if ((await this.store.head(identity))?.hash === before.head.hash) throw err;
      return null;
    }
    const expected = { seq: before.head.seq, hash: before.head.hash };
    if (!(await this.store.append(identity, stored, expected)).ok) return null;
    this.states.remember(identity, state, before);
    return { status: 201, seq: stored.seq, hash: stored.hash };
  }

  private async round(
    identity: string,
    head: ChainHead | null,
    event: ChainEvent,
    stored: StoredEvent,
  ): Promise<Round> {
    if (!head) {
      if (event.seq !== 0)
        throw new ApiError(409, 'bad_link', 'unknown chain: append its genesis (seq 0) first');
      const state = applyEvent(null, event, { now: this.now() });
      if (!(await this.store.append(identity, stored, null)).ok) return 'retry';
      this.states.remember(identity, state, null);
      return { status: 201, seq: stored.seq, hash: stored.hash };
    }
    if (event.seq > head.seq + 1) {
      throw new ApiError(409, 'bad_link', `seq ${event.seq} is beyond head ${head.seq} + 1`, {
        head: head.seq,
      });
    }
    if (event.seq === head.seq + 1) {
      if (!this.states.has(head)) this.precheck(event, head.hash);
      const before = await this.states.atHead(head);
      const state = applyEvent(before, event, { now: this.now() });
      if (!(await this.store.append(identity, stored, { seq: head.seq, hash: head.hash })).ok)
        return 'retry';
      this.states.remember(identity, state, before);
      return { status: 201, seq: stored.seq, hash: stored.hash };
    }
    return this.existingPosition(head, event, stored);
  }

  /**
   * Checks that need no chain state — the event's own signature and its link to the event it
   * claims to follow — run before a chain replay, so a junk event cannot buy an expensive one.
   */
  private precheck(event: ChainEvent, prevHash: string): void {
    const own = verifyObject(event, { now: this.now() });
    if (own.status !== 'valid') {
      const code = own.code ?? 'malformed';
      throw new ApiError(httpStatusForKezCode(code), code, own.reason);
    }
    if (event.prev !== prevHash)
      throw new ApiError(422, 'bad_link', `prev is not the hash of event ${event.seq - 1}`);
  }

  /** A candidate for a position that already has a main event. */
  private async existingPosition(
    head: ChainHead,
    event: ChainEvent,
    stored: StoredEvent,
  ): Promise<Round> {
    const identity = head.identity;
    const existing = await this.store.eventAt(identity, stored.seq);
    if (!existing)
      throw new Error(`chain ${identity} has no event at ${stored.seq} below its head`);
    if (existing.hash === stored.hash) return { status: 200, seq: stored.seq, hash: stored.hash };
    // seq 0 cannot get here: a different genesis has a different identity.
    const parent = await this.store.eventAt(identity, stored.seq - 1);
    if (!parent)
      throw new Error(`chain ${identity} has no event at ${stored.seq - 1} below its head`);
    this.precheck(event, parent.hash);
    if (!(await this.states.history(head)).maySign(event.key, event.seq)) {
      throw new ApiError(
        422,
        'not_authorized',
        `${event.key} had no authority at seq ${event.seq} of this chain`,
      );
    }
    const before = await this.states.at(head, parent.seq, parent.hash);
    const state = applyEvent(before, event, { now: this.now() });
    const outcome = await this.store.addFork(identity, stored, LIMITS);
    this.onFork(identity, stored, outcome);
    const main = parseBundle(`${existing.jcs}\n`)[0]!;
    if (mayOutrank(before, main, event) && rivalWins(await this.mainLine(head), event, this.now()))
      return this.reorganize(head, stored, before, state);
    throw new ApiError(
      409,
      'fork',
      outcome === 'dropped'
        ? `a different valid event already holds seq ${stored.seq}; counted as fork evidence, not stored (this chain's evidence limit is reached)`
        : `a different valid event already holds seq ${stored.seq}; kept as fork evidence`,
      {
        seq: stored.seq,
        hash: stored.hash,
        existing: existing.hash,
        evidence: outcome === 'dropped' ? 'dropped' : 'stored',
      },
    );
  }

  /** The main line from genesis to `head`, for resolution. */
  private async mainLine(head: ChainHead): Promise<ChainEvent[]> {
    const rows = await this.store.events(head.identity, 0, head.seq + 1);
    const last = rows[rows.length - 1];
    if (rows.length !== head.seq + 1 || last?.hash !== head.hash)
      throw new StaleChainError(`chain ${head.identity} no longer ends at ${head.hash}`);
    return parseBundle(rows.map((r) => `${r.jcs}\n`).join(''));
  }

  /** Makes the winning rival the main event and head (I6), if the head is still `head`. */
  private async reorganize(
    head: ChainHead,
    winner: StoredEvent,
    before: ChainState,
    state: ChainState,
  ): Promise<Round> {
    const result = await this.store.reorg(head.identity, winner, head, LIMITS);
    if (!result.ok) return 'retry';
    this.states.remember(head.identity, state, before);
    this.onReorg(head.identity, winner, result);
    const old = result.superseded;
    return {
      status: 201,
      seq: winner.seq,
      hash: winner.hash,
      superseded: [
        {
          seq: winner.seq,
          winner: winner.hash,
          hash: old[0]!.hash,
          head: old[old.length - 1]!.hash,
        },
      ],
    };
  }
}

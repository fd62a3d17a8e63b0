import {
  BoundedCache,
  cloneChainState,
  commitment,
  createFolder,
  parseBundle,
  type ChainState,
} from '@kez/core';
import { LIMITS } from './limits.js';
import { StoreUnavailableError } from './storage/faults.js';
import type { ChainHead, ChainStore } from './storage/types.js';

const PAGE = 1000;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Cached {
  head: ChainState;
  /** The state one event earlier: the usual fork case is a rival that lost the race for head. */
  before?: ChainState;
}

/**
 * The stored main line no longer leads to the head a caller named: a reorganization replaced
 * events while it was read. The caller re-reads the head and decides again.
 */
export class StaleChainError extends Error {
  override readonly name = 'StaleChainError';
}

/**
 * What one full replay of a chain leaves behind for judging fork candidates: a state every
 * `checkpointEvery` events, and for each key the seqs of the events it may sign. Between
 * reorganizations the main line is append-only, so a history stays true while the chain's
 * `reorgs` count is the one it was built at; it is only ever extended.
 */
class History {
  readonly checkpoints = new Map<number, ChainState>();
  /** Claims and devices held by the checkpoints: what this history costs in memory. */
  weight = 0;
  /**
   * key → ascending half-open ranges [from, to) of seqs the key may sign; a pre-rotation
   * commitment stands for the key it commits to (a recovery rotation, SPEC §6.3).
   */
  private readonly authority = new Map<string, [number, number][]>();

  constructor(
    public last: ChainState,
    readonly reorgs: number,
  ) {
    this.record(last);
  }

  /** Records the state after event `s.head.seq`: who may sign the next one, and a checkpoint. */
  record(s: ChainState): void {
    const seq = s.head.seq;
    if (seq % LIMITS.checkpointEvery === 0) {
      // `s` may be a folder's live state: the checkpoint is a copy.
      this.checkpoints.set(seq, cloneChainState(s));
      this.weight += s.claims.size + s.devices.size + 1;
    }
    const committed = s.next === undefined ? [] : [s.next];
    for (const key of [s.primary, ...s.devices.keys(), ...committed]) {
      const ranges = this.authority.get(key) ?? [];
      if (!ranges.length) this.authority.set(key, ranges);
      const open = ranges[ranges.length - 1];
      if (open && open[1] === seq + 1) open[1] = seq + 2;
      else ranges.push([seq + 1, seq + 2]);
    }
    this.last = s;
  }

  /** False when `key` had no authority at `seq` on this chain: no state can make it valid. */
  maySign(key: string, seq: number): boolean {
    const within = (k: string) =>
      (this.authority.get(k) ?? []).some(([from, to]) => seq >= from && seq < to);
    return within(key) || within(commitment(key));
  }

  /** The closest checkpoint at or below `seq`. */
  checkpointAtOrBelow(seq: number): ChainState {
    for (let at = seq - (seq % LIMITS.checkpointEvery); at >= 0; at -= LIMITS.checkpointEvery) {
      const s = this.checkpoints.get(at);
      if (s) return s;
    }
    throw new Error('history without its genesis checkpoint');
  }
}

/**
 * Chain states rebuilt with @kez/core from stored events (see the write-path invariants in
 * appender.ts). Two caches:
 * - the state at each chain's head (and the one before it), keyed by head hash, so an append
 *   costs one event check; if another replica moved the head, the missing events are folded on
 *   top (the folder re-checks their links), so the cache is never trusted blindly;
 * - for chains that received fork candidates, a History (checkpoints + key authority), so a
 *   candidate costs at most `checkpointEvery` applied events and a candidate whose signer never
 *   had authority at its position costs none.
 * At most one replay per chain is in flight: concurrent requests wait for it and reuse it.
 */
export class ChainStates {
  private readonly heads: BoundedCache<string, Cached>;
  private readonly histories: BoundedCache<string, History>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private aborted = false;
  /** Events applied by replays (not by appends): what fork candidates and cold chains cost. */
  replayedEvents = 0;

  constructor(
    private readonly store: ChainStore,
    private readonly now: () => number,
    headClaims: number = LIMITS.headStateClaims,
  ) {
    this.heads = new BoundedCache<string, Cached>(LIMITS.headStates, {
      maxWeight: headClaims,
      weigh: (c) => c.head.claims.size + c.head.devices.size + 1,
    });
    this.histories = new BoundedCache<string, History>(LIMITS.histories, {
      maxWeight: headClaims * LIMITS.historyClaimsPerHeadClaim,
      weigh: (h) => h.weight + h.last.claims.size,
    });
  }

  /** Stops every replay at its next yield (shutdown). */
  abort(): void {
    this.aborted = true;
  }

  /** True when the state at `head` is at hand without a replay. */
  has(head: ChainHead): boolean {
    return this.heads.get(head.identity)?.head.head.hash === head.hash;
  }

  /**
   * The state at the chain's head as this process last saw it, with no store read: another
   * replica may have moved the head since, so it is only a guess to write conditionally on.
   */
  lastHead(identity: string): ChainState | undefined {
    return this.heads.get(identity)?.head;
  }

  /** The state after the event `head` names. */
  async atHead(head: ChainHead): Promise<ChainState> {
    const hit = this.cachedHead(head);
    if (hit) return hit;
    return this.exclusive(head.identity, async () => {
      const again = this.cachedHead(head);
      if (again) return again;
      const state = await this.catchUp(head, head.seq, head.hash);
      this.heads.set(head.identity, { head: state });
      return state;
    });
  }

  /** The history of the chain up to `head` at least (one shared replay if it is missing). */
  async history(head: ChainHead): Promise<History> {
    const hit = this.currentHistory(head);
    if (hit && hit.last.head.seq >= head.seq) return hit;
    return this.exclusive(head.identity, async () => {
      await this.catchUp(head, head.seq, head.hash, true);
      const built = this.currentHistory(head);
      if (!built) throw new StaleChainError(`chain ${head.identity} was reorganized`);
      return built;
    });
  }

  /** The state after the main event at `seq` whose hash is `hash` (to judge fork candidates). */
  async at(head: ChainHead, seq: number, hash: string): Promise<ChainState> {
    const cached = this.heads.get(head.identity);
    for (const s of [cached?.head, cached?.before])
      if (s && s.head.seq === seq && s.head.hash === hash) return s;
    const history = await this.history(head);
    const from = history.checkpointAtOrBelow(seq);
    const state = from.head.seq === seq ? from : await this.fold(head.identity, from, seq);
    if (state.head.hash !== hash)
      throw new StaleChainError(`stored event ${seq} of ${head.identity} changed`);
    return state;
  }

  /** Records the state after a successful append, and the one it extended. */
  remember(identity: string, state: ChainState, before: ChainState | null): void {
    this.heads.set(identity, before ? { head: state, before } : { head: state });
    const history = this.histories.get(identity);
    if (history && before && history.last.head.hash === before.head.hash) {
      history.record(state);
      this.histories.set(identity, history);
    }
  }

  /** Cached chains and their weights (for /metrics). */
  cacheStats(): { heads: number; headWeight: number; histories: number; historyWeight: number } {
    return {
      heads: this.heads.size,
      headWeight: this.heads.weight,
      histories: this.histories.size,
      historyWeight: this.histories.weight,
    };
  }

  /** The chain's history, unless a reorganization since it was built made it describe evidence. */
  private currentHistory(head: ChainHead): History | undefined {
    const history = this.histories.get(head.identity);
    if (history && history.reorgs !== head.reorgs) {
      this.histories.delete(head.identity);
      return undefined;
    }
    return history;
  }

  private cachedHead(head: ChainHead): ChainState | undefined {
    const cached = this.heads.get(head.identity);
    return cached && cached.head.head.hash === head.hash ? cached.head : undefined;
  }

  /**
   * Folds the chain up to `seq` from the furthest state at hand (the chain's history, else the
   * cached head unless a history is wanted, else genesis, which starts a history) and checks
   * that it ends at `hash`.
   */
  private async catchUp(
    head: ChainHead,
    seq: number,
    hash: string,
    wantHistory = false,
  ): Promise<ChainState> {
    const identity = head.identity;
    const history = this.currentHistory(head);
    // A cached head state of a superseded branch fails the folder's link check: genesis then.
    const cached = this.heads.get(identity)?.head;
    let state: ChainState | null = null;
    if (history && history.last.head.seq <= seq)
      state = await this.fold(identity, history.last, seq, history);
    else if (history) state = await this.fold(identity, history.checkpointAtOrBelow(seq), seq);
    else if (!wantHistory && cached && cached.head.seq <= seq)
      state = await this.fold(identity, cached, seq).catch(() => null);
    state ??= await this.fold(identity, null, seq, undefined, head.reorgs);
    // The history grew in place: its weight is counted again.
    const grown = this.histories.get(identity);
    if (grown) this.histories.set(identity, grown);
    if (state.head.hash !== hash)
      throw new StaleChainError(`stored chain ${identity} does not end at ${hash}`);
    return state;
  }

  /**
   * Applies stored events after `from` (genesis when null) up to `toSeq`. A fold from genesis
   * starts a new History (of the chain at `reorgs` reorganizations); passing one extends it.
   * Stored events that do not apply, or run out, were replaced by a reorganization during the
   * read (the store only keeps events that applied).
   */
  private async fold(
    identity: string,
    from: ChainState | null,
    toSeq: number,
    history?: History,
    reorgs = 0,
  ): Promise<ChainState> {
    // One folder over a copy of `from` (a cached state stays as it was): linear in the events.
    const folder = createFolder(from && cloneChainState(from));
    let state = folder.state;
    let next = from ? from.head.seq + 1 : 0;
    let applied = 0;
    while (next <= toSeq) {
      const page = await this.store.events(identity, next, Math.min(PAGE, toSeq - next + 1));
      if (page.length === 0) break;
      const events = parseBundle(page.map((e) => `${e.jcs}\n`).join(''));
      for (const ev of events) {
        try {
          state = folder.apply(ev, this.now());
        } catch (err) {
          throw new StaleChainError(`stored event ${ev.seq} of ${identity} does not apply`, {
            cause: err,
          });
        }
        this.replayedEvents++;
        if (history) history.record(state);
        else if (!from) {
          history = new History(state, reorgs);
          this.histories.set(identity, history);
        }
        if (++applied % LIMITS.replayYieldEvery === 0) {
          await yieldToLoop();
          if (this.aborted) throw new StoreUnavailableError('shutting_down');
        }
      }
      next += page.length;
    }
    if (!state || state.head.seq !== toSeq)
      throw new StaleChainError(`stored chain ${identity} is missing events before ${toSeq}`);
    return state;
  }

  /** Runs `fn` after any replay of this chain already in flight (one at a time per chain). */
  private exclusive<T>(identity: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.inflight.get(identity) ?? Promise.resolve()).then(fn, fn);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.inflight.set(identity, settled);
    void settled.then(() => {
      if (this.inflight.get(identity) === settled) this.inflight.delete(identity);
    });
    return run;
  }
}

import { applyEvent, parseBundle, type ChainState } from '@kez/core';
import type { ChainHead, ChainStore } from './storage/types.js';

const PAGE = 1000;
/** A replay yields to the event loop this often, so one cold chain cannot stall other requests. */
const YIELD_EVERY = 64;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Cached {
  head: ChainState;
  /** The state one event earlier: the usual fork case is a rival that lost the race for head. */
  before?: ChainState;
}

/**
 * Chain states rebuilt with @kez/core from stored events, with a small LRU of the state at
 * each chain's head (and the one before it) so an append costs one applyEvent, not a replay
 * of the whole chain. Entries are keyed by head hash: if another replica moved the head, the
 * missing events are folded on top (applyEvent re-checks their links), so the cache is never
 * trusted blindly.
 */
export class ChainStates {
  private readonly lru = new Map<string, Cached>();
  /** Replays in progress, so concurrent requests for one cold chain share one. */
  private readonly replays = new Map<string, Promise<ChainState>>();

  constructor(
    private readonly store: ChainStore,
    private readonly now: () => number,
    private readonly capacity = 1000,
  ) {}

  /** True when the state at `head` is at hand without a replay. */
  has(head: ChainHead): boolean {
    return this.lru.get(head.identity)?.head.head.hash === head.hash;
  }

  /** The state after the event `head` names. */
  async atHead(head: ChainHead): Promise<ChainState> {
    const cached = this.lru.get(head.identity);
    if (cached && cached.head.head.hash === head.hash) {
      this.touch(head.identity, cached);
      return cached.head;
    }
    const key = `${head.identity} ${head.hash}`;
    let replay = this.replays.get(key);
    if (!replay) {
      replay = this.catchUp(head, cached).finally(() => this.replays.delete(key));
      this.replays.set(key, replay);
    }
    return replay;
  }

  private async catchUp(head: ChainHead, cached: Cached | undefined): Promise<ChainState> {
    let state: ChainState | null = null;
    if (cached && cached.head.head.seq < head.seq) {
      state = await this.fold(head.identity, cached.head, head.seq).catch(() => null);
    }
    state ??= await this.fold(head.identity, null, head.seq);
    if (state.head.hash !== head.hash)
      throw new Error('stored chain does not end at its recorded head');
    this.touch(head.identity, { head: state });
    return state;
  }

  /** The state after the main event at `seq` whose hash is `hash` (to judge fork candidates). */
  async at(identity: string, seq: number, hash: string): Promise<ChainState> {
    const cached = this.lru.get(identity);
    for (const s of [cached?.head, cached?.before])
      if (s && s.head.seq === seq && s.head.hash === hash) return s;
    const state = await this.fold(identity, null, seq);
    if (state.head.hash !== hash) throw new Error(`stored event ${seq} of ${identity} changed`);
    return state;
  }

  /** Records the state after a successful append, and the one it extended. */
  remember(identity: string, state: ChainState, before: ChainState | null): void {
    this.touch(identity, before ? { head: state, before } : { head: state });
  }

  private async fold(
    identity: string,
    from: ChainState | null,
    toSeq: number,
  ): Promise<ChainState> {
    let state = from;
    let next = from ? from.head.seq + 1 : 0;
    while (next <= toSeq) {
      const page = await this.store.events(identity, next, Math.min(PAGE, toSeq - next + 1));
      if (page.length === 0) break;
      const events = parseBundle(page.map((e) => `${e.jcs}\n`).join(''));
      for (let i = 0; i < events.length; i++) {
        state = applyEvent(state, events[i]!, { now: this.now() });
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
      }
      next += page.length;
    }
    if (!state || state.head.seq !== toSeq)
      throw new Error(`stored chain ${identity} is missing events before ${toSeq}`);
    return state;
  }

  private touch(identity: string, entry: Cached): void {
    this.lru.delete(identity);
    this.lru.set(identity, entry);
    if (this.lru.size > this.capacity) {
      const oldest = this.lru.keys().next().value;
      if (oldest !== undefined) this.lru.delete(oldest);
    }
  }
}

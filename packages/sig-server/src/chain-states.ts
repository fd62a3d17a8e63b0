import { applyEvent, parseBundle, type ChainState } from '@kez/core';
import type { ChainHead, ChainStore } from './storage/types.js';

const PAGE = 1000;

/**
 * Chain states rebuilt with @kez/core from stored events, with a small LRU of the state at
 * each chain's head so an append costs one applyEvent, not a replay of the whole chain.
 * The cache is keyed by head hash: if another replica moved the head, the missing events
 * are folded on top (and applyEvent re-checks their links), so the cache is never trusted
 * blindly.
 */
export class ChainStates {
  private readonly lru = new Map<string, ChainState>();

  constructor(
    private readonly store: ChainStore,
    private readonly now: () => number,
    private readonly capacity = 1000,
  ) {}

  /** The state after the event `head` names. */
  async atHead(head: ChainHead): Promise<ChainState> {
    const cached = this.lru.get(head.identity);
    if (cached && cached.head.hash === head.hash) {
      this.touch(head.identity, cached);
      return cached;
    }
    let state: ChainState | null = null;
    if (cached && cached.head.seq < head.seq) {
      state = await this.fold(head.identity, cached, head.seq).catch(() => null);
    }
    state ??= await this.fold(head.identity, null, head.seq);
    if (state.head.hash !== head.hash) throw new Error('stored chain does not end at its recorded head');
    this.touch(head.identity, state);
    return state;
  }

  /** The state after the main event at `seq` (used to judge fork candidates). */
  async at(identity: string, seq: number): Promise<ChainState> {
    return this.fold(identity, null, seq);
  }

  /** Records the state after a successful append. */
  remember(identity: string, state: ChainState): void {
    this.touch(identity, state);
  }

  private async fold(identity: string, from: ChainState | null, toSeq: number): Promise<ChainState> {
    let state = from;
    let next = from ? from.head.seq + 1 : 0;
    while (next <= toSeq) {
      const page = await this.store.events(identity, next, Math.min(PAGE, toSeq - next + 1));
      if (page.length === 0) break;
      const text = page.map((e) => e.jcs + '\n').join('');
      for (const ev of parseBundle(text)) state = applyEvent(state, ev, { now: this.now() });
      next += page.length;
    }
    if (!state || state.head.seq !== toSeq) throw new Error(`stored chain ${identity} is missing events before ${toSeq}`);
    return state;
  }

  private touch(identity: string, state: ChainState): void {
    this.lru.delete(identity);
    this.lru.set(identity, state);
    if (this.lru.size > this.capacity) {
      const oldest = this.lru.keys().next().value;
      if (oldest !== undefined) this.lru.delete(oldest);
    }
  }
}

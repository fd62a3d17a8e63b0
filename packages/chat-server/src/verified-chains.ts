// Verified chain state per identity, kept between logins: a repeated login (or a flood of
// logins naming one big chain) costs a conditional read (304) and no verification; a chain that
// grew costs its new events only (`?since`, each checked against the verified state). Anything
// that does not extend the cached chain cleanly is read and verified from genesis. Bounded by
// the events held; the least recently used chains are dropped first.
import {
  cloneChainState,
  createFolder,
  verifyChain,
  type ChainEvent,
  type ChainResult,
} from '@kez/core';
import type { ChainSource } from './chain-source.js';

export interface VerifiedChain {
  chain: ChainResult;
  forked: boolean;
  /** How it was obtained: 'cached' (304), 'extended' (new events only), 'full'. */
  read: 'cached' | 'extended' | 'full';
}

interface Entry {
  chain: ChainResult;
  etag: string;
}

export class VerifiedChains {
  private readonly entries = new Map<string, Entry>();
  private heldEvents = 0;

  constructor(
    private readonly source: ChainSource,
    private readonly maxEvents = 50_000,
  ) {}

  /** null when the sig-server has no chain for `identity`; throws the source's KezError. */
  async get(identity: string, now: number, deadline?: number): Promise<VerifiedChain | null> {
    const cached = this.entries.get(identity);
    const known = cached && {
      etag: cached.etag,
      nextSeq: cached.chain.state!.head.seq + 1,
    };
    const read = await this.source.fetch(identity, {
      ...(known ? { known } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
    });
    if (read === null) {
      this.drop(identity);
      return null;
    }
    if (read.notModified && cached) {
      this.touch(identity, cached);
      return { chain: cached.chain, forked: read.forked, read: 'cached' };
    }
    if (read.since !== undefined && cached && read.events.length > 0) {
      const extended = extend(cached.chain, read.events, now);
      if (extended) {
        this.store(identity, extended, read.etag);
        return { chain: extended, forked: read.forked, read: 'extended' };
      }
    }
    // No usable prefix (or the server's answer does not extend it): from genesis.
    const full =
      read.since === undefined
        ? read
        : await this.source.fetch(identity, deadline !== undefined ? { deadline } : {});
    if (full === null) {
      this.drop(identity);
      return null;
    }
    const chain = verifyChain(full.events, { now });
    if (chain.status === 'valid' && chain.state) this.store(identity, chain, full.etag);
    else this.drop(identity);
    return { chain, forked: full.forked, read: 'full' };
  }

  private store(identity: string, chain: ChainResult, etag: string | undefined): void {
    this.drop(identity);
    if (etag === undefined || chain.events.length > this.maxEvents) return;
    this.entries.set(identity, { chain, etag });
    this.heldEvents += chain.events.length;
    for (const [id, e] of this.entries) {
      if (this.heldEvents <= this.maxEvents) break;
      this.entries.delete(id);
      this.heldEvents -= e.chain.events.length;
    }
  }

  private touch(identity: string, e: Entry): void {
    this.entries.delete(identity);
    this.entries.set(identity, e);
  }

  private drop(identity: string): void {
    const e = this.entries.get(identity);
    if (!e) return;
    this.entries.delete(identity);
    this.heldEvents -= e.chain.events.length;
  }
}

/** The cached valid chain with `events` applied (each checked against the state before it,
 *  on a copy: the cached state stays as it was); null when they do not follow on from it. */
function extend(chain: ChainResult, events: ChainEvent[], now: number): ChainResult | null {
  const folder = createFolder(cloneChainState(chain.state!));
  let state = folder.state!;
  try {
    for (const e of events) {
      if (e.seq !== state.head.seq + 1) return null;
      state = folder.apply(e, now);
    }
  } catch {
    return null;
  }
  return {
    status: 'valid',
    reason: `sigchain of ${state.identity} verifies up to seq ${state.head.seq}`,
    evidence: { ...chain.evidence, identity: state.identity, head: { ...state.head } },
    events: [...chain.events, ...events],
    allEvents: [...chain.allEvents, ...events],
    state,
  };
}

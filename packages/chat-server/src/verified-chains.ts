// Verified chain state per identity, kept between logins: a repeated login (or a flood of
// logins naming one big chain) costs a conditional read (304) and no verification; a chain that
// grew costs its new events only (`?since`, each checked against the verified state). Anything
// that does not extend the cached chain cleanly is read and verified from genesis. A chain the
// sig-server flags as forked is judged by SPEC §6.8 over its main line and fork evidence
// together (resolveChain): a rival a retired key filed loses and the chain is valid; only an
// unresolved fork is `fork`. Such a chain is cached with its evidence and reused only while
// both are unchanged. Bounded by the events held; the least recently used chains are dropped
// first.
import {
  cloneChainState,
  createFolder,
  objectHash,
  resolveChain,
  verifyChain,
  type ChainEvent,
  type ChainResult,
} from '@kez/core';
import type { ChainSource } from './chain-source.js';

export interface VerifiedChain {
  /** For a chain with fork evidence, its SPEC §6.8 resolution (status `fork` only when the
   *  fork is unresolved). */
  chain: ChainResult;
  /** The sig-server holds fork evidence for the chain (resolved or not). */
  forked: boolean;
  /** How it was obtained: 'cached' (304), 'extended' (new events only), 'full'. */
  read: 'cached' | 'extended' | 'full';
}

interface Entry {
  chain: ChainResult;
  etag: string;
  /** The sig-server's main line (for a chain without evidence, chain.events itself). */
  main: ChainEvent[];
  /** The fork evidence the resolution used, by hash ('' for none). */
  forks: string;
}

const forksKey = (forks: readonly ChainEvent[]): string =>
  forks
    .map((e) => objectHash(e))
    .sort()
    .join(',');

/** Events held by an entry (its main line, and the evidence beyond it). */
const held = (e: Entry): number => Math.max(e.main.length, e.chain.allEvents.length);

export class VerifiedChains {
  private readonly entries = new Map<string, Entry>();
  private heldEvents = 0;

  constructor(
    private readonly source: ChainSource,
    private readonly maxEvents = 50_000,
  ) {}

  /** The verified chain of `identity` held from an earlier read, if any (no request made). */
  held(identity: string): ChainResult | undefined {
    return this.entries.get(identity)?.chain;
  }

  /** null when the sig-server has no chain for `identity`; throws the source's KezError. */
  async get(identity: string, now: number, deadline?: number): Promise<VerifiedChain | null> {
    const cached = this.entries.get(identity);
    const known = cached && { etag: cached.etag, nextSeq: cached.main.length };
    const read = await this.source.fetch(identity, {
      ...(known ? { known } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
    });
    if (read === null) {
      this.drop(identity);
      return null;
    }
    const forks = read.forks ?? [];
    const key = forksKey(forks);
    if (read.notModified && cached) {
      if (cached.forks === key) {
        this.touch(identity, cached);
        return { chain: cached.chain, forked: read.forked, read: 'cached' };
      }
      // The main line is unchanged but the evidence is not: resolve them again, together.
      if (forks.length > 0) return this.resolved(identity, cached.main, forks, cached.etag, now);
    }
    if (
      read.since !== undefined &&
      cached &&
      read.events.length > 0 &&
      key === '' &&
      cached.forks === ''
    ) {
      const extended = extend(cached.chain, read.events, now);
      if (extended) {
        this.store(identity, {
          chain: extended,
          etag: read.etag,
          main: extended.events,
          forks: '',
        });
        return { chain: extended, forked: read.forked, read: 'extended' };
      }
    }
    // No usable prefix (or the server's answer does not extend it): from genesis.
    const full =
      read.since === undefined && !read.notModified
        ? read
        : await this.source.fetch(identity, deadline !== undefined ? { deadline } : {});
    if (full === null) {
      this.drop(identity);
      return null;
    }
    const fullForks = full.forks ?? [];
    if (fullForks.length > 0)
      return this.resolved(identity, full.events, fullForks, full.etag, now);
    const chain = verifyChain(full.events, { now });
    if (chain.status === 'valid' && chain.state)
      this.store(identity, { chain, etag: full.etag, main: chain.events, forks: '' });
    else this.drop(identity);
    return { chain, forked: full.forked, read: 'full' };
  }

  /** SPEC §6.8 over the main line and the fork evidence; a valid resolution is cached. */
  private resolved(
    identity: string,
    main: ChainEvent[],
    forks: ChainEvent[],
    etag: string | undefined,
    now: number,
  ): VerifiedChain {
    const chain = resolveChain([...main, ...forks], { now });
    if (chain.status === 'valid' && chain.state)
      this.store(identity, { chain, etag, main, forks: forksKey(forks) });
    else this.drop(identity);
    return { chain, forked: true, read: 'full' };
  }

  private store(identity: string, e: Omit<Entry, 'etag'> & { etag: string | undefined }): void {
    this.drop(identity);
    const { etag } = e;
    if (etag === undefined) return;
    const entry: Entry = { ...e, etag };
    if (held(entry) > this.maxEvents) return;
    this.entries.set(identity, entry);
    this.heldEvents += held(entry);
    for (const [id, old] of this.entries) {
      if (this.heldEvents <= this.maxEvents) break;
      this.entries.delete(id);
      this.heldEvents -= held(old);
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
    this.heldEvents -= held(e);
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

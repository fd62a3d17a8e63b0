// Finding an identity's sigchain (SPEC §13): ask the given sources, then every source the
// chains they serve name (the locators of every in-chain claim), until the set is closed or
// MAX_CHAIN_SOURCES were asked. Each source is verified on its own, so one that serves garbage
// cannot spoil another's good chain; then the good chains' events are resolved as one tree.
import {
  objectHash,
  resolveChain,
  verdictOf,
  verifyChain,
  type ChainEvent,
  type ChainResult,
  type Verdict,
} from '@kez/core';
import { mapBounded } from './bounded.js';
import { MAX_CHAIN_SOURCES } from './read-limits.js';
import type { ChannelRegistry } from './registry.js';
import type { ChannelEnv } from './types.js';

export interface SourceReport {
  locator: string;
  status: Verdict['status'];
  code?: Verdict['code'];
  reason: string;
  head?: { seq: number; hash: string };
}

export interface ObtainedChain {
  /** The chosen chain (longest valid one, or the fork/invalid result), or null when no source had one. */
  chain: ChainResult | null;
  /** The verdict for the chain as a whole: valid, fork, invalid, unreachable or not_found (no_chain). */
  verdict: Verdict;
  sources: SourceReport[];
}

/** One source's answer: a valid or forked chain is kept, anything else only as a verdict. */
export interface SourceResult {
  locator: string;
  chain: ChainResult | null;
  verdict: Verdict;
}

/** How many chain sources are read at once (each may hold up to MAX_CHAIN_BYTES in flight). */
const SOURCE_CONCURRENCY = 2;

function ordered(events: ChainEvent[]): ChainEvent[] {
  const byHash = new Map(events.map((e) => [objectHash(e), e]));
  return [...byHash.entries()]
    .sort(([ha, a], [hb, b]) => a.seq - b.seq || (ha < hb ? -1 : ha > hb ? 1 : 0))
    .map(([, e]) => e);
}

async function readSource(
  locator: string,
  identity: string,
  registry: ChannelRegistry,
  env: ChannelEnv,
  now: number,
): Promise<SourceResult> {
  try {
    env.progress?.(`chain: ${locator}`);
    const events = await registry.transportFor(locator)!.fetchChain(locator, identity, env, now);
    if (events.length === 0) {
      const reason = `${locator} has no chain for ${identity}`;
      return {
        locator,
        chain: null,
        verdict: { status: 'not_found', code: 'no_chain', reason, evidence: {} },
      };
    }
    const chain = verifyChain(ordered(events), { now });
    if (chain.state && chain.state.identity !== identity) {
      const reason = `${locator} served another identity's chain`;
      return {
        locator,
        chain: null,
        verdict: { status: 'invalid', code: 'identity_mismatch', reason, evidence: {} },
      };
    }
    const keep = chain.status === 'valid' || chain.status === 'fork';
    return { locator, chain: keep ? chain : null, verdict: chain };
  } catch (e) {
    return { locator, chain: null, verdict: verdictOf(e) };
  }
}

/** The locators a chain's own claims name, oldest claim first (a shared prefix is the identity's word). */
export function namedSources(chain: ChainResult): string[] {
  const entries = [...(chain.state?.claims.values() ?? [])].sort((a, b) => a.seq - b.seq);
  return entries.flatMap((e) => e.claim.locators ?? []);
}

function report({ locator, chain, verdict }: SourceResult): SourceReport {
  return {
    locator,
    status: verdict.status,
    code: verdict.code,
    reason: verdict.reason,
    head: chain?.state ? { seq: chain.state.head.seq, hash: chain.state.head.hash } : undefined,
  };
}

/**
 * The verdict over a set of sources' answers (SPEC §13): the events of every source with a
 * valid or forked chain are merged into one tree and resolved (§6.8), so which source answered
 * first never decides; only a fork the resolution cannot settle is a fork.
 */
export function judgeSources(
  identity: string,
  results: SourceResult[],
  now: number,
  unasked: string[] = [],
): ObtainedChain {
  const sources = results.map(report);
  const kept = results.filter((r) => r.chain !== null);
  if (kept.length > 0) {
    const chain =
      kept.length === 1
        ? kept[0]!.chain!
        : resolveChain(
            kept.flatMap((r) => r.chain!.allEvents),
            { now },
          );
    if (chain.status === 'fork') {
      const heads = sources.filter((s) => s.head).map((s) => ({ locator: s.locator, ...s.head }));
      const verdict: Verdict = { ...chain, evidence: { ...chain.evidence, heads } };
      return { chain: { ...chain, ...verdict }, verdict, sources };
    }
    if (chain.status === 'valid' && unasked.length > 0) {
      // The chain names sources this verifier did not ask: one of them may hold a revocation.
      const verdict: Verdict = {
        status: 'unreachable',
        code: 'network',
        reason: `the chain names more than ${MAX_CHAIN_SOURCES} sources; ${unasked.length} were not asked`,
        evidence: { limit: MAX_CHAIN_SOURCES, unasked },
      };
      return { chain: { ...chain, ...verdict }, verdict, sources };
    }
    return { chain, verdict: chain, sources };
  }
  const order = ['invalid', 'unreachable', 'not_found'];
  const worst = results
    .map((r) => r.verdict)
    .sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status))[0];
  return {
    chain: null,
    verdict: worst ?? {
      status: 'not_found',
      code: 'no_chain',
      reason: `no sigchain source is known for ${identity} (no sig-server configured, no locators in the claim)`,
      evidence: {},
    },
    sources,
  };
}

export interface ClosedSources {
  /** Every source asked, in the order they became known. */
  results: SourceResult[];
  /** Sources named but not asked (past MAX_CHAIN_SOURCES). */
  unasked: string[];
}

/**
 * Asks `initial`, then every source the chains obtained name, until no new one appears or
 * MAX_CHAIN_SOURCES were asked. Locators without a transport are skipped.
 */
export async function askSources(
  identity: string,
  initial: string[],
  registry: ChannelRegistry,
  env: ChannelEnv,
  now: number,
): Promise<ClosedSources> {
  const known: string[] = [];
  const learn = (ls: string[]) => {
    for (const l of ls) if (!known.includes(l) && registry.transportFor(l)) known.push(l);
  };
  learn(initial);
  const results: SourceResult[] = [];
  while (results.length < known.length && results.length < MAX_CHAIN_SOURCES) {
    const batch = known.slice(results.length, MAX_CHAIN_SOURCES);
    const got = await mapBounded(batch, SOURCE_CONCURRENCY, (l) =>
      readSource(l, identity, registry, env, now),
    );
    results.push(...got);
    for (const r of got) if (r.chain) learn(namedSources(r.chain));
  }
  return { results, unasked: known.slice(results.length) };
}

/** askSources + judgeSources. */
export async function obtainChain(
  identity: string,
  locators: string[],
  registry: ChannelRegistry,
  env: ChannelEnv,
  now: number,
): Promise<ObtainedChain> {
  const { results, unasked } = await askSources(identity, locators, registry, env, now);
  return judgeSources(identity, results, now, unasked);
}

// Finding an identity's sigchain (SPEC §13): ask the given sources, then every source the
// chains they serve name (the locators of every in-chain claim), until the set is closed or
// MAX_CHAIN_SOURCES were asked. Each source is verified on its own, so one that serves garbage
// cannot spoil another's good chain; two good chains that disagree are a fork, never the first
// answer.
import {
  objectHash,
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

/** The seq at which two valid chains disagree, if any (compared on their common prefix). */
function divergence(a: ChainResult, b: ChainResult): { seq: number; hashes: string[] } | null {
  const n = Math.min(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) {
    const ha = objectHash(a.events[i]!);
    const hb = objectHash(b.events[i]!);
    if (ha !== hb) return { seq: a.events[i]!.seq, hashes: [ha, hb].sort() };
  }
  return null;
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

/** The verdict over a set of sources' answers: fork if any two disagree, else the longest valid one. */
export function judgeSources(
  identity: string,
  results: SourceResult[],
  unasked: string[] = [],
): ObtainedChain {
  const sources = results.map(report);
  const forked = results.find((r) => r.chain?.status === 'fork');
  if (forked?.chain) return { chain: forked.chain, verdict: forked.chain, sources };
  const good = results.filter((r) => r.chain?.status === 'valid' && r.chain.state);
  for (let i = 0; i < good.length; i++) {
    for (let j = i + 1; j < good.length; j++) {
      const d = divergence(good[i]!.chain!, good[j]!.chain!);
      if (!d) continue;
      const heads = [good[i]!, good[j]!].map((r) => ({
        locator: r.locator,
        ...report(r).head!,
      }));
      const verdict: Verdict = {
        status: 'fork',
        code: 'fork',
        reason: `${heads[0]!.locator} and ${heads[1]!.locator} serve different valid events at seq ${d.seq}`,
        evidence: { seq: d.seq, hashes: d.hashes, heads },
      };
      return { chain: { ...good[i]!.chain!, ...verdict }, verdict, sources };
    }
  }
  const longest = good
    .map((r) => r.chain!)
    .sort((a, b) => b.state!.head.seq - a.state!.head.seq)[0];
  if (longest && unasked.length > 0) {
    // The chain names sources this verifier did not ask: one of them may hold a revocation.
    const verdict: Verdict = {
      status: 'unreachable',
      code: 'network',
      reason: `the chain names more than ${MAX_CHAIN_SOURCES} sources; ${unasked.length} were not asked`,
      evidence: { limit: MAX_CHAIN_SOURCES, unasked },
    };
    return { chain: { ...longest, ...verdict }, verdict, sources };
  }
  if (longest) return { chain: longest, verdict: longest, sources };
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
  return judgeSources(identity, results, unasked);
}

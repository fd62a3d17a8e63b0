// Finding an identity's sigchain: every source (configured sig-servers, the claim's locators)
// is asked concurrently and verified on its own; a source that serves garbage cannot spoil
// another's good chain, and two good chains that disagree are a fork.
import {
  objectHash,
  verdictOf,
  verifyChain,
  type ChainEvent,
  type ChainResult,
  type Verdict,
} from '@kez/core';
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

export async function obtainChain(
  identity: string,
  locators: string[],
  registry: ChannelRegistry,
  env: ChannelEnv,
  now: number,
): Promise<ObtainedChain> {
  const unique = [...new Set(locators)].filter((l) => registry.transportFor(l));
  const results = await Promise.all(
    unique.map(async (locator) => {
      try {
        env.progress?.(`chain: ${locator}`);
        const events = await registry
          .transportFor(locator)!
          .fetchChain(locator, identity, env, now);
        if (events.length === 0)
          return {
            locator,
            chain: null,
            verdict: {
              status: 'not_found',
              code: 'no_chain',
              reason: `${locator} has no chain for ${identity}`,
              evidence: {},
            } as Verdict,
          };
        const chain = verifyChain(ordered(events), { now });
        if (chain.state && chain.state.identity !== identity) {
          return {
            locator,
            chain: null,
            verdict: {
              status: 'invalid',
              code: 'identity_mismatch',
              reason: `${locator} served another identity's chain`,
              evidence: {},
            } as Verdict,
          };
        }
        return { locator, chain, verdict: chain as Verdict };
      } catch (e) {
        return { locator, chain: null, verdict: verdictOf(e) };
      }
    }),
  );
  const sources: SourceReport[] = results.map(({ locator, chain, verdict }) => ({
    locator,
    status: verdict.status,
    code: verdict.code,
    reason: verdict.reason,
    head: chain?.state ? { seq: chain.state.head.seq, hash: chain.state.head.hash } : undefined,
  }));

  const forked = results.find((r) => r.chain?.status === 'fork');
  if (forked?.chain) return { chain: forked.chain, verdict: forked.chain, sources };
  const good = results
    .filter((r) => r.chain?.status === 'valid' && r.chain.state)
    .map((r) => r.chain!);
  for (let i = 0; i < good.length; i++) {
    for (let j = i + 1; j < good.length; j++) {
      const d = divergence(good[i]!, good[j]!);
      if (d) {
        const verdict: Verdict = {
          status: 'fork',
          code: 'fork',
          reason: `two sources serve different valid events at seq ${d.seq}`,
          evidence: { seq: d.seq, hashes: d.hashes },
        };
        return { chain: { ...good[i]!, ...verdict }, verdict, sources };
      }
    }
  }
  const longest = good.sort((a, b) => b.state!.head.seq - a.state!.head.seq)[0];
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

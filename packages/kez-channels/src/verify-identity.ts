// `verify id`: from one account to the identity that claims it, its sigchain, and every
// account that chain claims, each checked at its own place (concurrently, bounded). Four
// named steps — locate the root proofs, choose the identity, obtain a trusted chain, judge
// the edges — under one deadline.
import {
  claimStatus,
  compareHeads,
  isKezError,
  objectHash,
  parseSubject,
  verdictOf,
  type ChainResult,
  type ChainState,
  type Claim,
  type Subject,
  type Verdict,
} from '@kez/core';
import { mapBounded } from './bounded.js';
import {
  askSources,
  judgeSources,
  namedSources,
  type ObtainedChain,
  type SourceReport,
} from './chain-sources.js';
import { withDeadline } from './deadline.js';
import type { HeadCache } from './head-cache.js';
import {
  best,
  evaluateCandidate,
  placeFailure,
  proofIdentity,
  shortWithChain,
  type ProofVerdict,
} from './proofs.js';
import { DEFAULT_VERIFY_DEADLINE_MS, MAX_PROOFS_PER_PLACE } from './read-limits.js';
import type { ChannelRegistry } from './registry.js';
import { readExternalIdentities, type IdentityHint } from './channels/nostr-identities.js';
import type { ChannelEnv } from './types.js';

export interface Edge extends Verdict {
  subject: string;
  /** Where the proof was found (URL, dns name), when the place was consulted. */
  location?: string;
  stable_id?: string;
  claim?: string;
  seq?: number;
  created_at?: number;
  expires_at?: number;
  /** False when the chain alone decided (revoked, expired, rotated away): the place was not fetched. */
  fetched: boolean;
}

export interface IdentityResult extends Verdict {
  subject: string;
  identity?: string;
  chain?: {
    status: Verdict['status'];
    code?: Verdict['code'];
    reason: string;
    /** For a fork: the seq, the hashes there, and each source's head. */
    evidence: Verdict['evidence'];
    head?: { seq: number; hash: string };
    primary?: string;
    sources: SourceReport[];
  };
  /** Every account the chain claims (plus the queried one, if the chain does not reach it). */
  edges: Edge[];
  /** Other identities whose proofs were also found at the subject's place. */
  other_identities: string[];
  /** The deadline over the whole verification, and whether it was hit. */
  deadline: { ms: number; hit: boolean };
  /**
   * Accounts the identity's valid nostr accounts name in NIP-39 events (kind 10011): hints of
   * where to look, never proof — `claimed` says whether the chain claims it, and only its edge
   * can make it valid. Absent when there are none.
   */
  hints?: Hint[];
}

export interface Hint extends IdentityHint {
  claimed: boolean;
  /** The edge's status when claimed; `not_found` (`not_claimed`) when the chain does not claim it. */
  status: Verdict['status'];
  code?: Verdict['code'];
}

export interface VerifyIdentityOptions {
  now: number;
  env: ChannelEnv;
  registry: ChannelRegistry;
  cache: HeadCache;
  /** Sig-server base URLs (default env.config.sigServers) — asked besides the claim's locators. */
  sigServers?: string[];
  /** One deadline for the whole verification (default DEFAULT_VERIFY_DEADLINE_MS). */
  deadlineMs?: number;
}

type Located = { proofs: ProofVerdict[] };

/** Step 1: the proofs at an account's place, each judged on its own (at most MAX_PROOFS_PER_PLACE). */
async function locate(subject: Subject, o: VerifyIdentityOptions): Promise<Located> {
  try {
    const candidates = await o.registry.plugin(subject.channel).locate(subject, o.env);
    if (candidates.length === 0) {
      return {
        proofs: [
          {
            status: 'not_found',
            code: 'no_proof',
            reason: `no KEZ proof at ${subject.text}'s place`,
            evidence: {},
            location: subject.text,
            owner: { subject: subject.text },
          },
        ],
      };
    }
    const judged = candidates.slice(0, MAX_PROOFS_PER_PLACE);
    return { proofs: judged.map((c) => evaluateCandidate(subject, c, o.now)) };
  } catch (e) {
    return { proofs: [placeFailure(subject, e)] };
  }
}

/**
 * Step 2: which identity the account is taken to belong to when its place holds valid proofs
 * for several: the one named by the newest proof (highest claim created_at), ties broken by
 * the smaller identity id — the owner's latest word, whatever order the service lists them in.
 * A short proof has no time of its own, so it ranks below every signed claim.
 */
export function chooseIdentity(signed: ProofVerdict[]): { identity: string; others: string[] } {
  const newest = new Map<string, number>();
  for (const p of signed) {
    const identity = proofIdentity(p)!;
    newest.set(identity, Math.max(newest.get(identity) ?? -1, p.claim?.created_at ?? -1));
  }
  const ranked = [...newest.entries()].sort(
    ([ia, ta], [ib, tb]) => tb - ta || (ia < ib ? -1 : ia > ib ? 1 : 0),
  );
  return { identity: ranked[0]![0], others: ranked.slice(1).map(([i]) => i) };
}

/** A proof judged against the chain: valid only if both the place and the chain say so. */
function withChain(p: ProofVerdict, chain: ChainResult, now: number): ProofVerdict {
  if (p.status === 'valid' && p.short) return shortWithChain(p, chain, now);
  if (p.status !== 'valid' || !p.claim) return p;
  const c = claimStatus(p.claim, chain, { now });
  return c.status === 'valid'
    ? p
    : {
        ...p,
        status: c.status,
        code: c.code,
        reason: c.reason,
        evidence: { ...p.evidence, ...c.evidence },
      };
}

function edgeOf(
  subject: string,
  v: Verdict & { location?: string; owner?: { stableId?: string }; claim?: Claim },
  fetched: boolean,
): Edge {
  const claim = v.claim;
  return {
    subject,
    status: v.status,
    code: v.code,
    reason: v.reason,
    evidence: v.evidence,
    location: v.location,
    stable_id: v.owner?.stableId,
    fetched,
    claim: claim ? objectHash(claim) : undefined,
    seq: claim?.seq,
    created_at: claim?.created_at,
    expires_at: claim?.expires_at,
  };
}

/**
 * Step 3: a chain to trust. Sources: configured sig-servers, the root proofs' locators, and
 * (askSources) every locator the chains obtained name. A claim's locators are the identity's
 * word only if the claim is in its chain: any key can sign a claim naming the identity and
 * point at a server holding a stale prefix (one that hides a revocation). So when a valid chain
 * came back and some root claim is not in it, the answers of sources only such claims named
 * are set aside and the rest judged again.
 */
async function trustedChain(
  identity: string,
  rootProofs: ProofVerdict[],
  o: VerifyIdentityOptions,
): Promise<ObtainedChain> {
  const configured = o.sigServers ?? o.env.config.sigServers;
  // A short proof's homes count as a root proof's locators (SPEC §5.2).
  const locatorsOf = (ps: ProofVerdict[]) =>
    ps.flatMap((p) => p.short?.homes ?? p.claim!.locators ?? []);
  // With nothing else to ask, the default homes (the verifier's relays) are asked (SPEC §10),
  // so an identity that kept the defaults is found with no settings.
  const named = [...configured, ...locatorsOf(rootProofs)];
  const asked = await askSources(
    identity,
    named.length > 0 ? named : o.env.config.nostrRelays,
    o.registry,
    o.env,
    o.now,
  );
  const first = judgeSources(identity, asked.results, o.now, asked.unasked);
  const state = first.chain?.state;
  if (first.verdict.status !== 'valid' || !state) return first;
  // A short proof is in the chain when the chain claims the place's owner.
  const claimed = new Set([...state.claims.values()].map((e) => e.claim.subject));
  const outside = rootProofs.filter((p) =>
    p.short ? !claimed.has(p.owner.subject) : !state.claims.has(objectHash(p.claim!)),
  );
  if (outside.length === 0) return first;
  const vouched = new Set([
    ...configured,
    ...locatorsOf(rootProofs.filter((p) => !outside.includes(p))),
    ...asked.results.flatMap((r) => (r.chain ? namedSources(r.chain) : [])),
  ]);
  const kept = asked.results.filter((r) => vouched.has(r.locator));
  return judgeSources(identity, kept, o.now, asked.unasked);
}

/** The chain verdict after comparing its head with the one seen before (SPEC §6.7). */
async function againstSeen(identity: string, obtained: ObtainedChain, cache: HeadCache) {
  const chain = obtained.chain;
  if (!chain?.state || chain.status !== 'valid') return obtained.verdict;
  const seen = await cache.get(identity);
  const against = seen ? compareHeads(seen, chain) : null;
  if (against) return against;
  if (!seen || chain.state.head.seq >= seen.seq)
    await cache.put(identity, { seq: chain.state.head.seq, hash: chain.state.head.hash });
  return obtained.verdict;
}

/** Step 4: every account a valid chain claims, each checked at its own place (bounded). */
async function judgeEdges(
  subject: Subject,
  rootPlace: ProofVerdict[],
  identity: string,
  chain: ChainResult & { state: ChainState },
  o: VerifyIdentityOptions,
): Promise<Edge[]> {
  // Every subject the chain claims; the queried one reuses the proofs already fetched.
  const claimsBySubject = new Map<string, Claim[]>();
  for (const { claim } of chain.state.claims.values()) {
    claimsBySubject.set(claim.subject, [...(claimsBySubject.get(claim.subject) ?? []), claim]);
  }
  if (!claimsBySubject.has(subject.text)) claimsBySubject.set(subject.text, []);
  const subjects = [...claimsBySubject.keys()];
  o.env.progress?.(`verifying ${subjects.length} account(s) of ${identity}`);
  return mapBounded(subjects, o.env.config.concurrency, async (s): Promise<Edge> => {
    // The chain alone may already rule every claim for this subject out (revoked, expired, rotated away).
    const fromChain = (claimsBySubject.get(s) ?? []).map((c) => ({
      ...claimStatus(c, chain, { now: o.now }),
      claim: c,
    }));
    const live = fromChain.some((v) => v.status === 'valid');
    if (!live && s !== subject.text) return edgeOf(s, best(fromChain)!, false);
    const proofs = s === subject.text ? rootPlace : (await locate(parseSubject(s), o)).proofs;
    const mine = proofs.filter((p) => p.status !== 'valid' || proofIdentity(p) === identity);
    const judged = mine.map((p) => withChain(p, chain, o.now));
    const found = best(judged) ?? {
      status: 'not_found' as const,
      code: 'no_proof' as const,
      reason: `no proof for ${identity} at ${s}'s place`,
      evidence: {},
      location: s,
      owner: { subject: s },
    };
    return edgeOf(s, found, true);
  });
}

export async function verifyIdentity(
  input: string,
  options: VerifyIdentityOptions,
): Promise<IdentityResult> {
  const ms = options.deadlineMs ?? DEFAULT_VERIFY_DEADLINE_MS;
  const o = { ...options, env: withDeadline(options.env, ms) };
  const result = await verifySteps(input, o);
  return { ...result, deadline: { ms, hit: o.env.signal!.aborted } };
}

async function verifySteps(
  input: string,
  o: VerifyIdentityOptions,
): Promise<Omit<IdentityResult, 'deadline'>> {
  let subject: Subject;
  try {
    subject = parseSubject(input);
  } catch (e) {
    return { ...verdictOf(e), subject: input, edges: [], other_identities: [] };
  }
  o.env.progress?.(`locating proofs for ${subject.text}`);
  const root = await locate(subject, o);
  const signed = root.proofs.filter((p) => p.status === 'valid' && proofIdentity(p));
  if (signed.length === 0) {
    const b = best(root.proofs)!;
    return {
      status: b.status,
      code: b.code,
      reason: b.reason,
      evidence: b.evidence,
      subject: subject.text,
      edges: [edgeOf(subject.text, b, true)],
      other_identities: [],
    };
  }
  const { identity, others } = chooseIdentity(signed);
  const rootProofs = signed.filter((p) => proofIdentity(p) === identity);

  const obtained = await trustedChain(identity, rootProofs, o);
  const chainVerdict = await againstSeen(identity, obtained, o.cache);
  const chain = obtained.chain;
  const chainReport = {
    status: chainVerdict.status,
    code: chainVerdict.code,
    reason: chainVerdict.reason,
    evidence: chainVerdict.evidence,
    head: chain?.state ? { seq: chain.state.head.seq, hash: chain.state.head.hash } : undefined,
    primary: chain?.state?.primary,
    sources: obtained.sources,
  };
  const base = { subject: subject.text, identity, chain: chainReport, other_identities: others };

  if (chainVerdict.status !== 'valid' || !chain?.state) {
    // No chain, or one that cannot be trusted: nothing is valid (SPEC §9), every edge says why.
    const why: Verdict =
      chainVerdict.status === 'valid'
        ? { status: 'not_found', code: 'no_chain', reason: 'no chain state', evidence: {} }
        : { ...chainVerdict, reason: `sigchain: ${chainVerdict.reason}` };
    const rootEdge = edgeOf(subject.text, { ...best(rootProofs)!, ...why }, true);
    const claimed = chain?.state
      ? [...chain.state.claims.values()]
          .map((c) => c.claim.subject)
          .filter((s) => s !== subject.text)
      : [];
    const edges = [rootEdge, ...[...new Set(claimed)].map((s) => edgeOf(s, why, false))];
    return { ...why, ...base, edges };
  }

  const edges = await judgeEdges(
    subject,
    root.proofs,
    identity,
    { ...chain, state: chain.state },
    o,
  );
  const rootEdge = edges.find((e) => e.subject === subject.text)!;
  const hints = await hintsOf(edges, o);
  return {
    status: rootEdge.status,
    code: rootEdge.code,
    reason: rootEdge.reason,
    evidence: rootEdge.evidence,
    ...base,
    edges,
    ...(hints.length > 0 ? { hints } : {}),
  };
}

/** The NIP-39 hints of the identity's valid nostr accounts (at most 4 asked), judged by the edges. */
async function hintsOf(edges: Edge[], o: VerifyIdentityOptions): Promise<Hint[]> {
  const nostr = edges
    .filter((e) => e.status === 'valid' && e.subject.startsWith('nostr:'))
    .slice(0, 4);
  const read = await Promise.all(
    nostr.map((e) =>
      // A relay that cannot be read gives no hints; hints never decide anything.
      readExternalIdentities(e.subject.slice('nostr:'.length), o.env).catch((err: unknown) => {
        if (!isKezError(err)) throw err;
        return [];
      }),
    ),
  );
  return read.flat().map((h): Hint => {
    const edge = edges.find((e) => e.subject === h.subject);
    return edge
      ? { ...h, claimed: true, status: edge.status, ...(edge.code ? { code: edge.code } : {}) }
      : { ...h, claimed: false, status: 'not_found', code: 'not_claimed' };
  });
}

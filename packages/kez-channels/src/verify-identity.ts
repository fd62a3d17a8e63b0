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
  rank,
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
  /**
   * Every identity a proof at the subject's place names, each judged for the subject by its
   * own proof and chain (SPEC §10, several identities at one place), best first; `identity`
   * is the first. Never mixed: another identity's result does not change this one's.
   */
  identities: IdentityAtPlace[];
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

/** One identity named at the subject's place and its own verdict for the subject. */
export interface IdentityAtPlace extends Verdict {
  identity: string;
  /** Its chain's status (`valid` when the chain itself checked out). */
  chain_status: Verdict['status'];
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

const byText = (a: { text: string }, b: { text: string }) =>
  a.text < b.text ? -1 : a.text > b.text ? 1 : 0;

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
    // Which proofs are judged must not depend on the order the service lists them in.
    const judged = [...candidates].sort(byText).slice(0, MAX_PROOFS_PER_PLACE);
    return { proofs: judged.map((c) => evaluateCandidate(subject, c, o.now)) };
  } catch (e) {
    return { proofs: [placeFailure(subject, e)] };
  }
}

/**
 * Step 2 (SPEC §10, several identities at one place): every identity the place's proofs name is
 * judged for the subject on its own; the subject's identity is the one whose own result is best
 * (valid > expired > revoked > unreachable > fork > invalid > not_found), ties to the newest
 * signed claim (a short proof has no time of its own, so it ranks below them), then the smaller
 * identity id — never the order the service lists the proofs in.
 */
export function rankIdentities<T extends { identity: string; status: Verdict['status'] }>(
  judged: T[],
  signed: ProofVerdict[],
): T[] {
  const newest = new Map<string, number>();
  for (const p of signed) {
    const identity = proofIdentity(p)!;
    newest.set(identity, Math.max(newest.get(identity) ?? -1, p.claim?.created_at ?? -1));
  }
  const at = (id: string) => newest.get(id) ?? -1;
  return [...judged].sort(
    (a, b) =>
      placeRank(a.status) - placeRank(b.status) ||
      at(b.identity) - at(a.identity) ||
      (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0),
  );
}

/** Across identities a fork is one identity's trouble, not the subject's: it ranks below unreachable. */
function placeRank(status: Verdict['status']): number {
  return status === 'fork' ? rank('unreachable') + 0.5 : rank(status);
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

/**
 * The edge for account `s` from the proofs at its place: this identity's own proofs judged
 * against its chain, and the place's failures that name no identity (a broken record tells its
 * owner what to fix). Another identity's proof there is never mixed in (SPEC §10).
 */
function edgeAt(
  s: string,
  proofs: ProofVerdict[],
  identity: string,
  chain: ChainResult & { state: ChainState },
  now: number,
): Edge {
  const mine = proofs.filter((p) => (proofIdentity(p) ?? identity) === identity);
  const found = best(mine.map((p) => withChain(p, chain, now))) ?? {
    status: 'not_found' as const,
    code: 'no_proof' as const,
    reason: `no proof for ${identity} at ${s}'s place`,
    evidence: {},
    location: s,
    owner: { subject: s },
  };
  return edgeOf(s, found, true);
}

/** Step 4: every account a valid chain claims, each checked at its own place (bounded). */
async function judgeEdges(
  subject: Subject,
  identity: string,
  chain: ChainResult & { state: ChainState },
  o: VerifyIdentityOptions,
  rootEdge: Edge,
): Promise<Edge[]> {
  // Every subject the chain claims; the queried one's edge was judged from the proofs fetched.
  const claimsBySubject = new Map<string, Claim[]>();
  for (const { claim } of chain.state.claims.values()) {
    claimsBySubject.set(claim.subject, [...(claimsBySubject.get(claim.subject) ?? []), claim]);
  }
  if (!claimsBySubject.has(subject.text)) claimsBySubject.set(subject.text, []);
  const subjects = [...claimsBySubject.keys()];
  o.env.progress?.(`verifying ${subjects.length} account(s) of ${identity}`);
  return mapBounded(subjects, o.env.config.concurrency, async (s): Promise<Edge> => {
    if (s === subject.text) return rootEdge;
    // The chain alone may already rule every claim for this subject out (revoked, expired, rotated away).
    const fromChain = (claimsBySubject.get(s) ?? []).map((c) => ({
      ...claimStatus(c, chain, { now: o.now }),
      claim: c,
    }));
    if (!fromChain.some((v) => v.status === 'valid')) return edgeOf(s, best(fromChain)!, false);
    return edgeAt(s, (await locate(parseSubject(s), o)).proofs, identity, chain, o.now);
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
    return { ...verdictOf(e), subject: input, edges: [], other_identities: [], identities: [] };
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
      identities: [],
    };
  }
  const ids = [...new Set(signed.map((p) => proofIdentity(p)!))].sort();
  const judged = await mapBounded(ids, o.env.config.concurrency, (id) =>
    judgeIdentity(subject, id, root.proofs, signed, o),
  );
  const ranked = rankIdentities(judged, signed);
  const chosen = ranked[0]!;
  const identities: IdentityAtPlace[] = ranked.map((j) => ({
    identity: j.identity,
    status: j.root.status,
    ...(j.root.code ? { code: j.root.code } : {}),
    reason: j.root.reason,
    evidence: j.root.evidence,
    chain_status: j.chainVerdict.status,
  }));
  const { identity, obtained, chainVerdict, root: rootEdge } = chosen;
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
  const base = {
    subject: subject.text,
    identity,
    chain: chainReport,
    other_identities: ranked.slice(1).map((j) => j.identity),
    identities,
  };
  const verdict = {
    status: rootEdge.status,
    code: rootEdge.code,
    reason: rootEdge.reason,
    evidence: rootEdge.evidence,
  };
  if (chainVerdict.status !== 'valid' || !chain?.state) {
    // No chain, or one that cannot be trusted: nothing is valid (SPEC §9), every edge says why.
    const claimed = chain?.state
      ? [...chain.state.claims.values()]
          .map((c) => c.claim.subject)
          .filter((s) => s !== subject.text)
      : [];
    const edges = [rootEdge, ...[...new Set(claimed)].map((s) => edgeOf(s, verdict, false))];
    return { ...verdict, ...base, edges };
  }
  const edges = await judgeEdges(subject, identity, { ...chain, state: chain.state }, o, rootEdge);
  const hints = await hintsOf(edges, o);
  return { ...verdict, ...base, edges, ...(hints.length > 0 ? { hints } : {}) };
}

interface JudgedIdentity {
  identity: string;
  status: Verdict['status'];
  obtained: ObtainedChain;
  chainVerdict: Verdict;
  /** The subject's edge as this identity's own proofs and chain decide it. */
  root: Edge;
}

/** One identity named at the subject's place: its chain, and its own proofs there judged against it. */
async function judgeIdentity(
  subject: Subject,
  identity: string,
  placeProofs: ProofVerdict[],
  signed: ProofVerdict[],
  o: VerifyIdentityOptions,
): Promise<JudgedIdentity> {
  const rootProofs = signed.filter((p) => proofIdentity(p) === identity);
  const obtained = await trustedChain(identity, rootProofs, o);
  const chainVerdict = await againstSeen(identity, obtained, o.cache);
  const chain = obtained.chain;
  let root: Edge;
  if (chainVerdict.status !== 'valid' || !chain?.state) {
    const why: Verdict =
      chainVerdict.status === 'valid'
        ? { status: 'not_found', code: 'no_chain', reason: 'no chain state', evidence: {} }
        : { ...chainVerdict, reason: `sigchain: ${chainVerdict.reason}` };
    root = edgeOf(subject.text, { ...best(rootProofs)!, ...why }, true);
  } else {
    root = edgeAt(subject.text, placeProofs, identity, { ...chain, state: chain.state }, o.now);
  }
  return { identity, status: root.status, obtained, chainVerdict, root };
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

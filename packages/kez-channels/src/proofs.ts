// Judging the proofs a channel found: decode, verify the signed claim, and require that the
// claim's subject is the place's owner (SPEC §10). A short proof (SPEC §5.2) carries no
// signature: it only names an identity, and its chain decides (shortWithChain). Chain status
// is applied by the caller.
import {
  KezError,
  decode,
  findShortProofs,
  isKezError,
  judgeShortProof,
  verdictOf,
  verifyObject,
  type ChainResult,
  type Claim,
  type ShortProof,
  type Status,
  type Subject,
  type Verdict,
} from '@kez/core';
import type { Candidate, Owner, ShortPointer } from './types.js';

export interface ProofVerdict extends Verdict {
  location: string;
  owner: Owner;
  /** The signed claim; for a short proof, the chain's claim that decided (once judged). */
  claim?: Claim;
  /** Set for a short proof. */
  short?: ShortPointer;
}

/** The identity a proof names (a signed claim's or a short proof's). */
export function proofIdentity(p: ProofVerdict): string | undefined {
  return p.claim?.identity ?? p.short?.identity;
}

// Text that is a short proof rather than an encoded claim (a proof record's whole value).
const SHORT_TEXT = /^\s*(?:https?:\/\/[^\s/]+\/)?kez:id:/;

/** A proof value that holds either a signed claim (any encoding) or a short proof. */
export function proofCandidates(text: string, location: string, owner: Owner): Candidate[] {
  return SHORT_TEXT.test(text)
    ? shortCandidates(text, location, owner)
    : [{ location, text, owner }];
}

/**
 * The short proofs in a text at a place (SPEC §5.2), one candidate per identity with the homes
 * of all its links merged; a malformed link makes the text one failing candidate.
 */
export function shortCandidates(text: string, location: string, owner: Owner): Candidate[] {
  let found: ShortProof[];
  try {
    found = findShortProofs(text);
  } catch (e) {
    if (!isKezError(e)) throw e;
    return [{ location, text, owner, short: e }];
  }
  const homes = new Map<string, string[]>();
  for (const p of found) {
    const list = homes.get(p.identity) ?? [];
    if (p.home !== undefined) list.push(p.home);
    homes.set(p.identity, list);
  }
  return [...homes].map(([identity, h]) => ({
    location,
    text,
    owner,
    short: { identity, homes: h },
  }));
}

/** SPEC §10: the best of several proofs, valid > expired > revoked > unreachable > invalid > not_found. */
const RANK: Record<Status, number> = {
  valid: 0,
  expired: 1,
  revoked: 2,
  unreachable: 3,
  invalid: 4,
  not_found: 5,
  fork: -1,
};

export function rank(status: Status): number {
  return RANK[status];
}

export function best<T extends Verdict>(verdicts: T[]): T | undefined {
  return verdicts.reduce<T | undefined>(
    (b, v) => (b === undefined || rank(v.status) < rank(b.status) ? v : b),
    undefined,
  );
}

function subjectMismatch(
  c: Candidate,
  claimed: string | undefined,
): ProofVerdict & { code: 'subject_mismatch' } {
  return {
    status: 'invalid',
    code: 'subject_mismatch',
    location: c.location,
    owner: c.owner,
    reason: `the proof at ${c.location} names ${claimed ?? 'another account'}, but the place belongs to ${c.owner.subject}`,
    evidence: {
      location: c.location,
      claimed,
      owner: c.owner.subject,
      stable_id: c.owner.stableId,
    },
  };
}

/** A proof refused at its place: the error's verdict, located. */
function failedAt(c: Candidate, e: unknown): ProofVerdict {
  const v = verdictOf(e);
  return {
    ...v,
    location: c.location,
    owner: c.owner,
    evidence: { ...v.evidence, location: c.location },
  };
}

/** A short proof at its place: a pointer to an identity, `valid` until its chain is judged. */
function evaluateShort(subject: Subject, c: Candidate, short: ShortPointer | KezError) {
  const base = { location: c.location, owner: c.owner };
  if (isKezError(short)) return failedAt(c, short);
  if (c.owner.subject !== subject.text) return { ...subjectMismatch(c, subject.text), short };
  return {
    status: 'valid' as const,
    ...base,
    short,
    reason: `short proof for ${short.identity} at ${c.owner.subject}'s place; its chain decides`,
    evidence: {
      location: c.location,
      owner: c.owner.subject,
      stable_id: c.owner.stableId,
      identity: short.identity,
      homes: short.homes,
    },
  };
}

/**
 * SPEC §5.2: a short proof at owner O's place, judged against its identity's chain: the best
 * claimStatus of the chain's claims for O, or not_found (`not_claimed`) when it has none.
 */
export function shortWithChain(p: ProofVerdict, chain: ChainResult, now: number): ProofVerdict {
  const v = judgeShortProof(p.short!.identity, p.owner.subject, chain, { now });
  const reason =
    v.code === 'not_claimed'
      ? `the short proof at ${p.location} names ${p.short?.identity}, whose chain claims no ${p.owner.subject}`
      : v.reason;
  return {
    ...p,
    status: v.status,
    ...(v.code ? { code: v.code } : {}),
    ...(v.claim ? { claim: v.claim } : {}),
    reason,
    evidence: { ...p.evidence, homes: p.short?.homes, ...v.evidence },
  };
}

export function evaluateCandidate(subject: Subject, c: Candidate, now: number): ProofVerdict {
  if (c.refused) return failedAt(c, c.refused);
  if (c.short) return evaluateShort(subject, c, c.short);
  const base = { location: c.location, owner: c.owner };
  let claim: Claim;
  try {
    const { object } = decode(c.text);
    if (object.type !== 'claim')
      throw new KezError('malformed', `a ${object.type} where a claim was expected`);
    claim = object;
  } catch (e) {
    return failedAt(c, e);
  }
  const sig = verifyObject(claim, { now });
  if (sig.status !== 'valid') return { ...sig, ...base, claim };
  if (c.owner.subject !== subject.text || claim.subject !== c.owner.subject)
    return { ...subjectMismatch(c, claim.subject), claim };
  return {
    status: 'valid',
    ...base,
    claim,
    reason: `signed proof for ${claim.subject} at its owner's place`,
    evidence: {
      location: c.location,
      owner: c.owner.subject,
      stable_id: c.owner.stableId,
      key: claim.key,
    },
  };
}

/** When a place could not be read at all: the location error as a proof verdict. */
export function placeFailure(subject: Subject, e: unknown): ProofVerdict {
  const v = verdictOf(e);
  return {
    ...v,
    location: String(v.evidence.url ?? subject.text),
    owner: { subject: subject.text },
  };
}

// Judging the proofs a channel found: decode, verify the signed claim, and require that the
// claim's subject is the place's owner (SPEC §10). Chain status is applied by the caller.
import {
  KezError,
  decode,
  verdictOf,
  verifyObject,
  type Claim,
  type Status,
  type Subject,
  type Verdict,
} from '@kez/core';
import type { Candidate, Owner } from './types.js';

export interface ProofVerdict extends Verdict {
  location: string;
  owner: Owner;
  claim?: Claim;
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

export function evaluateCandidate(subject: Subject, c: Candidate, now: number): ProofVerdict {
  const base = { location: c.location, owner: c.owner };
  let claim: Claim;
  try {
    const { object } = decode(c.text);
    if (object.type !== 'claim')
      throw new KezError('malformed', `a ${object.type} where a claim was expected`);
    claim = object;
  } catch (e) {
    return {
      ...verdictOf(e),
      ...base,
      evidence: { ...verdictOf(e).evidence, location: c.location },
    };
  }
  const sig = verifyObject(claim, { now });
  if (sig.status !== 'valid') return { ...sig, ...base, claim };
  if (c.owner.subject !== subject.text || claim.subject !== c.owner.subject) {
    return {
      status: 'invalid',
      code: 'subject_mismatch',
      ...base,
      claim,
      reason: `the proof at ${c.location} names ${claim.subject}, but the place belongs to ${c.owner.subject}`,
      evidence: {
        location: c.location,
        claimed: claim.subject,
        owner: c.owner.subject,
        stable_id: c.owner.stableId,
      },
    };
  }
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

// SPEC §5.2 short proofs: `[home "/"] kez:id:<64 hex>`, a pointer from an account's place to
// an identity whose chain claims that account. Short enough for a Mastodon field (255), a
// GitHub bio (160) or one DNS character-string (255); the chain, not the text, carries the
// signature.
import { fail } from './errors.js';
import { IDENTITY_ID_RE, IDENTITY_PREFIX } from './identity-id.js';
import { checkLocator } from './locators.js';
import { unusableChain } from './bundle.js';
import type { ChainResult } from './chain-resolver.js';
import { claimStatus } from './claim.js';
import type { Claim } from './objects.js';
import { objectHash } from './signing.js';
import { verdictOf, type Verdict } from './verdict.js';

export interface ShortProof {
  identity: string;
  /** The sig-server home the proof links to (`https://host[:port]`), a chain source. */
  home?: string;
}

export const MAX_SHORT_PROOF_BYTES = 120;
/** 120 − "/" − the 71 bytes of the identity id. */
export const MAX_HOME_BYTES = 48;
/** Short proofs taken from one text; later ones are ignored. */
export const MAX_SHORT_PROOFS = 8;

const HOME = /^https?:\/\/[^/?#]+$/;
const HEX64 = /^[0-9a-f]{64}/;
const ALNUM = /[A-Za-z0-9]/;
// The characters a home is made of (rule 2): the run before "/" is read greedily over these.
const HOME_CHAR = /[A-Za-z0-9.\-:/]/;

function isHome(s: string): boolean {
  if (s.length > MAX_HOME_BYTES || !HOME.test(s)) return false;
  try {
    checkLocator(s); // host and port exactly as SPEC §5.1
    return true;
  } catch {
    return false;
  }
}

/** The short proof text for `identity`, bare or linked to its sig-server `home`. */
export function formatShortProof(identity: string, home?: string): string {
  if (typeof identity !== 'string' || !IDENTITY_ID_RE.test(identity))
    fail('malformed', 'identity must be kez:id:<64 lowercase hex>');
  if (home === undefined) return identity;
  if (typeof home !== 'string') fail('malformed', 'a short proof home must be a string');
  if (home.length > MAX_HOME_BYTES)
    fail('too_large', `a short proof home is at most ${MAX_HOME_BYTES} bytes`, {
      bytes: home.length,
    });
  if (!isHome(home))
    fail('malformed', 'a short proof home is http(s)://host[:port], no path (SPEC §5.2)', {
      home,
    });
  return `${home}/${identity}`;
}

/**
 * The short proofs in `text` (SPEC §5.2), in order, one entry per distinct (identity, home):
 * callers merge the homes of one identity. An occurrence that is not a proof (bad hex, glued to
 * a letter or digit) is skipped; a link whose home is not canonical is `malformed`.
 */
export function findShortProofs(text: string): ShortProof[] {
  const found: ShortProof[] = [];
  const seen = new Set<string>();
  let taken = 0;
  for (
    let p = text.indexOf(IDENTITY_PREFIX);
    p >= 0 && taken < MAX_SHORT_PROOFS;
    p = text.indexOf(IDENTITY_PREFIX, p + 1)
  ) {
    const end = p + IDENTITY_PREFIX.length + 64;
    if (!HEX64.test(text.slice(p + IDENTITY_PREFIX.length, end))) continue;
    if (end < text.length && ALNUM.test(text[end]!)) continue;
    if (p > 0 && ALNUM.test(text[p - 1]!)) continue;
    taken++;
    let home: string | undefined;
    if (p > 0 && text[p - 1] === '/') {
      let s = p - 1;
      while (s > 0 && HOME_CHAR.test(text[s - 1]!)) s--;
      home = text.slice(s, p - 1);
      if (!isHome(home))
        fail(
          'malformed',
          'the link before a short proof is not a canonical http(s)://host[:port]',
          {
            home: home.slice(0, MAX_HOME_BYTES + 8),
          },
        );
    }
    const identity = text.slice(p, end);
    const key = `${identity} ${home ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(home === undefined ? { identity } : { identity, home });
  }
  return found;
}

/** SPEC §10's best-of order over the statuses a claim in a valid chain can have. */
const CLAIM_RANK: Partial<Record<Verdict['status'], number>> = { valid: 0, expired: 1, revoked: 2 };
const claimRank = (v: Verdict) => CLAIM_RANK[v.status] ?? 3;

/**
 * SPEC §5.2 "Verifying a short proof", steps 2–3: the chain's claims for `subject` (the place's
 * owner), each judged by §6.6, the best one deciding. A chain that is not valid decides itself.
 */
export function judgeShortProof(
  identity: string,
  subject: string,
  chain: ChainResult,
  opts: { now: number },
): Verdict & { claim?: Claim } {
  const ev = { identity, subject };
  let unusable: Verdict | undefined;
  try {
    unusable = unusableChain(chain, ev);
  } catch (err) {
    return verdictOf(err); // a forked chain
  }
  if (unusable) return unusable;
  const state = chain.state!;
  if (state.identity !== identity)
    return {
      status: 'invalid',
      code: 'identity_mismatch',
      reason: `the chain is ${state.identity}'s, not ${identity}'s`,
      evidence: ev,
    };
  const claims = [...state.claims.values()]
    .map((e) => e.claim)
    .filter((c) => c.subject === subject);
  if (claims.length === 0)
    return {
      status: 'not_found',
      code: 'not_claimed',
      reason: `${identity}'s chain claims no ${subject}`,
      evidence: ev,
    };
  const judged = claims.map((claim) => ({ ...claimStatus(claim, chain, opts), claim }));
  const decided = judged.reduce((b, v) => (claimRank(v) < claimRank(b) ? v : b));
  return {
    ...decided,
    reason:
      decided.status === 'valid' ? `${subject} is claimed by ${identity}'s chain` : decided.reason,
    evidence: { ...ev, ...decided.evidence, claim: objectHash(decided.claim) },
  };
}

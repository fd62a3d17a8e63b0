// Claims (SPEC §5): create, verify offline, and status against a chain (§6.6).
import { fail } from './errors.js';
import type { Signer } from './keys.js';
import { type Claim, type Version, VERSION } from './objects.js';
import { signValid, verifySignedObject } from './signing.js';
import { valid, verdictFrom, type Verdict } from './verdict.js';
import { unusableChain } from './bundle.js';
import type { ChainResult } from './chain-resolver.js';
import { retirementOf } from './chain-state.js';

export function createClaim(
  p: {
    identity: string;
    seq: number;
    subject: string;
    created_at: number;
    expires_at?: number;
    locators?: string[];
    /** The version to sign (default: the current one; older ones for vectors and tests). */
    version?: Version;
  },
  signer: Signer,
): Claim {
  const unsigned: Omit<Claim, 'sig'> = {
    kez: p.version ?? VERSION,
    type: 'claim',
    identity: p.identity,
    seq: p.seq,
    subject: p.subject,
    key: signer.keyId,
    created_at: p.created_at,
    ...(p.expires_at === undefined ? {} : { expires_at: p.expires_at }),
    ...(p.locators === undefined ? {} : { locators: p.locators }),
  };
  return signValid<Claim>(unsigned, signer);
}

function verifiedClaim(value: unknown, now: number): { claim: Claim; hash: string } {
  const { object, hash } = verifySignedObject(value, now);
  if (object.type !== 'claim') fail('malformed', `expected a claim, got ${object.type}`);
  return { claim: object, hash };
}

/** Offline (SPEC §6.6 last paragraph): structure, signature, time and expiry; the chain is not consulted. */
export function verifyClaim(value: unknown, opts: { now: number }): Verdict {
  return verdictFrom(() => {
    const { claim, hash } = verifiedClaim(value, opts.now);
    const evidence = {
      hash,
      subject: claim.subject,
      identity: claim.identity,
      key: claim.key,
      chain: 'not consulted',
    };
    if (claim.expires_at !== undefined && claim.expires_at <= opts.now)
      fail('expired', `claim expired at ${claim.expires_at}`, evidence);
    return valid(
      'claim signature and structure are good (offline: the sigchain was not consulted)',
      evidence,
    );
  });
}

/** SPEC §6.6: the first matching row decides; a key's claims outlive it unless a retirement
 * (SPEC §6.2) undoes them. */
export function claimStatus(value: Claim, chain: ChainResult, opts: { now: number }): Verdict {
  return verdictFrom(() => {
    const { claim, hash } = verifiedClaim(value, opts.now);
    const ev: Record<string, unknown> = { hash, subject: claim.subject, identity: claim.identity };
    const unusable = unusableChain(chain, ev);
    if (unusable) return unusable;
    const s = chain.state!;
    ev.head = { ...s.head };
    if (claim.identity !== s.identity)
      fail('identity_mismatch', 'the claim names another identity', {
        ...ev,
        chain_identity: s.identity,
      });
    if (claim.seq > s.head.seq)
      fail(
        'chain_behind',
        `the chain ends at seq ${s.head.seq}, before the claim's seq ${claim.seq}`,
        ev,
      );
    const entry = s.claims.get(hash);
    if (!entry || entry.seq !== claim.seq)
      fail('not_in_chain', `the add event at seq ${claim.seq} does not carry this claim`, ev);
    if (entry.revoked)
      fail(
        'revoked',
        `claim revoked at seq ${entry.revoked.seq}${entry.revoked.reason ? `: ${entry.revoked.reason}` : ''}`,
        { ...ev, revoked: { ...entry.revoked } },
      );
    // Retirements from superseded branches count too (SPEC §6.8: they stick).
    const r = retirementOf(s, claim.key, claim.seq);
    if (r)
      fail(r.code, `the claim's key ${claim.key} was retired from seq ${r.since} (${r.code})`, {
        ...ev,
        retirement: { ...r },
      });
    if (claim.expires_at !== undefined && claim.expires_at <= opts.now)
      fail('expired', `claim expired at ${claim.expires_at}`, ev);
    return valid(`${claim.subject} belongs to ${claim.identity} (sigchain head ${s.head.seq})`, ev);
  });
}

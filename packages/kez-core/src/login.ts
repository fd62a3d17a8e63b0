// Login assertions (SPEC §7).
import { fail } from './errors.js';
import { randomBytes, toHex } from './bytes.js';
import type { Signer } from './keys.js';
import { type Login, type Version, VERSION } from './objects.js';
import { signValid, verifySignedObject } from './signing.js';
import { valid, verdictFrom, verdictOf, type Verdict } from './verdict.js';
import { unusableChain } from './bundle.js';
import type { ChainResult } from './chain-resolver.js';
import { retirementOf } from './chain-state.js';
import { LOGIN_FUTURE_SKEW } from './limits.js';

export function createLogin(
  p: {
    identity: string;
    audience: string;
    created_at: number;
    expires_at: number;
    nonce?: string;
    /** The version to sign (default: the current one). */
    version?: Version;
  },
  signer: Signer,
): Login {
  return signValid<Login>(
    {
      kez: p.version ?? VERSION,
      type: 'login',
      identity: p.identity,
      key: signer.keyId,
      audience: p.audience,
      nonce: p.nonce ?? toHex(randomBytes(16)),
      created_at: p.created_at,
      expires_at: p.expires_at,
    },
    signer,
  );
}

/** A login that passed the checks that need no chain: structure, signature (verified here,
 *  once), audience, created_at ≤ now + 60, now < expires_at. */
export interface CheckedLogin {
  login: Login;
  hash: string;
}

/**
 * SPEC §7, the part that needs no chain. Codes: wrong audience → not_authorized;
 * created_at > now + 60 → future; now ≥ expires_at → expired; bad structure or signature →
 * their SPEC codes. A service checks this first, so garbage never costs a chain read.
 */
export function checkLoginOffline(
  value: unknown,
  opts: { audience: string; now: number },
): { ok: true; checked: CheckedLogin } | { ok: false; verdict: Verdict } {
  try {
    const { object: login, hash } = verifySignedObject(value, opts.now, LOGIN_FUTURE_SKEW);
    if (login.type !== 'login') fail('malformed', `expected a login, got ${login.type}`);
    const ev = evidenceOf(login, hash);
    if (login.audience !== opts.audience)
      fail(
        'not_authorized',
        `login is for ${JSON.stringify(login.audience)}, not this service`,
        ev,
      );
    if (opts.now >= login.expires_at) fail('expired', `login expired at ${login.expires_at}`, ev);
    return { ok: true, checked: { login, hash } };
  } catch (err) {
    return { ok: false, verdict: verdictOf(err) };
  }
}

/**
 * SPEC §7, the chain's part, for a login checkLoginOffline passed (its signature is not
 * verified again). Codes: a forked chain → fork; another chain's identity → identity_mismatch;
 * key retired on any branch (a revoked device included) → the retirement's code; key neither
 * primary nor an active device → key_rotated; an unusable chain → the chain's own verdict.
 */
export function checkLoginAgainstChain(checked: CheckedLogin, chain: ChainResult): Verdict {
  return verdictFrom(() => {
    const { login } = checked;
    const ev = evidenceOf(login, checked.hash);
    const unusable = unusableChain(chain, ev);
    if (unusable) return unusable;
    const s = chain.state!;
    if (s.identity !== login.identity)
      fail('identity_mismatch', 'the chain is of another identity', ev);
    const r = retirementOf(s, login.key);
    if (r) fail(r.code, `the login key was retired at seq ${r.seq} (${r.code})`, ev);
    if (login.key !== s.primary && !s.devices.has(login.key))
      fail('key_rotated', 'the login key is not the primary or an active device', ev);
    return valid(`login by ${login.identity} for ${login.audience}`, {
      ...ev,
      head: { ...s.head },
    });
  });
}

/**
 * SPEC §7: checkLoginOffline, then checkLoginAgainstChain. Replay (nonce) is the service's job.
 */
export function verifyLogin(
  value: unknown,
  opts: { audience: string; now: number; chain: ChainResult },
): Verdict {
  const offline = checkLoginOffline(value, opts);
  return offline.ok ? checkLoginAgainstChain(offline.checked, opts.chain) : offline.verdict;
}

function evidenceOf(login: Login, hash: string): Record<string, unknown> {
  return { hash, identity: login.identity, key: login.key, nonce: login.nonce };
}

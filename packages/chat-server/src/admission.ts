// The admission decision for one login attempt: is this KEZ login assertion good enough to
// enter? Everything that can fail ends as a refusal with a code; nothing is admitted by
// default (a sig-server that cannot be reached is a refusal, never an admit).
import {
  compareHeads,
  decode,
  detectEncoding,
  KezError,
  verdictOf,
  verifyChain,
  verifyLogin,
  verifyObject,
  type Login,
  type Verdict,
} from '@kez/core';
import type { ChainSource } from './chain-source.js';
import type { HeadMemory } from './head-memory.js';
import type { NonceCache } from './nonce-cache.js';
import type { NonceLedger } from './nonce-ledger.js';

/** Login tokens are a few hundred bytes; anything near the SPEC compact limit is hostile. */
export const MAX_TOKEN_BYTES = 16_384;
/** SPEC §7/§11: a login's created_at may be at most 60 s ahead of our clock. */
const LOGIN_FUTURE_SKEW = 60;

/** Refusal codes: SPEC §9 codes (wrong audience is `not_authorized`, as kez-core's verifyLogin
 *  says), plus the service-side decisions SPEC §7 leaves to the service. */
export type RefusalCode = NonNullable<Verdict['code']> | 'replayed' | 'no_token' | 'capacity';

export type Admission =
  | { admit: true; identity: string; key: string; chainHead: number }
  | {
      admit: false;
      code: RefusalCode;
      status: Verdict['status'];
      reason: string;
      identity?: string;
      key?: string;
    };

export interface AdmissionContext {
  audience: string;
  chains: ChainSource;
  nonces: NonceCache;
  /** Shared, durable record of used nonces (JetStream); without it, single use holds only
   *  within this process's lifetime. */
  ledger?: NonceLedger;
  heads: HeadMemory;
  /** Unix seconds. */
  now(): number;
}

function refuse(v: Verdict, login?: Login): Admission {
  return {
    admit: false,
    code: v.code ?? 'malformed',
    status: v.status,
    reason: v.reason,
    ...(login ? { identity: login.identity, key: login.key } : {}),
  };
}

function refuseWith(code: RefusalCode, reason: string, login?: Login): Admission {
  return {
    admit: false,
    code,
    status: 'invalid',
    reason,
    ...(login ? { identity: login.identity, key: login.key } : {}),
  };
}

export async function decideAdmission(
  token: string | undefined,
  ctx: AdmissionContext,
): Promise<Admission> {
  if (token === undefined || token === '')
    return refuseWith('no_token', 'no KEZ login assertion in auth_token');
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES)
    return refuse(verdictOf(new KezError('too_large', 'login token too large')));

  // Cheap, offline checks first, so garbage never costs a sig-server request.
  let login: Login;
  const now = ctx.now();
  try {
    // Tokens are the JSON (§8.1) or compact (§8.2) encoding; Markdown and DNS forms are for
    // publishing claims, not for logging in.
    const encoding = detectEncoding(token);
    if (encoding !== 'json' && encoding !== 'compact')
      return refuseWith('malformed', 'a login token is a JSON or kez:z1: compact login assertion');
    const { object } = decode(token);
    if (object.type !== 'login')
      return refuseWith('malformed', `expected a login assertion, got a ${object.type}`);
    login = object;
  } catch (e) {
    return refuse(verdictOf(e));
  }
  const offline = verifyObject(login, { now });
  if (offline.status !== 'valid') return refuse(offline, login);
  if (login.audience !== ctx.audience)
    return refuseWith('not_authorized', 'the login assertion is meant for another service', login);
  if (login.created_at > now + LOGIN_FUTURE_SKEW)
    return refuse(
      {
        status: 'invalid',
        code: 'future',
        reason: 'login created too far in the future',
        evidence: {},
      },
      login,
    );
  if (now >= login.expires_at)
    return refuse(
      {
        status: 'expired',
        code: 'expired',
        reason: `login expired at ${login.expires_at}`,
        evidence: {},
      },
      login,
    );
  if (ctx.nonces.has(login.nonce, now))
    return refuseWith('replayed', 'this login assertion was already used', login);

  // The identity's chain decides whether the key still speaks for it.
  let fetched;
  try {
    fetched = await ctx.chains.fetch(login.identity);
  } catch (e) {
    return refuse(verdictOf(e), login);
  }
  if (fetched === null)
    return refuse(
      {
        status: 'not_found',
        code: 'no_chain',
        reason: 'the sig-server has no chain for this identity',
        evidence: {},
      },
      login,
    );
  if (fetched.forked)
    return refuse(
      {
        status: 'fork',
        code: 'fork',
        reason: 'the sig-server reports a fork of this chain',
        evidence: {},
      },
      login,
    );
  const now2 = ctx.now();
  const chain = verifyChain(fetched.events, { now: now2 });
  if (chain.status !== 'valid' || !chain.state) return refuse(chain, login);
  const seen = ctx.heads.get(login.identity);
  if (seen) {
    const regress = compareHeads(seen, chain);
    if (regress) return refuse(regress, login);
  }
  ctx.heads.remember(login.identity, chain.state.head);

  const verdict = verifyLogin(login, { audience: ctx.audience, now: now2, chain });
  if (verdict.status !== 'valid') return refuse(verdict, login);

  // Single use: recorded only now, atomically (synchronous check-and-set).
  if (!ctx.nonces.use(login.nonce, login.expires_at, now2)) {
    return ctx.nonces.has(login.nonce, now2)
      ? refuseWith('replayed', 'this login assertion was already used', login)
      : refuseWith('capacity', 'too many logins in flight; try again shortly', login);
  }
  if (ctx.ledger) {
    let claimed;
    try {
      claimed = await ctx.ledger.claim(login.nonce);
    } catch (e) {
      return refuse(verdictOf(e), login);
    }
    if (claimed === 'used')
      return refuseWith(
        'replayed',
        'this login assertion was already used (before a restart, or at another replica)',
        login,
      );
  }
  return { admit: true, identity: login.identity, key: login.key, chainHead: chain.state.head.seq };
}

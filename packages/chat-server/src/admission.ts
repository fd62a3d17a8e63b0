// The admission decision for one login attempt: is this KEZ login assertion good enough to
// enter? Everything that can fail ends as a refusal with a code; nothing is admitted by
// default (a sig-server that cannot be reached is a refusal, never an admit). The login
// checks are @kez/core's (checkLoginOffline, then checkLoginAgainstChain: the signature is
// verified once); this file adds what SPEC §7 leaves to the service: single use, rollback
// memory, and where the chain comes from.
import {
  checkLoginAgainstChain,
  checkLoginOffline,
  compareHeads,
  decode,
  detectEncoding,
  KezError,
  verdictOf,
  type Login,
  type Verdict,
} from '@kez/core';
import type { HeadStore } from './head-memory.js';
import type { NonceCache } from './nonce-cache.js';
import type { NonceLedger } from './nonce-ledger.js';
import type { VerifiedChains } from './verified-chains.js';

/** Login tokens are a few hundred bytes; anything near the SPEC compact limit is hostile. */
export const MAX_TOKEN_BYTES = 16_384;

/** Refusal codes: SPEC §9 codes (wrong audience is `not_authorized`, as kez-core's verifyLogin
 *  says), plus the service-side decisions SPEC §7 leaves to the service. */
export type RefusalCode = NonNullable<Verdict['code']> | 'replayed' | 'no_token' | 'capacity';

/** Which part of the service a refusal came from, so logs name the real cause. */
export type RefusalSource =
  | 'login'
  | 'sig-server'
  | 'nonce-ledger'
  | 'head-memory'
  | 'capacity'
  | 'starved';

export type Admission =
  | { admit: true; identity: string; key: string; chainHead: number; chainRead: string }
  | {
      admit: false;
      code: RefusalCode;
      status: Verdict['status'];
      reason: string;
      source: RefusalSource;
      identity?: string;
      key?: string;
      /** How the chain was obtained, when it was (VerifiedChain.read). */
      chainRead?: string;
    };

export interface AdmissionContext {
  audience: string;
  chains: VerifiedChains;
  nonces: NonceCache;
  /** Shared, durable record of used nonces (JetStream); without it, single use holds only
   *  within this process's lifetime. */
  ledger?: NonceLedger;
  heads: HeadStore;
  /** Unix seconds. */
  now(): number;
}

function refuse(v: Verdict, source: RefusalSource, login?: Login): Admission {
  return {
    admit: false,
    code: v.code ?? 'malformed',
    status: v.status,
    reason: v.reason,
    source,
    ...(login ? { identity: login.identity, key: login.key } : {}),
  };
}

function refuseWith(
  code: RefusalCode,
  reason: string,
  source: RefusalSource,
  login?: Login,
): Admission {
  return {
    admit: false,
    code,
    status: code === 'capacity' ? 'unreachable' : 'invalid',
    reason,
    source,
    ...(login ? { identity: login.identity, key: login.key } : {}),
  };
}

/** The ledger's answer, or what it failed with (settled: an early claim may go unread). */
const claimOf = (
  ledger: NonceLedger,
  login: Login,
): Promise<'fresh' | 'used' | { error: unknown }> =>
  ledger.claim(login.nonce).catch((error: unknown) => ({ error }));

/** `deadline` (performance.now() ms): when the broker stops waiting for our answer. */
export async function decideAdmission(
  token: string | undefined,
  ctx: AdmissionContext,
  deadline?: number,
): Promise<Admission> {
  if (token === undefined || token === '')
    return refuseWith('no_token', 'no KEZ login assertion in auth_token', 'login');
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES)
    return refuse(verdictOf(new KezError('too_large', 'login token too large')), 'login');

  // Cheap, offline checks first, so garbage never costs a sig-server request.
  let decoded: unknown;
  try {
    // Tokens are the JSON (§8.1) or compact (§8.2) encoding; Markdown and DNS forms are for
    // publishing claims, not for logging in.
    const encoding = detectEncoding(token);
    if (encoding !== 'json' && encoding !== 'compact')
      return refuseWith(
        'malformed',
        'a login token is a JSON or kez:z1: compact login assertion',
        'login',
      );
    decoded = decode(token).object;
  } catch (e) {
    return refuse(verdictOf(e), 'login');
  }
  const now = ctx.now();
  const offline = checkLoginOffline(decoded, { audience: ctx.audience, now });
  if (!offline.ok) {
    const o = decoded as Partial<Login>;
    const named = typeof o.identity === 'string' && typeof o.key === 'string';
    return refuse(offline.verdict, 'login', named ? (o as Login) : undefined);
  }
  const { login } = offline.checked;

  // Single use, refused logins included: a replayed token costs this lookup, never another
  // chain read (one token, one check).
  if (!ctx.nonces.try(login.nonce, login.expires_at, now))
    return refuseWith('replayed', 'this login assertion was already used', 'login', login);

  // The head seen before is read while the chain is: both are round trips (JetStream, the
  // sig-server) and neither needs the other, so a login waits for the slower, not for both.
  const seenRead = ctx.heads.get(login.identity).then(
    (head) => ({ head }),
    (error: unknown) => ({ error }),
  );
  // When the chain held from an earlier read already lets this key speak for the identity, the
  // nonce is claimed in the ledger during those reads too (a third round trip in parallel, not
  // after them); a login the fresh chain then refuses has spent its nonce, as single use allows.
  // Otherwise it is claimed only once the chain admits the key, so neither a made-up identity
  // nor a key of one's own naming someone else's identity ever writes to the ledger.
  const held = ctx.chains.held(login.identity);
  const early =
    ctx.ledger && held && checkLoginAgainstChain(offline.checked, held).status === 'valid'
      ? claimOf(ctx.ledger, login)
      : null;
  // The identity's chain decides whether the key still speaks for it.
  let fetched;
  try {
    fetched = await ctx.chains.get(login.identity, now, deadline);
  } catch (e) {
    return refuse(verdictOf(e), 'sig-server', login);
  }
  if (fetched === null)
    return refuse(
      {
        status: 'not_found',
        code: 'no_chain',
        reason: 'the sig-server has no chain for this identity',
        evidence: {},
      },
      'sig-server',
      login,
    );
  // A chain the sig-server flags as forked was resolved by SPEC §6.8 (main line + evidence):
  // only an unresolved fork refuses (checkLoginAgainstChain: `fork`), and a key a rival branch
  // retired is refused for that retirement, which sticks whichever branch won.
  const { chain } = fetched;
  // Rollback memory first, and for every valid chain (a refused login's chain may be the one
  // that carries a revocation the sig-server must not later withhold).
  if (chain.status === 'valid' && chain.state) {
    const head = chain.state.head;
    const read = await seenRead;
    if ('error' in read) return refuse(verdictOf(read.error), 'head-memory', login);
    const seen = read.head;
    const regress = seen && compareHeads(seen, chain);
    if (regress) return refuse(regress, 'sig-server', login);
    try {
      if (seen?.hash !== head.hash) await ctx.heads.remember(login.identity, head);
    } catch (e) {
      return refuse(verdictOf(e), 'head-memory', login);
    }
  }
  const verdict = checkLoginAgainstChain(offline.checked, chain);
  if (verdict.status !== 'valid')
    return { ...refuse(verdict, 'login', login), chainRead: fetched.read };
  const state = chain.state!;

  const now2 = ctx.now();
  if (now2 >= login.expires_at)
    return refuseWith('expired', `login expired at ${login.expires_at}`, 'login', login);
  // Recorded as used only now, atomically (synchronous check-and-set).
  if (!ctx.nonces.use(login.nonce, login.expires_at, now2))
    return refuseWith(
      'capacity',
      'too many logins in flight; try again shortly',
      'capacity',
      login,
    );
  if (ctx.ledger) {
    const claimed = await (early ?? claimOf(ctx.ledger, login));
    if (typeof claimed !== 'string') return refuse(verdictOf(claimed.error), 'nonce-ledger', login);
    if (claimed === 'used')
      return refuseWith(
        'replayed',
        'this login assertion was already used (before a restart, or at another replica)',
        'login',
        login,
      );
  }
  return {
    admit: true,
    identity: login.identity,
    key: login.key,
    chainHead: state.head.seq,
    chainRead: fetched.read,
  };
}

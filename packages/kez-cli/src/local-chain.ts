// The store's own identity: loading its verified chain, appending an event, picking signers.
import type { ChainEvent, ChainResult, ChainState, Claim, ClaimEntry, Signer } from '@kez/core';
import {
  arg,
  flag,
  type OptionValues,
  option,
  parsedOption,
  repeatable,
} from './command-definition.js';
import type { Env } from './context.js';
import type { KezCore } from './core.js';
import { CliError, localError, usageError } from './errors.js';
import type { Outcome } from './exit-codes.js';
import { keyById, signerFor } from './keyring.js';
import { storeHomes } from './homes.js';
import type { KeyRecord } from './store.js';
import { DURATION_FORMS, parseDurationInput, parseTimeInput, TIME_FORMS } from './time-input.js';

export interface LocalChain {
  core: KezCore;
  identity: string;
  result: ChainResult;
  state: ChainState;
  /** Where the chain lives (SPEC §10): the default locators of new claims. */
  homes: string[];
}

/** The local chain, verified, for a command that will extend it (the store stays locked until exit). */
export async function loadLocalChain(env: Env): Promise<LocalChain> {
  env.store.lock();
  const identity = env.store.readConfig().identity;
  if (identity === undefined) {
    throw localError(
      'no_identity',
      'this store holds no identity',
      'run `kez sigchain init` to create one, or `kez sigchain import FILE` to bring yours here',
    );
  }
  const text = env.store.readChain(identity);
  if (text === undefined) {
    throw localError(
      'no_chain',
      `the sigchain of ${identity} is missing from ${env.store.home}`,
      'restore it with `kez sigchain import FILE`',
    );
  }
  const core = await env.core();
  const result = core.verifyChain(text, { now: env.now });
  if (result.status !== 'valid' || result.state === undefined) {
    const hint =
      result.code === 'future'
        ? `the chain has events after the clock (${env.now}): check the system clock or --now`
        : 'inspect it with `kez sigchain show`; restore a good copy with `kez sigchain import FILE`';
    throw new CliError(
      result.status as Outcome,
      `the local sigchain is ${result.status}: ${result.reason}`,
      hint,
      result.code ?? result.status,
    );
  }
  return { core, identity, result, state: result.state, homes: await storeHomes(env) };
}

/** Checks `event` against the chain (the same rules every verifier applies), then stores the longer chain. */
export function appendEvent(env: Env, chain: LocalChain, event: ChainEvent): ChainState {
  const state = applyChecked(env, chain, event);
  // allEvents: superseded branches stay in the store as the evidence they are (SPEC §6.8).
  env.store.writeChain(chain.identity, chain.core.exportBundle([...chain.result.allEvents, event]));
  return state;
}

/** Applies `event` without storing it; a rule it breaks becomes an error that names the rule. */
export function applyChecked(env: Env, chain: LocalChain, event: ChainEvent): ChainState {
  try {
    return chain.core.applyEvent(chain.state, event, { now: env.now });
  } catch (e) {
    const v = chain.core.verdictOf(e);
    throw new CliError(
      v.status as Outcome,
      `the new ${event.op} event would not verify: ${v.reason}`,
      event.created_at < chain.state.head.created_at
        ? `the chain head is at ${chain.state.head.created_at}; --now must not be earlier`
        : 'check the arguments; `kez sigchain show` shows the chain',
      v.code ?? v.status,
    );
  }
}

/**
 * The `created_at` a new signature gets: the clock (--now or the system clock), refused when
 * it is further ahead of the system clock than SPEC's future skew — every verifier would
 * reject it as `future`, and the store's own chain would stop loading.
 */
export function signingTime(env: Env, core: KezCore): number {
  if (env.now > env.systemNow + core.FUTURE_SKEW) {
    throw usageError(
      `--now ${env.now} is ahead of the system clock (${env.systemNow}): verifiers would reject a signature made then as future`,
      '--now is for verification; sign without it (and check the system clock)',
      'future_signing_time',
    );
  }
  return env.now;
}

/** Runs a core builder; bad arguments it rejects (a KezError) are usage errors. */
export function build<T>(core: KezCore, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof core.KezError)
      throw usageError(
        `cannot ${what}: ${e.message}`,
        'check the arguments against SPEC.md; `kez sigchain show` shows the chain',
        e.code,
      );
    throw e;
  }
}

export function primaryRecord(env: Env, chain: LocalChain): KeyRecord {
  return keyById(env, chain.state.primary, 'primary');
}

export function primarySigner(env: Env, chain: LocalChain): Signer {
  return signerFor(chain.core, primaryRecord(env, chain));
}

/** For add and revoke, which a device may sign too: --key NAME, else the primary, else the default key. */
export function claimSigner(env: Env, chain: LocalChain, keyName: string | undefined): Signer {
  if (keyName !== undefined) return signerFor(chain.core, env.store.readKey(keyName));
  const primary = env.store.findKeyById(chain.state.primary);
  if (primary) return signerFor(chain.core, primary);
  const def = env.store.readConfig().default_key;
  if (def !== undefined) return signerFor(chain.core, env.store.readKey(def));
  return primarySigner(env, chain); // reports the missing primary key
}

export function parseSubjectArg(core: KezCore, input: string): string {
  try {
    return core.parseSubject(input).text;
  } catch {
    throw usageError(
      `'${input}' is not an account subject`,
      'subjects look like github:NAME, dns:example.com, nostr:npub1…, bluesky:HANDLE, ap:@user@host',
      'bad_subject',
    );
  }
}

/** The one live claim for `subjectInput`: a usage error `no_claim` without one, `ambiguous` with several. */
export function liveClaim(chain: LocalChain, subjectInput: string): [string, ClaimEntry] {
  const subject = parseSubjectArg(chain.core, subjectInput);
  const live = [...chain.state.claims.entries()].filter(
    ([, c]) => c.claim.subject === subject && !c.revoked,
  );
  if (live.length === 0)
    throw usageError(
      `no live claim for ${subject} in the chain`,
      `make one with \`kez claim ${subject}\`; \`kez sigchain show\` lists the claims and their statuses`,
      'no_claim',
    );
  if (live.length > 1)
    throw usageError(
      `${subject} has ${live.length} live claims`,
      `name one by its hash: ${live.map(([h]) => h).join(', ')}`,
      'ambiguous',
    );
  return live[0]!;
}

export interface NewClaim {
  claim: Claim;
  event: ChainEvent;
  hash: string;
}

/** The claim-making options and argument, shared by `kez claim` and `kez sigchain add`. */
export const claimOptions = {
  key: option('--key <name>', 'the signing key (default: the primary key)'),
  expiresAt: parsedOption(
    '--expires-at <time>',
    'expiry: Unix seconds or ISO 8601 (2027-01-01T00:00:00Z)',
    parseTime,
  ),
  expiresIn: parsedOption(
    '--expires-in <duration>',
    'expiry, from now: 30d, 12h, 1y, or ISO 8601 P30D',
    parseDuration,
  ),
  locator: repeatable(
    '--locator <url>',
    "where the sigchain can be found (repeatable; replaces the identity's homes)",
  ),
  force: flag(
    '--force',
    'add it even when SUBJECT already has a live claim (and overwrite an existing --out FILE)',
  ),
};
export type ClaimOptions = OptionValues<typeof claimOptions>;
export const subjectArg = arg('<subject>', 'the account, e.g. github:NAME or dns:example.com');

/** Builds a claim for `subject` and its `add` event (not yet stored: see appendEvent). */
export function buildClaim(
  env: Env,
  chain: LocalChain,
  subjectInput: string,
  opts: ClaimOptions,
): NewClaim {
  const { core } = chain;
  const subject = parseSubjectArg(core, subjectInput);
  const createdAt = signingTime(env, core);
  const live = [...chain.state.claims.entries()].find(
    ([, c]) => c.claim.subject === subject && !c.revoked,
  );
  if (live && !opts.force) {
    throw usageError(
      `${subject} already has a live claim (${live[0]}, seq ${live[1].seq})`,
      `\`kez sigchain show\` lists it; revoke it first (\`kez sigchain revoke ${live[0]}\`), or pass --force to add a second`,
      'duplicate',
    );
  }
  if (opts.expiresAt !== undefined && opts.expiresIn !== undefined)
    throw usageError(
      'give --expires-at or --expires-in, not both',
      '--expires-at names the time, --expires-in the time from now',
      'bad_expiry',
    );
  const expiresAt = opts.expiresIn !== undefined ? env.now + opts.expiresIn : opts.expiresAt;
  if (expiresAt !== undefined && expiresAt <= env.now) {
    throw usageError(
      `--expires-at ${expiresAt} is not after now (${env.now})`,
      `give a later time, e.g. --expires-at ${new Date((env.now + 365 * 86400) * 1000).toISOString().replace('.000', '')} or --expires-in 365d`,
      'bad_expiry',
    );
  }
  const signer = claimSigner(env, chain, opts.key);
  const p: Parameters<KezCore['addClaim']>[1] = { subject, created_at: createdAt };
  if (expiresAt !== undefined) p.expires_at = expiresAt;
  const locators = opts.locator.length > 0 ? opts.locator : chain.homes;
  if (locators.length > 0) p.locators = locators;
  const { claim, event } = build(core, 'make the claim', () =>
    core.addClaim(chain.state, p, signer),
  );
  applyChecked(env, chain, event);
  return { claim, event, hash: core.objectHash(claim) };
}

/** A time option: Unix seconds or ISO 8601 (time-input.ts). */
export function parseTime(value: string): number {
  const t = parseTimeInput(value);
  if (t === undefined)
    throw usageError(`'${value}' is not a time`, `give ${TIME_FORMS}`, 'bad_time');
  return t;
}

/** A duration option, in seconds. */
export function parseDuration(value: string): number {
  const d = parseDurationInput(value);
  if (d === undefined)
    throw usageError(`'${value}' is not a duration`, `give ${DURATION_FORMS}`, 'bad_duration');
  return d;
}

/** A chain position (seq ≥ 1). */
export function parseSeq(value: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw usageError(
      `'${value}' is not a seq`,
      'give an event number (1, 2, …); `kez sigchain show` lists the events',
      'bad_seq',
    );
  return Number(value);
}

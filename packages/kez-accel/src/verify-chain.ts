// verifyChain with the signature pool: @kez/core's verifyChain, with the signatures of a long
// chain checked on worker threads while this thread folds. Same result as core's, always.
import { verifyChain as verifyChainSerial, type ChainEvent, type ChainResult } from '@kez/core';
import { SignaturePool } from './signature-pool.js';

/**
 * Below this many events the pool does not pay: starting its workers costs about as much as
 * checking a few hundred signatures here (packages/kez-core/bench/core.mjs, "pool" rows).
 */
export const POOL_MIN_EVENTS = 512;

let shared: SignaturePool | undefined;

/** The process's pool, started on first use; its workers are unref'd, so it never holds a
 * process open. Long-lived processes that want their threads back call closeSharedPool(). */
export function sharedPool(): SignaturePool {
  shared ??= new SignaturePool();
  return shared;
}

export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}

function lineCount(input: ChainEvent[] | string): number {
  if (typeof input !== 'string') return input.length;
  let n = 0;
  for (let at = input.indexOf('\n'); at >= 0; at = input.indexOf('\n', at + 1)) n++;
  return n;
}

/** @kez/core's verifyChain (SPEC §6.5); a chain of POOL_MIN_EVENTS or more uses `pool`. */
export function verifyChain(
  input: ChainEvent[] | string,
  opts: { now: number; pool?: SignaturePool },
): ChainResult {
  if (lineCount(input) < POOL_MIN_EVENTS) return verifyChainSerial(input, { now: opts.now });
  const task = (opts.pool ?? sharedPool()).check(input);
  try {
    return verifyChainSerial(input, { now: opts.now, signatures: task });
  } finally {
    task.cancel();
  }
}

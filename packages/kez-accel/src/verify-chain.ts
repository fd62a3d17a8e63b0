// verifyChain with the signature pool: @kez/core's verifyChain, with the signatures of a long
// chain checked on worker threads while this thread folds. Same result as core's, always.
import { verifyChain as verifyChainSerial, type ChainEvent, type ChainResult } from '@kez/core';
import { SignaturePool } from './signature-pool.js';

/**
 * Below this many events the pool does not pay: a worker takes 0.6–0.9 s to load on a loaded
 * 2-core machine, about 1,000 events of serial verify, and until then the fold checks alone
 * while the loading threads compete with it. packages/kez-accel/bench/pool.mjs, cold / warm
 * over serial: at load 10, 0.46× / 0.80× at 2,048 events, 0.92× / 1.28× at 10,000; at load
 * 1.5, 0.66× / 1.17× at 2,048, 0.98× / 1.49× at 4,096, 1.17× / 1.28× at 10,000.
 */
export const POOL_MIN_EVENTS = 4_096;

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

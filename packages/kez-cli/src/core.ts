// @kez/core is loaded on first use, not at startup: `kez --version` and usage errors should not
// pay for curve tables and WASM. @kez/accel swaps in the fast verifiers before core is used,
// and its verifyChain (the same result, with a long chain's signatures checked on a worker
// pool) stands in for core's, so every chain the CLI verifies gets it.
import type * as Core from '@kez/core';

export type KezCore = typeof Core;

let loading: Promise<KezCore> | undefined;

export function loadCore(): Promise<KezCore> {
  loading ??= (async () => {
    const accel = await import('@kez/accel');
    const core = await import('@kez/core');
    return { ...core, verifyChain: accel.verifyChain };
  })();
  return loading;
}

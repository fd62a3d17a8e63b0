// @kez/core is loaded on first use, not at startup: `kez --version` and usage errors should not
// pay for curve tables and WASM. @kez/accel swaps in the fast verifiers before core is used.
import type * as Core from '@kez/core';

export type KezCore = typeof Core;

let loading: Promise<KezCore> | undefined;

export function loadCore(): Promise<KezCore> {
  loading ??= (async () => {
    await import('@kez/accel');
    return import('@kez/core');
  })();
  return loading;
}

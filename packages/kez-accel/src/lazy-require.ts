// Native addons load on first use, not at import: loading one costs start-up time (libsodium
// through require-addon most of all), and a process that imports accel may verify nothing, or
// only one suite. A missing or broken binding still throws, at that first use.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => {
    mod ??= require(id) as T;
    return mod;
  };
}

// Native addons load on first use, not at import: loading one costs start-up time (libsodium
// through require-addon most of all), and a process that imports accel may verify nothing, or
// only one suite. A missing or broken binding still throws, at that first use.
export function lazy<T>(load: () => T): () => T {
  let mod: T | undefined;
  return () => {
    mod ??= load();
    return mod;
  };
}

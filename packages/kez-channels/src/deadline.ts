// One deadline over a whole operation: a ChannelEnv whose every fetch, relay exchange and DNS
// lookup ends when it passes (each as `timeout`), whatever its own timeouts say.
import { KezError } from '@kez/core';
import type { ChannelEnv } from './types.js';

/** Settles like `work`, or rejects with `timeout` once `signal` aborts. */
function racing<T>(work: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(deadlineError(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadlineError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function deadlineError(what: string): KezError {
  return new KezError('timeout', `${what}: the deadline passed`, { deadline: true });
}

export function withDeadline(env: ChannelEnv, ms: number): ChannelEnv {
  const deadline = AbortSignal.timeout(ms);
  const signal = env.signal ? AbortSignal.any([env.signal, deadline]) : deadline;
  return {
    ...env,
    signal,
    fetch: (url, policy) => env.fetch(url, { ...policy, signal }),
    resolveTxt: (name) => racing(env.resolveTxt(name), signal, `DNS lookup of ${name}`),
  };
}

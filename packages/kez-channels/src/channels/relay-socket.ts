// What both relay dialers (ws in Node, WebSocket in a browser) share: the frame cap, the
// dial-time bound and the mapping of a failed dial to a SPEC §9 code.
import { KezError } from '@kez/core';
import type { ChannelEnv, RelaySocket } from '../types.js';

/** One KEZ event line is ≤ 64 KiB; JSON string escaping can double it, tags add a little. */
export const MAX_MESSAGE_BYTES = 256 << 10;

/** A relay that did not answer in time (or whose wait was aborted). */
export const timedOut = (url: string, what: string): KezError =>
  new KezError('timeout', `${url}: ${what}`, { url });

/**
 * Settles `dial` within config.timeouts.connectMs and env.signal. `dial` starts connecting,
 * calls `done` once, and returns its teardown, run when the wait ends in failure (a late
 * socket is closed, never leaked).
 */
export function boundedDial(
  url: string,
  env: ChannelEnv,
  dial: (done: (e: KezError | null, socket?: RelaySocket) => void) => () => void,
): Promise<RelaySocket> {
  const ms = env.config.timeouts.connectMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    let teardown = () => {};
    const done = (e: KezError | null, socket?: RelaySocket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      env.signal?.removeEventListener('abort', onAbort);
      if (e || !socket) {
        teardown();
        reject(e ?? timedOut(url, 'no socket'));
      } else resolve(socket);
    };
    const onAbort = () => done(timedOut(url, 'aborted'));
    const timer = setTimeout(
      () => done(timedOut(url, `no WebSocket handshake within ${ms} ms`)),
      ms,
    );
    env.signal?.addEventListener('abort', onAbort, { once: true });
    teardown = dial(done);
  });
}

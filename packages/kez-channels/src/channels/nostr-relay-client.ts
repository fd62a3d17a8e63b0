// NIP-01 to one relay over the socket env.dialRelay opens (Node: ws with the address policy,
// relay-dial-ws.ts; a browser: its WebSocket, relay-dial-browser.ts): bounded time and size.
// No Node imports, so it runs in a browser. Every failure is a KezError with a SPEC §9 code.
import { KezError, isKezError, toHex, type Code } from '@kez/core';
import type { ChannelEnv, RelaySocket } from '../types.js';
import type { NostrEvent } from './nostr-event.js';
import { timedOut } from './relay-socket.js';

export interface NostrFilter {
  kinds?: number[];
  authors?: string[];
  limit?: number;
  since?: number;
  until?: number;
  [tag: `#${string}`]: string[] | undefined;
}

export interface QueryLimits {
  /** More events than this in one answer is hostile: too_large. */
  maxEvents: number;
  /** More bytes of messages than this in one answer is hostile: too_large. */
  maxBytes: number;
}

/** A relay's machine-readable prefix (NIP-01 OK/CLOSED messages) → SPEC code. */
function relayRefusal(message: string): Code {
  return message.startsWith('rate-limited:') ? 'rate_limited' : 'network';
}

type Handler = (msg: unknown[]) => void;

/** An open connection to one relay. Operations share the socket; close() when done. */
export class RelaySession {
  private handlers = new Set<Handler>();
  private failure: KezError | null = null;
  private failWaiters = new Set<(e: KezError) => void>();

  private constructor(
    readonly url: string,
    private readonly socket: RelaySocket,
    private readonly env: ChannelEnv,
  ) {
    socket.listen(
      (text) => {
        let msg: unknown;
        try {
          msg = JSON.parse(text);
        } catch {
          return;
        } // not NIP-01: ignored
        if (!Array.isArray(msg) || typeof msg[0] !== 'string') return;
        for (const h of this.handlers) h(msg);
      },
      (e) => this.fail(e),
    );
  }

  /** Dials the relay through env.dialRelay; resolves once the WebSocket is open. */
  static async open(url: string, env: ChannelEnv): Promise<RelaySession> {
    if (!env.dialRelay)
      throw new KezError('network', `${url}: this environment cannot open WebSockets`, { url });
    return new RelaySession(url, await env.dialRelay(url, env), env);
  }

  private fail(e: KezError): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.failWaiters) w(e);
  }

  /**
   * Runs one request/answer exchange: `start` sends, `onMessage` returns a value to finish.
   * Bounded by config.timeouts.totalMs and env.signal.
   */
  private exchange<T>(
    what: string,
    start: () => void,
    onMessage: (msg: unknown[]) => T | undefined,
  ): Promise<T> {
    const { url, env } = this;
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const finish = (err: KezError | null, value?: T) => {
        clearTimeout(timer);
        this.handlers.delete(handler);
        this.failWaiters.delete(onFail);
        env.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value as T);
      };
      const handler: Handler = (msg) => {
        try {
          const v = onMessage(msg);
          if (v !== undefined) finish(null, v);
        } catch (e) {
          finish(isKezError(e) ? e : new KezError('malformed', `${url}: ${String(e)}`, { url }));
        }
      };
      const onFail = (e: KezError) => finish(e);
      const onAbort = () => finish(timedOut(url, 'aborted'));
      const timer = setTimeout(
        () =>
          finish(timedOut(url, `no answer to ${what} within ${env.config.timeouts.totalMs} ms`)),
        env.config.timeouts.totalMs,
      );
      env.signal?.addEventListener('abort', onAbort, { once: true });
      this.handlers.add(handler);
      this.failWaiters.add(onFail);
      try {
        start();
      } catch (e) {
        finish(new KezError('network', `${url}: send failed (${String(e)})`, { url }));
      }
    });
  }

  /** REQ → the events sent before EOSE (raw values: the caller checks them). */
  query(filter: NostrFilter, limits: QueryLimits): Promise<unknown[]> {
    const sub = `kez-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`;
    const events: unknown[] = [];
    let bytes = 0;
    return this.exchange(
      `REQ ${JSON.stringify(filter)}`,
      () => this.socket.send(JSON.stringify(['REQ', sub, filter])),
      (msg) => {
        if (msg[1] !== sub) return undefined;
        if (msg[0] === 'EVENT') {
          bytes += JSON.stringify(msg[2] ?? null).length;
          events.push(msg[2]);
          if (events.length > limits.maxEvents || bytes > limits.maxBytes) {
            throw new KezError(
              'too_large',
              `${this.url}: more than ${limits.maxEvents} events or ${limits.maxBytes} bytes`,
              { url: this.url, limit: limits.maxEvents },
            );
          }
          return undefined;
        }
        if (msg[0] === 'EOSE') {
          this.socket.send(JSON.stringify(['CLOSE', sub]));
          return events;
        }
        if (msg[0] === 'CLOSED') {
          const why = typeof msg[2] === 'string' ? msg[2] : '';
          throw new KezError(
            relayRefusal(why),
            `${this.url}: relay closed the subscription (${why})`,
            { url: this.url, message: why },
          );
        }
        return undefined;
      },
    );
  }

  /** EVENT → the relay's OK answer. */
  publish(event: NostrEvent): Promise<{ accepted: boolean; message: string }> {
    return this.exchange(
      `EVENT ${event.id}`,
      () => this.socket.send(JSON.stringify(['EVENT', event])),
      (msg) => {
        if (msg[0] !== 'OK' || msg[1] !== event.id) return undefined;
        return { accepted: msg[2] === true, message: typeof msg[3] === 'string' ? msg[3] : '' };
      },
    );
  }

  close(): void {
    this.fail(new KezError('network', `${this.url}: session closed`, { url: this.url }));
    this.socket.close();
  }
}

/** Opens a session, runs `use`, always closes. */
export async function withRelay<T>(
  url: string,
  env: ChannelEnv,
  use: (s: RelaySession) => Promise<T>,
): Promise<T> {
  const session = await RelaySession.open(url, env);
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

export interface RelayOutcome<T> {
  relay: string;
  value?: T;
  error?: KezError;
}

/** Runs `use` against every relay at once; each relay's failure is reported, not thrown. */
export async function eachRelay<T>(
  relays: string[],
  env: ChannelEnv,
  use: (s: RelaySession) => Promise<T>,
): Promise<RelayOutcome<T>[]> {
  return Promise.all(
    relays.map(async (relay): Promise<RelayOutcome<T>> => {
      try {
        return { relay, value: await withRelay(relay, env, use) };
      } catch (e) {
        if (!isKezError(e)) throw e;
        return { relay, error: e };
      }
    }),
  );
}

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

/** A relay answers EVENT with OK at once (NIP-01); waiting longer only hides a broken relay. */
const OK_WAIT_MS = 5_000;

/** A relay's machine-readable prefix (NIP-01 OK/CLOSED messages) → SPEC code. */
export function relayRefusal(message: string): Code {
  if (message.startsWith('rate-limited:')) return 'rate_limited';
  // Writes only for known keys or after NIP-42 AUTH: the key is not allowed there.
  if (/^(auth-required|restricted|blocked):/.test(message)) return 'not_authorized';
  return 'network';
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
    readonly env: ChannelEnv,
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
    deadline?: { ms: number; error: () => KezError },
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
          finish(
            deadline?.error() ??
              timedOut(url, `no answer to ${what} within ${env.config.timeouts.totalMs} ms`),
          ),
        deadline?.ms ?? env.config.timeouts.totalMs,
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

  /**
   * EVENT → the relay's OK answer (NIP-01: `["OK", id, true|false, message]`). One event is in
   * flight at a time, so an OK naming another id (or none) is a malformed answer, reported at
   * once; no OK within OK_WAIT_MS is reported with the relay's last NOTICE, if it sent one.
   */
  publish(event: NostrEvent): Promise<{ accepted: boolean; message: string }> {
    let notice = '';
    const wait = Math.min(OK_WAIT_MS, this.env.config.timeouts.totalMs);
    return this.exchange(
      `EVENT ${event.id}`,
      () => this.socket.send(JSON.stringify(['EVENT', event])),
      (msg) => {
        if (msg[0] === 'NOTICE' && typeof msg[1] === 'string') notice = msg[1].slice(0, 300);
        if (msg[0] !== 'OK') return undefined;
        if (msg[1] !== event.id || typeof msg[2] !== 'boolean')
          throw new KezError(
            'malformed',
            `${this.url}: answered EVENT ${event.id} with a malformed OK (${typeof msg[1] === 'string' && msg[1] ? `for event ${msg[1].slice(0, 64)}` : 'no event id'}${typeof msg[3] === 'string' && msg[3] ? `: ${msg[3].slice(0, 300)}` : ''})`,
            {
              url: this.url,
              event_id: event.id,
              message: typeof msg[3] === 'string' ? msg[3].slice(0, 300) : '',
            },
          );
        return {
          accepted: msg[2],
          message: typeof msg[3] === 'string' ? msg[3].slice(0, 300) : '',
        };
      },
      {
        ms: wait,
        error: () =>
          timedOut(
            this.url,
            `no OK for EVENT ${event.id} within ${wait} ms${notice ? ` (the relay's notice: ${notice})` : ''}`,
          ),
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

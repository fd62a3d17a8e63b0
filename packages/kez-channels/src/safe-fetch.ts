// The one HTTP fetcher every channel and client uses. Refuses blocked addresses on the
// address actually connected to (so DNS rebinding fails), follows redirects only by policy
// (re-checking every hop), bounds time and size, and maps every failure to a SPEC §9 code.
import type { Socket } from 'node:net';
import { pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, buildConnector, request } from 'undici';
import { KezError, isKezError } from '@kez/core';
import {
  BlockedAddressError,
  addressPolicy,
  blockedIn,
  blockedReason,
  guardedLookup,
  targetUrl,
} from './address-policy.js';
import { createLimiter } from './limiter.js';
import {
  LineStream,
  bodyTooLarge,
  declaredTooLarge,
  err,
  requestSignal,
  requestUrl,
  safeResponse,
  statusError,
} from './response-checks.js';
import { MAX_CONCURRENT_FETCHES } from './read-limits.js';
import type { ChannelsConfig, FetchPolicy, SafeFetch, SafeResponse } from './types.js';

/** An undici Agent whose every socket is checked after connect, whatever resolved it. */
export function guardedAgent(config: ChannelsConfig): Agent {
  const opts = addressPolicy(config);
  const connector = buildConnector({
    timeout: config.timeouts.connectMs,
    lookup: guardedLookup(opts),
  } as buildConnector.BuildOptions);
  return new Agent({
    connect: (connectOpts, callback) => {
      connector(connectOpts, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const remote = (socket as Socket).remoteAddress ?? '';
        const why = blockedReason(remote, opts);
        if (why) {
          socket.destroy();
          return callback(new BlockedAddressError(remote, why), null);
        }
        callback(null, socket);
      });
    },
    headersTimeout: config.timeouts.totalMs,
    bodyTimeout: config.timeouts.totalMs,
    keepAliveTimeout: 4_000,
  });
}

/** Finds our marker or a known code anywhere in an error's cause chain. */
function mapError(e: unknown, url: string, timedOut: boolean): KezError {
  if (isKezError(e)) return e;
  const blocked = blockedIn(e);
  if (blocked) return err('blocked_address', blocked.message, { url, address: blocked.address }, e);
  for (
    let c: unknown = e, depth = 0;
    c && depth < 6;
    c = (c as { cause?: unknown }).cause, depth++
  ) {
    const code = (c as { code?: string }).code;
    const name = (c as { name?: string }).name;
    if (
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      name === 'TimeoutError' ||
      (name === 'AbortError' && timedOut)
    ) {
      return err('timeout', `${url}: timed out`, { url }, e);
    }
  }
  const detail =
    (e as { code?: string; message?: string })?.code ?? (e as Error)?.message ?? String(e);
  return err('network', `${url}: network error (${detail})`, { url }, e);
}

/** Drops a response body we will not read (undici reports the abort as an error event). */
function discard(body: { on(ev: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}

/** A decoder for a Content-Encoding (none for identity); an unknown coding is malformed. */
function decoder(coding: string | undefined, url: string): Transform | undefined | KezError {
  const c = (coding ?? 'identity').trim().toLowerCase();
  if (c === 'identity' || c === '') return undefined;
  if (c === 'gzip' || c === 'x-gzip') return createGunzip();
  if (c === 'deflate') return createInflate();
  if (c === 'br') return createBrotliDecompress();
  return err('malformed', `${url}: unsupported content encoding '${c}'`, { url, encoding: c });
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export interface SafeFetcher extends SafeFetch {
  close(): Promise<void>;
}

/**
 * Creates the safe fetcher for one configuration. Call close() when done (keep-alive sockets).
 * Policy defaults: GET, ≤3 same-origin redirects, config.maxBodyBytes, 2xx only.
 */
export function createSafeFetch(config: ChannelsConfig, outer?: AbortSignal): SafeFetcher {
  const agent = guardedAgent(config);

  const limit = createLimiter(config.maxConcurrentFetches ?? MAX_CONCURRENT_FETCHES);
  const target = (logical: URL) => targetUrl(logical, config, { secure: 'https:', plain: 'http:' });

  async function once(
    logical: URL,
    policy: FetchPolicy,
    signal: AbortSignal,
    timed: () => boolean,
  ): Promise<SafeResponse | { redirect: URL }> {
    const url = logical.href;
    const actual = target(logical);
    const maxBytes = policy.maxBytes ?? config.maxBodyBytes;
    let res;
    try {
      res = await request(actual, {
        dispatcher: agent,
        method: policy.method ?? 'GET',
        headers: { 'user-agent': 'kez/0.2', ...policy.headers },
        body: policy.body,
        signal,
      });
    } catch (e) {
      throw mapError(e, url, timed());
    }
    const headers = flatHeaders(res.headers);
    const status = res.statusCode;
    if (status >= 300 && status < 400 && status !== 304) {
      discard(res.body);
      const loc = headers.location;
      if (!loc) throw err('redirect', `${url}: redirect without Location`, { url, status });
      let next: URL;
      try {
        next = new URL(loc, logical);
      } catch {
        throw err('redirect', `${url}: bad redirect target`, { url, location: loc });
      }
      return { redirect: next };
    }
    const refused = statusError(url, status, headers, policy);
    if (refused) {
      discard(res.body);
      throw refused;
    }
    const tooLarge = declaredTooLarge(url, headers, maxBytes);
    if (tooLarge) {
      discard(res.body);
      throw tooLarge;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const lines = policy.lines
      ? new LineStream(policy.lines.maxBytes, policy.lines.check, url)
      : undefined;
    // Some APIs compress whatever was asked (Stack Exchange, https://api.stackexchange.com/docs/compression):
    // the cap holds for the decoded bytes, so a small bomb stops at maxBytes like any body.
    const decoded = decoder(headers['content-encoding'], url);
    if (decoded instanceof KezError) {
      discard(res.body);
      throw decoded;
    }
    // pipeline: a failing download destroys the decoder too, so the read below ends with it.
    const source = decoded ? pipeline(res.body, decoded, () => {}) : res.body;
    const stop = () => {
      discard(res.body);
      decoded?.destroy();
    };
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          stop();
          throw bodyTooLarge(url, maxBytes);
        }
        try {
          lines?.push(chunk);
        } catch (e) {
          stop();
          throw e;
        }
        chunks.push(chunk);
      }
    } catch (e) {
      stop();
      if (typeof (e as { errno?: unknown })?.errno === 'number' && decoded && !isKezError(e))
        throw err('malformed', `${url}: the compressed body does not decode`, { url }, e);
      throw mapError(e, url, timed());
    }
    // A Buffer is a Uint8Array: no second copy of the body.
    const body: Uint8Array = Buffer.concat(chunks, size);
    return safeResponse(url, status, headers, body);
  }

  const safeFetch = ((input: string, policy: FetchPolicy = {}) =>
    limit(() => fetchOne(input, policy))) as SafeFetcher;

  async function fetchOne(input: string, policy: FetchPolicy): Promise<SafeResponse> {
    let logical = requestUrl(input);
    const { signal, timed } = requestSignal(policy, config.timeouts.totalMs, outer);
    const maxRedirects = policy.maxRedirects ?? 3;
    const origin = logical.origin;
    for (let hop = 0; ; hop++) {
      const r = await once(logical, policy, signal, timed);
      if (!('redirect' in r)) return r;
      const next = r.redirect;
      if (hop >= maxRedirects)
        throw err('redirect', `${input}: more than ${maxRedirects} redirects`, {
          url: input,
          location: next.href,
        });
      const hosts = policy.redirectHosts ?? 'same-origin';
      const allowed =
        hosts === 'same-origin'
          ? next.origin === origin
          : next.protocol === 'https:' && (hosts === 'any-https' || hosts.includes(next.hostname));
      if (!allowed)
        throw err('redirect', `${logical.href}: redirect to ${next.href} is not allowed`, {
          url: logical.href,
          location: next.href,
        });
      // Headers meant for one origin (Host, Authorization) are not handed to another.
      if (next.origin !== logical.origin) policy = { ...policy, headers: undefined };
      logical = next;
    }
  }
  safeFetch.close = () => agent.close();
  return safeFetch;
}

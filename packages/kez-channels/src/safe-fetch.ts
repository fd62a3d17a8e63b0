// The one HTTP fetcher every channel and client uses. Refuses blocked addresses on the
// address actually connected to (so DNS rebinding fails), follows redirects only by policy
// (re-checking every hop), bounds time and size, and maps every failure to a SPEC §9 code.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { KezError, type Code } from '@kez/core';
import { blockedReason, isIpLiteral, type AddressPolicy } from './address-policy.js';
import type { ChannelsConfig, FetchPolicy, SafeFetch, SafeResponse } from './types.js';

/** Marks a connection refused by the address policy, so it is not mistaken for a network error. */
class BlockedAddress extends Error {
  constructor(
    readonly address: string,
    readonly why: string,
  ) {
    super(`refused to connect to ${address} (${why})`);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A net.connect lookup that resolves, then refuses when any resolved address is blocked. */
export function guardedLookup(opts: AddressPolicy): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: LookupCallback,
  ) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const why = blockedReason(a.address, opts);
        if (why)
          return callback(
            new BlockedAddress(`${hostname} → ${a.address}`, why) as NodeJS.ErrnoException,
            [],
          );
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(
          Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }),
          [],
        );
      callback(null, first.address, first.family);
    });
  }) as unknown as LookupFunction;
}

/** The address opt-ins a configuration grants (allowPrivate only when set to true). */
function addressPolicy(config: ChannelsConfig): AddressPolicy {
  return { allowLoopback: config.allowLoopback, allowPrivate: config.allowPrivate === true };
}

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
          return callback(new BlockedAddress(remote, why), null);
        }
        callback(null, socket);
      });
    },
    headersTimeout: config.timeouts.totalMs,
    bodyTimeout: config.timeouts.totalMs,
    keepAliveTimeout: 4_000,
  });
}

function err(code: Code, message: string, evidence: Record<string, unknown>): KezError {
  return new KezError(code, message, evidence);
}

/** Finds our marker or a known code anywhere in an error's cause chain. */
function mapError(e: unknown, url: string, timedOut: boolean): KezError {
  if (e instanceof KezError) return e;
  for (
    let c: unknown = e, depth = 0;
    c && depth < 6;
    c = (c as { cause?: unknown }).cause, depth++
  ) {
    if (c instanceof BlockedAddress)
      return err('blocked_address', c.message, { url, address: c.address });
    const code = (c as { code?: string }).code;
    const name = (c as { name?: string }).name;
    if (
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      name === 'TimeoutError' ||
      (name === 'AbortError' && timedOut)
    ) {
      return err('timeout', `${url}: timed out`, { url });
    }
  }
  const detail =
    (e as { code?: string; message?: string })?.code ?? (e as Error)?.message ?? String(e);
  return err('network', `${url}: network error (${detail})`, { url });
}

/** Drops a response body we will not read (undici reports the abort as an error event). */
function discard(body: { on(ev: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}

function mediaType(headers: Record<string, string>): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
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
  const addresses = addressPolicy(config);

  /** The URL actually contacted for a logical one (config.hostMap), checked against scheme and address rules. */
  function target(logical: URL): URL {
    const mapped = config.hostMap[logical.host] ?? config.hostMap[logical.hostname];
    const actual = mapped ? new URL(logical.pathname + logical.search, mapped) : logical;
    if (actual.protocol !== 'https:' && !(actual.protocol === 'http:' && config.allowHttp)) {
      throw err('blocked_address', `${logical.href}: only https is allowed`, { url: logical.href });
    }
    if (actual.username || actual.password)
      throw err('blocked_address', `${logical.href}: credentials in URL`, { url: logical.href });
    if (isIpLiteral(actual.hostname)) {
      const why = blockedReason(actual.hostname, addresses);
      if (why)
        throw err('blocked_address', `${logical.href}: ${actual.hostname} is ${why}`, {
          url: logical.href,
          address: actual.hostname,
        });
    }
    return actual;
  }

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
    const pass = policy.passStatuses?.includes(status) ?? false;
    if (!pass && !(status >= 200 && status < 300)) {
      discard(res.body);
      if (status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0')) {
        throw err('rate_limited', `${url}: rate limited (HTTP ${status})`, {
          url,
          status,
          retry_after: headers['retry-after'],
        });
      }
      if (status === 404 || status === 410)
        throw err('no_account', `${url}: not found (HTTP ${status})`, { url, status });
      throw err('http_status', `${url}: HTTP ${status}`, { url, status });
    }
    if (policy.contentTypes && status >= 200 && status < 300) {
      const mt = mediaType(headers);
      if (!policy.contentTypes.some((t) => mt === t || mt.startsWith(t))) {
        discard(res.body);
        throw err('content_type', `${url}: unexpected content type '${mt}'`, {
          url,
          content_type: mt,
          expected: policy.contentTypes,
        });
      }
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      discard(res.body);
      throw err('too_large', `${url}: body of ${declared} bytes exceeds ${maxBytes}`, {
        url,
        limit: maxBytes,
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          discard(res.body);
          throw err('too_large', `${url}: body exceeds ${maxBytes} bytes`, {
            url,
            limit: maxBytes,
          });
        }
        chunks.push(chunk);
      }
    } catch (e) {
      throw mapError(e, url, timed());
    }
    const body = new Uint8Array(Buffer.concat(chunks, size));
    return {
      url,
      status,
      headers,
      body,
      text: () => new TextDecoder('utf-8', { fatal: false }).decode(body),
      json: () => {
        try {
          return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as unknown;
        } catch {
          throw err('malformed', `${url}: response is not JSON`, { url });
        }
      },
    };
  }

  const safeFetch = (async (input: string, policy: FetchPolicy = {}) => {
    let logical: URL;
    try {
      logical = new URL(input);
    } catch {
      throw err('malformed', `not a URL: ${input}`, { url: input });
    }
    const timeout = AbortSignal.timeout(policy.timeoutMs ?? config.timeouts.totalMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    const timed = () => timeout.aborted;
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
      const allowed =
        policy.redirectHosts === undefined || policy.redirectHosts === 'same-origin'
          ? next.origin === origin
          : next.protocol === 'https:' && policy.redirectHosts.includes(next.hostname);
      if (!allowed)
        throw err('redirect', `${logical.href}: redirect to ${next.href} is not allowed`, {
          url: logical.href,
          location: next.href,
        });
      logical = next;
    }
  }) as SafeFetcher;
  safeFetch.close = () => agent.close();
  return safeFetch;
}

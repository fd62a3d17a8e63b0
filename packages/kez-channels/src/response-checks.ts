// How an HTTP answer is judged, whoever fetched it (safe-fetch.ts in Node, browser-fetch.ts in
// a browser): status → SPEC §9 code, content type, declared size, line-by-line checks and the
// SafeResponse shape. No Node imports.
import { KezError, concatBytes, type Code } from '@kez/core';
import type { FetchPolicy, SafeResponse } from './types.js';

export function err(
  code: Code,
  message: string,
  evidence: Record<string, unknown>,
  cause?: unknown,
): KezError {
  const e = new KezError(code, message, evidence);
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause });
  return e;
}

export function mediaType(headers: Record<string, string>): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The error a non-redirect answer's status or content type means under `policy`, or null. */
export function statusError(
  url: string,
  status: number,
  headers: Record<string, string>,
  policy: FetchPolicy,
): KezError | null {
  const pass = policy.passStatuses?.includes(status) ?? false;
  if (!pass && !(status >= 200 && status < 300)) {
    if (status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0')) {
      // When to try again: GitHub's x-ratelimit-reset (epoch seconds) or Retry-After (seconds).
      const reset = Number(headers['x-ratelimit-reset']);
      const after = Number(headers['retry-after']);
      const at = Number.isFinite(reset) && reset > 0 ? reset * 1000 : Date.now() + after * 1000;
      const resetAt = Number.isFinite(at) ? new Date(at).toISOString() : undefined;
      return err(
        'rate_limited',
        `${url}: rate limited (HTTP ${status})${resetAt ? `; retry after ${resetAt}` : ''}`,
        { url, status, retry_after: headers['retry-after'], reset_at: resetAt },
      );
    }
    if (status === 404 || status === 410)
      return err('no_account', `${url}: not found (HTTP ${status})`, { url, status });
    return err('http_status', `${url}: HTTP ${status}`, { url, status });
  }
  if (policy.contentTypes && status >= 200 && status < 300) {
    const mt = mediaType(headers);
    if (!policy.contentTypes.some((t) => mt === t || mt.startsWith(t)))
      return err('content_type', `${url}: unexpected content type '${mt}'`, {
        url,
        content_type: mt,
        expected: policy.contentTypes,
      });
  }
  return null;
}

/** too_large when the declared Content-Length is over the cap, else null. */
export function declaredTooLarge(
  url: string,
  headers: Record<string, string>,
  maxBytes: number,
): KezError | null {
  const declared = Number(headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes
    ? err('too_large', `${url}: body of ${declared} bytes exceeds ${maxBytes}`, {
        url,
        limit: maxBytes,
      })
    : null;
}

export const bodyTooLarge = (url: string, maxBytes: number): KezError =>
  err('too_large', `${url}: body exceeds ${maxBytes} bytes`, { url, limit: maxBytes });

/**
 * Splits a streamed body into LF-terminated lines for FetchPolicy.lines: each complete line
 * goes to `check` as it arrives (which throws to reject the body), a line longer than `max`
 * is too_large. Holds only the line in progress.
 */
export class LineStream {
  private partial: Uint8Array[] = [];
  private run = 0;
  constructor(
    private readonly max: number,
    private readonly check: (line: Uint8Array) => void,
    private readonly url: string,
  ) {}

  push(chunk: Uint8Array): void {
    for (let at = 0; ; ) {
      const lf = chunk.indexOf(0x0a, at);
      const end = lf < 0 ? chunk.length : lf;
      this.run += end - at;
      if (this.run > this.max)
        throw err('too_large', `${this.url}: a line exceeds ${this.max} bytes`, {
          url: this.url,
          limit: this.max,
        });
      if (lf < 0) {
        if (end > at) this.partial.push(chunk.subarray(at));
        return;
      }
      const piece = chunk.subarray(at, lf);
      this.check(this.partial.length ? concatBytes(...this.partial, piece) : piece);
      this.partial = [];
      this.run = 0;
      at = lf + 1;
    }
  }
}

/** A body's chunks (each counted against maxBytes by the caller) as one array. */
export function joinChunks(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : concatBytes(...chunks);
}

/** The URL a fetcher was asked for; not a URL is `malformed`. */
export function requestUrl(input: string): URL {
  try {
    return new URL(input);
  } catch {
    throw err('malformed', `not a URL: ${input}`, { url: input });
  }
}

/**
 * One request's abort signal: its own timeout (policy.timeoutMs, else `totalMs`), the
 * fetcher's and the caller's; `timed()` says whether a timeout (not the env's abort) fired.
 */
export function requestSignal(
  policy: FetchPolicy,
  totalMs: number,
  outer?: AbortSignal,
): { signal: AbortSignal; timed: () => boolean } {
  const timeout = AbortSignal.timeout(policy.timeoutMs ?? totalMs);
  const signal = AbortSignal.any([
    timeout,
    ...(outer ? [outer] : []),
    ...(policy.signal ? [policy.signal] : []),
  ]);
  // A caller's deadline is a timeout too; only the env's own abort is not.
  return { signal, timed: () => timeout.aborted || policy.signal?.aborted === true };
}

export function safeResponse(
  url: string,
  status: number,
  headers: Record<string, string>,
  body: Uint8Array,
): SafeResponse {
  const decode = () => new TextDecoder('utf-8', { fatal: true }).decode(body);
  return {
    url,
    status,
    headers,
    body,
    text: () => {
      try {
        return decode();
      } catch (e) {
        throw err('malformed', `${url}: response is not UTF-8`, { url }, e);
      }
    },
    json: () => {
      try {
        return JSON.parse(decode()) as unknown;
      } catch (e) {
        throw err('malformed', `${url}: response is not JSON`, { url }, e);
      }
    },
  };
}

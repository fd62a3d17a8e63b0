// Reads an identity's sigchain from the deployment's sig-server (GET /v1/chains/{identity},
// JSONL; `Kez-Fork: true` when the server holds fork evidence). The URL is operator
// configuration, never chosen by a connecting client, so private addresses are fine here.
import { KezError } from '@kez/core';

export interface FetchedChain {
  bundle: string;
  forked: boolean;
}

export interface ChainSource {
  /** The bundle, or null when the server has no chain for the identity. Throws KezError
   *  (unreachable: timeout / network / http_status; invalid: too_large) otherwise. */
  fetch(identity: string): Promise<FetchedChain | null>;
}

export function sigServerChainSource(opts: {
  baseUrl: string;
  timeoutMs: number;
  maxBytes?: number;
}): ChainSource {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  return {
    async fetch(identity) {
      // A long chain comes in pages (Kez-Next-Since); all of them are read, since a revocation
      // on a later page must not be missed.
      let bundle = '';
      let forked = false;
      let since: string | null = null;
      for (let page = 0; ; page++) {
        const url = `${base}/v1/chains/${encodeURIComponent(identity)}${since === null ? '' : `?since=${since}`}`;
        const res = await get(url, opts.timeoutMs);
        if (res.status === 404 && page === 0) {
          await res.body?.cancel();
          return null;
        }
        if (res.status !== 200) {
          await res.body?.cancel();
          if (res.status === 429) throw new KezError('rate_limited', 'sig-server rate-limited the chain read', { url });
          throw new KezError('http_status', `sig-server answered HTTP ${res.status}`, { url, http_status: res.status });
        }
        bundle += await readBounded(res, maxBytes - bundle.length, url, opts.timeoutMs);
        forked ||= res.headers.get('kez-fork')?.toLowerCase() === 'true';
        const next = res.headers.get('kez-next-since');
        if (next === null) return { bundle, forked };
        if (!/^\d{1,15}$/.test(next) || next === since) throw new KezError('malformed', 'sig-server paging header is malformed', { url });
        since = next;
      }
    },
  };
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, {
      headers: { accept: 'application/jsonl, application/x-ndjson, text/plain' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const timeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw new KezError(timeout ? 'timeout' : 'network', `sig-server unreachable: ${timeout ? 'timed out' : (e as Error).message}`, { url });
  }
}

async function readBounded(res: Response, maxBytes: number, url: string, timeoutMs: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new KezError('too_large', 'sig-server chain exceeds the size limit', { url, limit: maxBytes });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        await res.body?.cancel();
        throw new KezError('too_large', 'sig-server chain exceeds the size limit', { url, limit: maxBytes });
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof KezError) throw e;
    throw new KezError('network', `sig-server read failed: ${(e as Error).message}`, { url, timeout_ms: timeoutMs });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new KezError('malformed', 'sig-server chain is not UTF-8', { url });
  }
}

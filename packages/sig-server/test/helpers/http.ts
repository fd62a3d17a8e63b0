import { encodeJson, parseBundle, type ChainEvent } from '@kez/core';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: bundles, metrics */
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const chainPath = (base: string, identity: string, suffix = ''): string =>
  `${base}/v1/chains/${encodeURIComponent(identity)}${suffix}`;

/** POSTs raw body text (hostile tests send exactly what they want). */
export function postRaw(
  base: string,
  identity: string,
  body: string | Uint8Array,
  contentType = 'application/json',
): Promise<Answer> {
  return call(chainPath(base, identity, '/events'), {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
}

/** POSTs an event in its SPEC §8.1 JSON encoding. */
export const postEvent = (base: string, identity: string, ev: ChainEvent): Promise<Answer> =>
  postRaw(base, identity, encodeJson(ev));

/** Every page of a chain's fork evidence (following Kez-Next-Cursor), with the bound counters. */
export async function readForks(
  base: string,
  identity: string,
): Promise<{ events: ChainEvent[]; pages: number; stored: number; dropped: number }> {
  const events: ChainEvent[] = [];
  let cursor: string | null = null;
  let pages = 0;
  let last: Answer;
  do {
    const q: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    last = await call(chainPath(base, identity, `/forks${q}`));
    if (last.status !== 200) throw new Error(`/forks answered ${last.status} ${last.text}`);
    events.push(...parseBundle(last.text));
    cursor = last.headers.get('kez-next-cursor');
    pages++;
  } while (cursor && pages < 1000);
  return {
    events,
    pages,
    stored: Number(last.headers.get('kez-forks-stored')),
    dropped: Number(last.headers.get('kez-forks-dropped')),
  };
}

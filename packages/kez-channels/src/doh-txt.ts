// TXT lookups over DNS-over-HTTPS (the JSON API of Cloudflare and Google:
// https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/,
// https://developers.google.com/speed/public-dns/docs/doh/json), through a SafeFetch, so a
// browser can read _kez and _atproto records. The resolver is configurable.
import { KezError } from '@kez/core';
import type { SafeFetch } from './types.js';

const TXT = 16;
const NXDOMAIN = 3;
/** A TXT answer set is small: a KEZ DNS proof is ≤ 4 KiB of strings (SPEC §8.4). */
const MAX_DOH_BYTES = 64 << 10;

/**
 * One answer's `data` → its character-strings. Resolvers send the presentation form
 * ("a" "b", with \" \\ and \DDD escapes); a bare value is one string.
 */
export function txtStrings(data: string): string[] {
  if (!data.startsWith('"')) return [data];
  const out: string[] = [];
  let i = 0;
  while (i < data.length) {
    while (data[i] === ' ') i++;
    if (i >= data.length) break;
    if (data[i] !== '"') throw new KezError('malformed', 'DoH: TXT data is not quoted strings', {});
    i++;
    let s = '';
    for (;;) {
      const c = data[i];
      if (c === undefined) throw new KezError('malformed', 'DoH: unterminated TXT string', {});
      i++;
      if (c === '"') break;
      if (c !== '\\') {
        s += c;
        continue;
      }
      const digits = data.slice(i, i + 3);
      if (/^\d{3}$/.test(digits)) {
        s += String.fromCharCode(Number(digits));
        i += 3;
      } else {
        s += data[i] ?? '';
        i++;
      }
    }
    out.push(s);
  }
  return out;
}

interface DohAnswer {
  Status?: unknown;
  Answer?: unknown;
}

/** resolveTxt(name) over `resolver` (e.g. https://cloudflare-dns.com/dns-query); [] when none. */
export function createDohResolveTxt(
  fetch: SafeFetch,
  resolver: string,
): (name: string) => Promise<string[][]> {
  return async (name) => {
    const url = `${resolver}?name=${encodeURIComponent(name)}&type=TXT`;
    const res = await fetch(url, {
      headers: { accept: 'application/dns-json' },
      maxBytes: MAX_DOH_BYTES,
    });
    const v = res.json() as DohAnswer;
    if (v?.Status === NXDOMAIN) return [];
    if (v?.Status !== 0)
      throw new KezError(
        'network',
        `DNS lookup of ${name} failed (DoH status ${String(v?.Status)})`,
        {
          name,
          dns_error: v?.Status,
        },
      );
    const answers = Array.isArray(v.Answer) ? v.Answer : [];
    return answers
      .filter(
        (a): a is { type: number; data: string } => a?.type === TXT && typeof a.data === 'string',
      )
      .map((a) => txtStrings(a.data));
  };
}

// Encoding detection and dispatch (SPEC §8).
import { fail } from '../errors.js';
import type { SignedObject } from '../objects.js';
import { decodeJson, decodeJsonJcs, encodeJson } from './json.js';
import { COMPACT_PREFIX, decodeCompact, decodeCompactJcs, encodeCompact } from './compact.js';
import { decodeMarkdown, decodeMarkdownJcs, encodeMarkdown } from './markdown.js';
import { decodeDns, decodeDnsJcs, encodeDns } from './dns.js';

export type EncodingName = 'json' | 'compact' | 'markdown' | 'dns';
export const ENCODINGS: readonly EncodingName[] = ['json', 'compact', 'markdown', 'dns'];

export async function encode(obj: SignedObject, encoding: EncodingName): Promise<string> {
  switch (encoding) {
    case 'json':
      return encodeJson(obj);
    case 'compact':
      return encodeCompact(obj);
    case 'markdown':
      return encodeMarkdown(obj);
    case 'dns':
      return encodeDns(await encodeCompact(obj));
    default:
      return fail('malformed', 'unknown encoding');
  }
}

/** By the first non-whitespace bytes: `{` JSON, `kez:z1:` compact, `"` DNS, else Markdown. */
export function detectEncoding(text: string): EncodingName {
  if (typeof text !== 'string') fail('malformed', 'encoded text must be a string');
  // Text that does not start with whitespace (every encoder's output) needs no regex.
  const c = text.charCodeAt(0);
  const lead =
    c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a
      ? (/^[ \t\r\n]*/.exec(text.slice(0, 4096))?.[0].length ?? 0)
      : 0;
  const start = text.slice(lead, lead + COMPACT_PREFIX.length);
  if (start.startsWith('{')) return 'json';
  if (start.startsWith(COMPACT_PREFIX)) return 'compact';
  if (start.startsWith('"')) return 'dns';
  return 'markdown';
}

/** `bytes`, when a decoder has them, are UTF-8(jcs), valid only until the next decode. */
type Decoded = { object: SignedObject; jcs: string; bytes?: Uint8Array | undefined };
const DECODERS: Record<EncodingName, (t: string) => Decoded> = {
  json: decodeJsonJcs,
  compact: decodeCompactJcs,
  markdown: decodeMarkdownJcs,
  dns: decodeDnsJcs,
};

/** Decodes `text` as the named encoding, without detection (a DNS answer is DNS, a gist Markdown). */
export function decodeAs(text: string, encoding: EncodingName): SignedObject {
  if (!Object.hasOwn(DECODERS, encoding)) fail('malformed', 'unknown encoding');
  return DECODERS[encoding](text).object;
}

export function decode(text: string): { encoding: EncodingName; object: SignedObject } {
  const { encoding, object } = decodeWithJcs(text);
  return { encoding, object };
}

/** decode, with JCS(object): the text the decoder checked, so verifying it needs no re-serialization. */
export function decodeWithJcs(text: string): { encoding: EncodingName } & Decoded {
  const encoding = detectEncoding(text);
  const { object, jcs, bytes } = DECODERS[encoding](text);
  return { encoding, object, jcs, bytes };
}

export {
  encodeJson,
  decodeJson,
  encodeCompact,
  decodeCompact,
  encodeMarkdown,
  decodeMarkdown,
  encodeDns,
  decodeDns,
};
export { splitTxt } from './dns.js';

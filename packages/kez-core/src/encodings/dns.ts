// SPEC §8.4: the compact string as TXT character-strings of at most 255 bytes.
import { fail } from '../errors.js';
import type { SignedObject } from '../objects.js';
import { MAX_COMPACT_BYTES } from '../limits.js';
import { decodeCompactJcs } from './compact.js';

const MAX_STRING = 255;

export function splitTxt(compact: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < compact.length; i += MAX_STRING) out.push(compact.slice(i, i + MAX_STRING));
  return out;
}

export function encodeDns(compact: string): string {
  if (typeof compact !== 'string' || !/^[\x21-\x7e]+$/.test(compact) || /["\\]/.test(compact)) {
    fail('bad_encoding', 'a DNS TXT encoding carries a compact string');
  }
  return splitTxt(compact)
    .map((s) => `"${s}"`)
    .join(' ');
}

/** Parses presentation-form RDATA: "…" strings separated by spaces/tabs, optional final LF. */
function parseTxt(text: string): string[] {
  if (typeof text !== 'string') fail('bad_encoding', 'TXT text must be a string');
  const s = text.endsWith('\n') ? text.slice(0, -1) : text;
  // Each string adds at most 3 bytes of quoting and separator; bound the work up front.
  if (s.length > MAX_COMPACT_BYTES * 2) fail('too_large', 'TXT text too large');
  const strings: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (strings.length > 0) {
      const start = i;
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (i === start) fail('bad_encoding', 'TXT strings must be separated by spaces or tabs');
    }
    if (s[i] !== '"') fail('bad_encoding', 'TXT string must be quoted');
    const end = s.indexOf('"', i + 1);
    if (end < 0) fail('bad_encoding', 'unterminated TXT string');
    const body = s.slice(i + 1, end);
    if (body.length < 1 || body.length > MAX_STRING)
      fail('bad_encoding', 'TXT string must be 1–255 bytes');
    if (!/^[\x20-\x7e]+$/.test(body) || body.includes('\\'))
      fail('bad_encoding', 'TXT string must be printable ASCII without \\');
    strings.push(body);
    i = end + 1;
  }
  if (strings.length === 0) fail('bad_encoding', 'no TXT string');
  return strings;
}

export function decodeDns(text: string): SignedObject {
  return decodeDnsJcs(text).object;
}

/** decodeDns, with JCS(object) as checked while decoding. */
export function decodeDnsJcs(text: string): {
  object: SignedObject;
  jcs: string;
  bytes: Uint8Array;
} {
  return decodeCompactJcs(parseTxt(text).join(''));
}

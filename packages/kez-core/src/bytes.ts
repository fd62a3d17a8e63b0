// Byte helpers with the SPEC §1 canonical text forms (lowercase hex, unpadded base64url).
import { fail } from './errors.js';
import { getPrimitives } from './primitives.js';

/** Value of a lowercase hex digit by char code, -1 for anything else (read several times per
 * signed object verified, so by table, not a regular expression and parseInt). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
const hexValue = (c: number) => (c < 128 ? HEX_VALUE[c]! : -1);

/** ASCII codes of the hex digits. */
const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef');
// Hex digits are ASCII, which windows-1252 (the WHATWG 'latin1') decodes as itself.
const ASCII = new TextDecoder('latin1');

/**
 * Decoded in one piece: appending per byte (`s += …`) leaves a rope of one heap node per
 * piece in every hash kept as a Map key or claim field (~0.8 KiB per 32-byte hash, seen in a
 * sig-server heap snapshot); this is also ~3× faster.
 */
export function toHex(b: Uint8Array): string {
  const out = new Uint8Array(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    out[2 * i] = HEX_DIGITS[b[i]! >> 4]!;
    out[2 * i + 1] = HEX_DIGITS[b[i]! & 15]!;
  }
  return ASCII.decode(out);
}

function isLowerHex(s: string): boolean {
  if (s.length % 2 !== 0) return false;
  for (let i = 0; i < s.length; i++) if (hexValue(s.charCodeAt(i)) < 0) return false;
  return true;
}

export function fromHex(s: string, bytes?: number): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 !== 0) fail('malformed', 'not lowercase hex');
  const out = new Uint8Array(s.length / 2);
  // One pass: any non-digit makes `bad` negative.
  let bad = 0;
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(s.charCodeAt(2 * i));
    const lo = hexValue(s.charCodeAt(2 * i + 1));
    bad |= hi | lo;
    out[i] = (hi << 4) | lo;
  }
  if (bad < 0) fail('malformed', 'not lowercase hex');
  if (bytes !== undefined && s.length !== bytes * 2)
    fail('malformed', `hex must be ${bytes} bytes`);
  return out;
}

export function isHex(s: unknown, bytes: number): s is string {
  return typeof s === 'string' && s.length === bytes * 2 && isLowerHex(s);
}

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64U_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64U_INDEX[B64U.charCodeAt(i)] = i;

export function b64uEncode(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 3 <= b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64U[n >> 18]! + B64U[(n >> 12) & 63]! + B64U[(n >> 6) & 63]! + B64U[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += B64U[n >> 18]! + B64U[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += B64U[n >> 18]! + B64U[(n >> 12) & 63]! + B64U[(n >> 6) & 63]!;
  }
  return s;
}

/** Canonical base64url: no padding, alphabet only, length ≢ 1 (mod 4), zero unused bits. */
export function b64uDecode(s: string): Uint8Array {
  if (typeof s !== 'string') fail('bad_encoding', 'base64url must be a string');
  const fast = getPrimitives().b64uDecode?.(s);
  if (fast) return fast;
  if (s.length % 4 === 1) fail('bad_encoding', 'base64url length ≡ 1 (mod 4)');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  // Up to four sextets at a time; any character outside the alphabet makes `bad` negative.
  const at = (i: number) => {
    const c = s.charCodeAt(i);
    return c < 128 ? B64U_INDEX[c]! : -1;
  };
  const badChar = () =>
    fail('bad_encoding', 'character outside the base64url alphabet (padding is not allowed)');
  let o = 0;
  let i = 0;
  for (; i + 4 <= s.length; i += 4) {
    const a = at(i);
    const b = at(i + 1);
    const c = at(i + 2);
    const d = at(i + 3);
    if ((a | b | c | d) < 0) badChar();
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = s.length - i;
  if (rest === 2) {
    const a = at(i);
    const b = at(i + 1);
    if ((a | b) < 0) badChar();
    if (b & 15) fail('bad_encoding', 'non-zero unused trailing bits');
    out[o++] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = at(i);
    const b = at(i + 1);
    const c = at(i + 2);
    if ((a | b | c) < 0) badChar();
    if (c & 3) fail('bad_encoding', 'non-zero unused trailing bits');
    const n = (a << 12) | (b << 6) | c;
    out[o++] = n >> 10;
    out[o++] = (n >> 2) & 255;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

export function utf8Decode(b: Uint8Array): string {
  try {
    return decoder.decode(b);
  } catch (err) {
    return fail('malformed', 'invalid UTF-8', {}, err);
  }
}

/** UTF-8 length of a string without allocating it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const HAS_UPPER = /[A-Z]/;

/** Lower-cases A–Z only: SPEC §2 input forms fold ASCII case and nothing else (no Unicode case mapping). */
export function asciiLower(s: string): string {
  // Canonical text (checked on every object verified) has no capitals: no replace to run.
  return HAS_UPPER.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** Strips leading and trailing ASCII whitespace (TAB, LF, CR, SPACE) only (SPEC §2.1). */
export function asciiTrim(s: string): string {
  return s.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}

/** True when the string has no unpaired UTF-16 surrogate (well-formed Unicode). */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function sha256Hex(bytes: Uint8Array): string {
  const p = getPrimitives();
  return p.sha256Hex ? p.sha256Hex(bytes) : toHex(p.sha256(bytes));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

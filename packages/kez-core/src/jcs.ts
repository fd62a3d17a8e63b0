// RFC 8785 canonical JSON, and the strict SPEC §8.1 parser (input must already be canonical).
import canonicalizeLib from 'canonicalize';
import { fail, isKezError } from './errors.js';
import { isWellFormed, utf8Encode, utf8Length } from './bytes.js';
import { MAX_DEPTH, MAX_JSON_BYTES } from './limits.js';

// Beyond this depth the walk below gives up and the library (which detects cycles) decides.
const FAST_DEPTH = 32;

/**
 * True when JSON.stringify(v) is already JCS(v): plain data only (strings without lone
 * surrogates, finite numbers, booleans, null, plain arrays and objects, no toJSON) and every
 * object's keys enumerate in JCS order. RFC 8785 serializes primitives exactly as
 * JSON.stringify does, so then only the member order could differ. Parsed canonical text
 * always passes; anything else takes the library's path.
 */
function stringifiesCanonically(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return isWellFormed(v);
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null || typeof v === 'boolean') return true;
  if (typeof v !== 'object' || depth > FAST_DEPTH) return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) if (!stringifiesCanonically(v[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    // Strictly ascending UTF-16 code units, as RFC 8785 §3.2.3 sorts.
    if ((i > 0 && !(keys[i - 1]! < k)) || !isWellFormed(k)) return false;
    if (!stringifiesCanonically(o[k], depth + 1)) return false;
  }
  return true;
}

export function canonicalize(value: unknown): string {
  if (stringifiesCanonically(value, 0)) return JSON.stringify(value);
  let out: string | undefined;
  try {
    out = canonicalizeLib(value);
  } catch (err) {
    return fail('malformed', `cannot canonicalize: ${(err as Error).message}`, {}, err);
  }
  if (out === undefined) fail('malformed', 'value has no JSON form');
  return out;
}

/**
 * JCS of a plain object with and without one member, from one serialization of each member:
 * RFC 8785 writes an object as its members sorted by name, so both texts share the pieces.
 */
export function canonicalWithAndWithout(
  obj: Record<string, unknown>,
  omit: string,
): { full: string; without: string } {
  if (stringifiesCanonically(obj, 0)) {
    const { [omit]: _omitted, ...rest } = obj;
    return { full: JSON.stringify(obj), without: JSON.stringify(rest) };
  }
  const all: string[] = [];
  const rest: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const value = obj[key];
    if (value === undefined) continue;
    const member = `${canonicalize(key)}:${canonicalize(value)}`;
    all.push(member);
    if (key !== omit) rest.push(member);
  }
  return { full: `{${all.join(',')}}`, without: `{${rest.join(',')}}` };
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalize(value));
}

/**
 * Finds where the top-level value starting at text[0] ends and its nesting depth, without
 * parsing; returns -1 for the end when brackets do not balance (JSON.parse then reports it).
 */
function scanTopLevel(text: string): { end: number; depth: number } {
  let depth = 0;
  let maxDepth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
      if (maxDepth > MAX_DEPTH) return { end: -1, depth: maxDepth };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return { end: i + 1, depth: maxDepth };
      if (depth < 0) return { end: -1, depth: maxDepth };
    }
  }
  return { end: -1, depth: maxDepth };
}

/**
 * Integers (SPEC §1) and well-formed strings, everywhere in the parsed value (else malformed).
 * Returns whether JSON.stringify(v) is JCS(v), as stringifiesCanonically does, from the same walk.
 */
function checkValues(v: unknown): boolean {
  if (typeof v === 'string') {
    if (!isWellFormed(v)) fail('malformed', 'string with a lone surrogate');
    return true;
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0)
      fail('malformed', 'number is not an integer in [0, 2^53-1]');
    return true;
  }
  if (v === null || typeof v !== 'object') return true;
  let ordered = typeof (v as { toJSON?: unknown }).toJSON !== 'function';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!checkValues(v[i])) ordered = false;
    return ordered;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (!isWellFormed(k)) fail('malformed', 'member name with a lone surrogate');
    if (i > 0 && !(keys[i - 1]! < k)) ordered = false;
    if (!checkValues(o[k])) ordered = false;
  }
  return ordered;
}

/**
 * SPEC §8.1: `text` must be exactly JCS(o) of a JSON object, optionally followed by one LF.
 * Limits are checked before parsing; bytes after the object (other than one LF) are
 * trailing_data; anything that parses but is not byte-identical to its JCS is non_canonical.
 */
export function parseCanonical(text: string): Record<string, unknown> {
  return parseCanonicalText(text).value;
}

/** parseCanonical, with the text that was checked to be JCS(value) (without the LF). */
export function parseCanonicalText(text: string): { value: Record<string, unknown>; jcs: string } {
  if (typeof text !== 'string') fail('malformed', 'JSON text must be a string');
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short text needs no byte count.
  if (
    text.length > MAX_JSON_BYTES ||
    (text.length * 3 > MAX_JSON_BYTES && utf8Length(text) > MAX_JSON_BYTES)
  ) {
    fail('too_large', `JSON encoding exceeds ${MAX_JSON_BYTES} bytes`);
  }
  const { end, depth } = scanTopLevel(text);
  if (depth > MAX_DEPTH) fail('too_large', `nesting depth exceeds ${MAX_DEPTH}`);
  let body = text;
  if (end > 0 && text.charCodeAt(0) === 0x7b) {
    const rest = text.slice(end);
    if (rest !== '' && rest !== '\n') fail('trailing_data', 'bytes after the JSON object');
    body = text.slice(0, end);
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return fail('malformed', 'not JSON', {}, err);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('malformed', 'top-level JSON value is not an object');
  }
  const ordered = checkValues(value);
  let canon: string;
  try {
    canon = ordered ? JSON.stringify(value) : canonicalize(value);
  } catch (err) {
    if (isKezError(err)) throw err;
    return fail('malformed', 'not canonicalizable', {}, err);
  }
  if (canon !== body) {
    fail(
      'non_canonical',
      'JSON is not in RFC 8785 canonical form (whitespace, order, escapes, duplicates or number form)',
    );
  }
  return { value: value as Record<string, unknown>, jcs: body };
}

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

// String.prototype.isWellFormed where the runtime has it (ES2024), else bytes.ts's loop.
const wellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : isWellFormed;

/**
 * Whether parsed JSON holds only integers in [0, 2^53-1], objects whose keys are in JCS order,
 * and nesting within MAX_DEPTH (the top-level object is depth 1, as scanTopLevel counts). Never
 * throws: false sends the text to the checking path, which finds the reason.
 */
function plainCanonicalValues(v: unknown, depth: number): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0;
  if (v === null || typeof v !== 'object') return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!plainCanonicalValues(v[i], depth + 1)) return false;
    return true;
  }
  const o = v as Record<string, unknown>;
  let prev: string | undefined;
  for (const k in o) {
    if ((prev !== undefined && !(prev < k)) || !plainCanonicalValues(o[k], depth + 1)) return false;
    prev = k;
  }
  return true;
}

/**
 * The common case of parseCanonicalText, with one parse and one serialization: text that is
 * exactly JCS(object) (+ one LF). It accepts exactly what the checking path accepts: without
 * `\u` escapes, every parsed string is a piece of the well-formed text (with ASCII escapes
 * resolved), so strings need no check of their own; JSON.stringify(value) === body then proves
 * there is nothing after the object and that the bracket depth is the value depth checked.
 * Anything else returns undefined, and the checking path decides, with its error codes.
 */
function parseCanonicalFast(
  text: string,
): { value: Record<string, unknown>; jcs: string } | undefined {
  const body = text.charCodeAt(text.length - 1) === 0x0a ? text.slice(0, -1) : text;
  if (body.charCodeAt(0) !== 0x7b || body.includes('\\u') || !wellFormed(body)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (!plainCanonicalValues(value, 1) || JSON.stringify(value) !== body) return undefined;
  return { value: value as Record<string, unknown>, jcs: body };
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
  const fast = parseCanonicalFast(text);
  if (fast) return fast;
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

/** The UTF-8 bytes that start member `name` in JCS text (`"name":`), for jcsMemberSpan. */
export function jcsMemberKey(name: string): Uint8Array {
  return utf8Encode(`${canonicalize(name)}:`);
}

/**
 * In the UTF-8 bytes of JCS(o) for an object o, the bytes of its top-level member whose text
 * starts with `key` (jcsMemberKey) together with one comma next to it, as [start, end);
 * undefined when o has no such member.
 * RFC 8785 writes each member on its own, so JCS(o without it) is the bytes outside the span.
 * Quotes, backslashes and brackets are ASCII, which no multi-byte UTF-8 sequence contains.
 */
export function jcsMemberSpan(jcs: Uint8Array, key: Uint8Array): [number, number] | undefined {
  let depth = 0;
  let inString = false;
  let memberAt = -1;
  let start = -1;
  for (let i = 0; i < jcs.length; i++) {
    const c = jcs[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      if (depth === 1 && i === memberAt && start < 0 && startsWithAt(jcs, key, i)) start = i;
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) memberAt = i + 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0)
        return start < 0 ? undefined : [jcs[start - 1] === 0x2c ? start - 1 : start, i];
    } else if (c === 0x2c && depth === 1) {
      if (start >= 0) return [start, i + 1];
      memberAt = i + 1;
    }
  }
  return undefined;
}

function startsWithAt(b: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > b.length) return false;
  for (let j = 0; j < prefix.length; j++) if (b[at + j] !== prefix[j]) return false;
  return true;
}

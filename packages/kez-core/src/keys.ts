// Key identifiers (SPEC §2.1), signers, nsec and pre-rotation commitments.
import { schnorr } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { bech32 } from '@scure/base';
import { fail } from './errors.js';
import { asciiLower, asciiTrim, fromHex, isHex, sha256Hex, utf8Encode } from './bytes.js';
import { bip340, ed25519, suites, type Suite, type SuiteName } from './suites.js';
import { isStrictPublicKey } from './ed25519-policy.js';
import { BoundedCache } from './bounded-cache.js';

export interface ParsedKeyId {
  id: string;
  suite: Suite;
  publicKey: Uint8Array;
}

function decodeBech32(text: string, hrp: string): Uint8Array {
  let decoded;
  try {
    decoded = bech32.decode(text as `${string}1${string}`, 1000);
  } catch (err) {
    return fail('bad_key', `not a valid bech32 ${hrp}`, {}, err);
  }
  if (decoded.prefix !== hrp) fail('bad_key', `expected ${hrp}`);
  let bytes: Uint8Array;
  try {
    bytes = bech32.fromWords(decoded.words);
  } catch (err) {
    return fail('bad_key', `bad ${hrp} payload`, {}, err);
  }
  if (bytes.length !== 32) fail('bad_key', `${hrp} payload must be 32 bytes`);
  // SPEC §2.1: one text form per key, so the padding bits must be zero and re-encoding must
  // give back the same text, whatever a bech32 library tolerates.
  if (bech32.encode(hrp, bech32.toWords(bytes), 1000) !== text)
    fail('bad_key', `${hrp} is not the canonical encoding of its key (padding bits)`);
  return bytes;
}

function isXOnlyPoint(x: Uint8Array): boolean {
  try {
    schnorr.utils.lift_x(bytesToNumberBE(x));
    return true;
  } catch {
    return false;
  }
}

// Parsed key ids (valid ones only), so a chain signed by one key decodes its point once.
const cache = new BoundedCache<string, ParsedKeyId>(4096);
// The most recent answer, in front of the cache.
let last: ParsedKeyId | undefined;

/** Parses a key id in canonical form only; anything else is bad_key. */
export function parseKeyId(id: string): ParsedKeyId {
  const parsed = parseKeyIdShared(id);
  // A copy, so a caller that writes into publicKey cannot change the cached entry.
  return { ...parsed, publicKey: parsed.publicKey.slice() };
}

/**
 * parseKeyId for core's own read-only use (structure checks, signature checks): the cached
 * entry itself, whose Ed25519 key already passed the key policy, without a copy.
 */
export function parseKeyIdShared(id: string): Readonly<ParsedKeyId> {
  if (typeof id !== 'string') fail('bad_key', 'key id must be a string');
  // The structure check and then the signature check of one object ask for the same key:
  // the second answer needs no cache lookup (a parse depends on the id text alone).
  if (last !== undefined && id === last.id) return last;
  const hit = cache.get(id);
  if (hit) {
    last = hit;
    return hit;
  }
  let parsed: ParsedKeyId;
  if (id.startsWith('ed25519:')) {
    const hex = id.slice(8);
    if (!isHex(hex, 32)) fail('bad_key', 'ed25519 key id must be 64 lowercase hex digits');
    const pub = fromHex(hex);
    if (!isStrictPublicKey(pub))
      fail('bad_key', 'Ed25519 key is non-canonical, not a point, or of small order');
    parsed = { id, suite: ed25519, publicKey: pub };
  } else if (id.startsWith('nostr:')) {
    const npub = id.slice(6);
    if (npub !== asciiLower(npub) || !npub.startsWith('npub1') || npub.length > 100) {
      fail('bad_key', 'nostr key id must be a lowercase npub');
    }
    const pub = decodeBech32(npub, 'npub');
    if (!isXOnlyPoint(pub)) fail('bad_key', 'npub is not the x coordinate of a secp256k1 point');
    parsed = { id, suite: bip340, publicKey: pub };
  } else {
    return fail('bad_key', 'unknown key id form');
  }
  cache.set(id, parsed);
  last = parsed;
  return parsed;
}

/**
 * User input → canonical key id (SPEC §2.1): ASCII whitespace trimmed, ASCII case folded, and
 * `nostr:<64 hex>` / `npub1…` turned into the npub form.
 */
export function normalizeKeyId(input: string): string {
  if (typeof input !== 'string') fail('bad_key', 'key id must be a string');
  let s = asciiTrim(input);
  const lower = asciiLower(s);
  if (lower.startsWith('npub1')) s = `nostr:${lower}`;
  else if (lower.startsWith('nostr:')) {
    const rest = lower.slice(6);
    s = /^[0-9a-f]{64}$/.test(rest) ? bip340.keyId(fromHex(rest)) : `nostr:${rest}`;
  } else if (lower.startsWith('ed25519:')) s = lower;
  return parseKeyId(s).id;
}

export interface Signer {
  keyId: string;
  suite: Suite;
  sign(msg: Uint8Array): Uint8Array;
}

export function signerFromSecret(
  suite: SuiteName,
  secret: Uint8Array,
  opts: { aux?: Uint8Array } = {},
): Signer {
  const s = suites[suite];
  if (!s) fail('bad_key', 'unknown suite');
  const keyId = s.keyId(s.publicKey(secret));
  const key = secret.slice();
  return { keyId, suite: s, sign: (msg) => s.sign(key, msg, opts.aux) };
}

export function nsecDecode(nsec: string): Uint8Array {
  const lower = typeof nsec === 'string' ? asciiLower(nsec) : '';
  if (!lower.startsWith('nsec1')) fail('bad_key', 'not an nsec');
  const secret = decodeBech32(lower, 'nsec');
  bip340.publicKey(secret);
  return secret;
}

export function nsecEncode(secret: Uint8Array): string {
  bip340.publicKey(secret);
  return bech32.encode('nsec', bech32.toWords(secret), 1000);
}

/** Pre-rotation commitment, SPEC §6.3: hex(SHA-256(UTF-8(key id))). */
export function commitment(keyId: string): string {
  return sha256Hex(utf8Encode(parseKeyId(keyId).id));
}

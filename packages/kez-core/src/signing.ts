// Signing input with domain separation (SPEC §3.1), object hash (§1), sign and verify (§4).
import { fail } from './errors.js';
import { concatBytes, fromHex, sha256Hex, toHex, utf8Encode } from './bytes.js';
import { canonicalBytes, canonicalWithAndWithout, jcsMemberKey, jcsMemberSpan } from './jcs.js';
import { parseKeyIdShared, type Signer } from './keys.js';
import { verifyParsedKey } from './suites.js';
import { parseObject, VERSIONS, type SignedObject } from './objects.js';
import { FUTURE_SKEW } from './limits.js';
import { valid, verdictFrom, type Verdict } from './verdict.js';
import { decodeWithJcs } from './encodings/index.js';

/** SPEC §3.1: the kind part of each signing context. */
export const CONTEXT_KINDS = {
  claim: 'claim',
  event: 'event',
  login: 'login',
  device_request: 'device-request',
  reverse: 'event-reverse',
} as const;
type Kind = keyof typeof CONTEXT_KINDS;

/** SPEC §3.1: `KEZ/<the object's own kez>/<kind>`. */
export function signingContext(version: unknown, kind: Kind): string {
  return `KEZ/${String(version)}/${CONTEXT_KINDS[kind]}`;
}

function withoutSig(obj: Record<string, unknown>): Record<string, unknown> {
  const { sig: _sig, ...rest } = obj;
  return rest;
}

const prefixOf = (ctx: string) => concatBytes(utf8Encode(ctx), new Uint8Array([0]));
// ASCII(ctx) || 0x00 for every supported version and kind, built once; concatBytes copies it
// into each input. Other versions (only ever signed by tests, never verified) are built per call.
const PREFIX = new Map(
  VERSIONS.flatMap((v) =>
    (Object.keys(CONTEXT_KINDS) as Kind[]).map((kind) => {
      const ctx = signingContext(v, kind);
      return [ctx, prefixOf(ctx)] as const;
    }),
  ),
);

/** The one builder of SPEC §3.1: ASCII(ctx) || 0x00 || JCS bytes of what is signed. */
function contextInput(ctx: string, jcs: Uint8Array): Uint8Array {
  return concatBytes(PREFIX.get(ctx) ?? prefixOf(ctx), jcs);
}

function kindOf(type: unknown): Exclude<Kind, 'reverse'> {
  if (type !== 'claim' && type !== 'event' && type !== 'login' && type !== 'device_request')
    fail('malformed', 'type must be claim, event, login or device_request');
  return type;
}

export function signingInput(obj: SignedObject | Record<string, unknown>): Uint8Array {
  const o = obj as Record<string, unknown>;
  return contextInput(signingContext(o.kez, kindOf(o.type)), canonicalBytes(withoutSig(o)));
}

/** SPEC §6.4: the event without sig and without body.reverse, under the reverse context of the
 * event's own version. */
export function reverseSigningInput(event: Record<string, unknown>): Uint8Array {
  const e = withoutSig(event);
  const { reverse: _r, ...body } = (e.body ?? {}) as Record<string, unknown>;
  return contextInput(signingContext(e.kez, 'reverse'), canonicalBytes({ ...e, body }));
}

export function objectHash(obj: SignedObject | Record<string, unknown>): string {
  return sha256Hex(canonicalBytes(obj));
}

/** Signs without checking the structure (tests and vectors sign bad objects on purpose). */
export function signObject<T extends SignedObject>(unsigned: Omit<T, 'sig'>, signer: Signer): T {
  const key = (unsigned as Record<string, unknown>).key;
  if (key !== signer.keyId) fail('bad_key', 'object key is not the signer key');
  const sig = toHex(signer.sign(signingInput(unsigned as Record<string, unknown>)));
  return { ...(unsigned as object), sig } as T;
}

/** Signs, then checks the structure (SPEC §4), so a builder never hands out an object that
 * cannot verify; throws KezError. */
export function signValid<T extends SignedObject>(unsigned: Omit<T, 'sig'>, signer: Signer): T {
  const signed = signObject<T>(unsigned, signer);
  parseObject(signed);
  return signed;
}

/** The signature check alone: `sig` by `key` over `input`. Throws bad_signature. */
export function checkSignature(keyId: string, input: Uint8Array, sigHex: string): void {
  const { suite, publicKey } = parseKeyIdShared(keyId);
  if (!verifyParsedKey(suite, publicKey, input, fromHex(sigHex, 64)))
    fail('bad_signature', `signature by ${keyId} does not verify`);
}

/** A signed object read for checking: its hash H(o) and its signing input (SPEC §3.1), from
 * one serialization. */
export interface ReadSigned {
  object: SignedObject;
  hash: string;
  input: Uint8Array;
}

const SIG_MEMBER = jcsMemberKey('sig');

/** ASCII(ctx) || 0x00 || the bytes of `jcs` outside [cut[0], cut[1]). */
function inputCutting(ctx: string, jcs: Uint8Array, cut: readonly [number, number]): Uint8Array {
  const prefix = PREFIX.get(ctx) ?? prefixOf(ctx);
  const [from, to] = cut;
  const out = new Uint8Array(prefix.length + jcs.length - (to - from));
  out.set(prefix);
  out.set(jcs.subarray(0, from), prefix.length);
  out.set(jcs.subarray(to), prefix.length + from);
  return out;
}

/** Decode (if text) → structure; the hash and the signing input. Throws KezError. */
export function readSigned(value: unknown): ReadSigned {
  if (typeof value === 'string') {
    // The decoder ran parseObject and checked that the text is JCS(obj): no second pass. Its
    // bytes are hashed as they are, and the signed text is them without the sig member.
    const d = decodeWithJcs(value);
    const obj = d.object;
    const bytes = d.bytes ?? utf8Encode(d.jcs);
    const cut = jcsMemberSpan(bytes, SIG_MEMBER);
    // parseObject requires sig, so a span is always there.
    if (!cut) return fail('malformed', 'missing member "sig"');
    const input = inputCutting(signingContext(obj.kez, obj.type), bytes, cut);
    return { object: obj, hash: sha256Hex(bytes), input };
  }
  const obj = parseObject(value);
  const { full, without } = canonicalWithAndWithout(
    obj as unknown as Record<string, unknown>,
    'sig',
  );
  const input = contextInput(signingContext(obj.kez, obj.type), utf8Encode(without));
  return { object: obj, hash: sha256Hex(utf8Encode(full)), input };
}

/** The object's own signature (SPEC §3.1 context of its version and type). Throws bad_signature. */
export function checkSigned({ object: obj, input }: ReadSigned): void {
  checkSignature(obj.key, input, obj.sig);
}

/**
 * Decode (if text) → structure → signature → time. Returns the object and its hash H(o);
 * throws KezError. The signing input and the hash come from one serialization. `verified`
 * may vouch for the signature of the object with that hash (checked elsewhere by the same
 * code, signature-results.ts); when it does not, the signature is checked here.
 */
export function verifySignedObject(
  value: unknown,
  now: number,
  skew = FUTURE_SKEW,
  verified?: (hash: string) => boolean,
): { object: SignedObject; hash: string } {
  const read = readSigned(value);
  const obj = read.object;
  if (!verified?.(read.hash)) checkSigned(read);
  if (obj.created_at > now + skew)
    fail('future', `created_at ${obj.created_at} is after now + ${skew}`);
  return { object: obj, hash: read.hash };
}

/** SPEC §4. `value` is a parsed object or the text of any encoding. */
export function verifyObject(value: unknown, opts: { now: number }): Verdict {
  return verdictFrom(() => {
    const { object: obj, hash } = verifySignedObject(value, opts.now);
    return valid(`signature and structure of the ${obj.type} are good`, {
      hash,
      key: obj.key,
      type: obj.type,
    });
  });
}

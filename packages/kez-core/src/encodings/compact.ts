// SPEC §8.2: "kez:z1:" + b64u(one zstd frame of JCS(o)).
import { Decompress } from 'fzstd';
import { fail } from '../errors.js';
import { b64uDecode, b64uEncode, concatBytes, utf8Decode, utf8Encode } from '../bytes.js';
import { canonicalize, parseCanonical } from '../jcs.js';
import { parseObject, type SignedObject } from '../objects.js';
import { MAX_COMPACT_BYTES, MAX_DECOMPRESSED_BYTES } from '../limits.js';
import { checkZstdFrame } from './zstd-frame.js';

export const COMPACT_PREFIX = 'kez:z1:';

interface Zstd {
  compress(buf: Uint8Array, level?: number): Uint8Array;
}
let zstd: Promise<Zstd> | undefined;

// The WASM compressor loads once, on first use, so decoders and browsers never pay for it.
function loadZstd(): Promise<Zstd> {
  zstd ??= import('@bokuweb/zstd-wasm').then(async (m) => {
    const mod = ((m as { default?: unknown }).default ?? m) as Zstd & { init(): Promise<void> };
    await mod.init();
    return mod;
  });
  return zstd;
}

export async function encodeCompact(obj: SignedObject): Promise<string> {
  const z = await loadZstd();
  const frame = z.compress(utf8Encode(canonicalize(obj)), 19);
  return COMPACT_PREFIX + b64uEncode(frame);
}

// Thrown from the output callback to stop fzstd mid-stream; never escapes inflate().
const TOO_LARGE = Symbol('too_large');

/** Bounded streaming decompression: stops with too_large once output passes the cap. */
function inflate(frame: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const d = new Decompress((chunk) => {
    total += chunk.length;
    if (total > MAX_DECOMPRESSED_BYTES) throw TOO_LARGE;
    chunks.push(chunk);
  });
  try {
    d.push(frame, true);
  } catch (err) {
    if (err === TOO_LARGE)
      fail('too_large', `decompressed payload exceeds ${MAX_DECOMPRESSED_BYTES} bytes`);
    return fail('bad_encoding', 'zstd frame does not decompress', {}, err);
  }
  return concatBytes(...chunks);
}

function decodeCompactPayload(text: string): Record<string, unknown> {
  if (typeof text !== 'string') fail('bad_encoding', 'compact text must be a string');
  const s = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (s.length > MAX_COMPACT_BYTES)
    fail('too_large', `compact string exceeds ${MAX_COMPACT_BYTES} bytes`);
  if (!s.startsWith(COMPACT_PREFIX)) fail('bad_encoding', 'compact text must start with kez:z1:');
  const frame = b64uDecode(s.slice(COMPACT_PREFIX.length));
  checkZstdFrame(frame);
  const json = utf8Decode(inflate(frame));
  if (json.endsWith('\n')) fail('non_canonical', 'compact payload must be exactly JCS(o)');
  return parseCanonical(json);
}

export function decodeCompact(text: string): SignedObject {
  return parseObject(decodeCompactPayload(text));
}

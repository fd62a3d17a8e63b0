// SPEC §8.2: "kez:z1:" + b64u(one zstd frame of JCS(o)).
import { fail } from '../errors.js';
import { b64uDecode, b64uEncode, utf8Decode, utf8Encode } from '../bytes.js';
import { canonicalize, parseCanonicalText } from '../jcs.js';
import { parseObject, type SignedObject } from '../objects.js';
import { MAX_COMPACT_BYTES, MAX_DECOMPRESSED_BYTES } from '../limits.js';
import { getPrimitives } from '../primitives.js';
import { checkZstdFrame, type ZstdFrameInfo } from './zstd-frame.js';

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

/**
 * Bounded decompression (SPEC §8.2) by the current zstd primitive: output beyond a declared
 * content size is bad_encoding as soon as it appears, output beyond 65 536 bytes without one
 * is too_large, and output shorter than the declared size is bad_encoding at the end.
 */
function inflate(frame: Uint8Array, info: ZstdFrameInfo): Uint8Array {
  const declared = info.contentSize;
  let out: Uint8Array | undefined;
  try {
    out = getPrimitives().zstdDecompress(frame, info, declared ?? MAX_DECOMPRESSED_BYTES);
  } catch (err) {
    return fail('bad_encoding', 'zstd frame does not decompress', {}, err);
  }
  if (out === undefined) {
    if (declared === undefined)
      fail('too_large', `decompressed payload exceeds ${MAX_DECOMPRESSED_BYTES} bytes`);
    fail('bad_encoding', 'zstd frame content exceeds its declared Frame_Content_Size');
  }
  if (declared !== undefined && out.length !== declared)
    fail('bad_encoding', 'zstd frame content differs from its declared Frame_Content_Size');
  return out;
}

function decodeCompactPayload(text: string): {
  value: Record<string, unknown>;
  jcs: string;
  bytes: Uint8Array;
} {
  if (typeof text !== 'string') fail('bad_encoding', 'compact text must be a string');
  const s = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (s.length > MAX_COMPACT_BYTES)
    fail('too_large', `compact string exceeds ${MAX_COMPACT_BYTES} bytes`);
  if (!s.startsWith(COMPACT_PREFIX)) fail('bad_encoding', 'compact text must start with kez:z1:');
  const frame = b64uDecode(s.slice(COMPACT_PREFIX.length));
  const info = checkZstdFrame(frame);
  const bytes = inflate(frame, info);
  // Fatal UTF-8 decoding that keeps a BOM: the text is these bytes exactly.
  const json = utf8Decode(bytes);
  if (json.endsWith('\n')) fail('non_canonical', 'compact payload must be exactly JCS(o)');
  const { value, jcs } = parseCanonicalText(json);
  return { value, jcs, bytes };
}

export function decodeCompact(text: string): SignedObject {
  return decodeCompactJcs(text).object;
}

/**
 * decodeCompact, with JCS(object) as checked while decoding, and its UTF-8 bytes (the
 * decompressed payload: a view the next decompression may overwrite, so use it at once).
 */
export function decodeCompactJcs(text: string): {
  object: SignedObject;
  jcs: string;
  bytes: Uint8Array;
} {
  const { value, jcs, bytes } = decodeCompactPayload(text);
  return { object: parseObject(value), jcs, bytes };
}

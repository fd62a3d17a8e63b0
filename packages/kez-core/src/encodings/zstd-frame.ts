// SPEC §8.2 pre-checks of a zstd frame (RFC 8878 §3.1.1), done before any decompression.
import { fail } from '../errors.js';
import { MAX_DECOMPRESSED_BYTES, MAX_ZSTD_WINDOW } from '../limits.js';

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const MAX_BLOCK = 128 * 1024;

export interface ZstdFrameInfo {
  /** Frame_Content_Size when the header declares one. */
  contentSize: number | undefined;
  singleSegment: boolean;
  /** Offset of the first block header. */
  blocksAt: number;
}

/**
 * Validates the frame header (reserved bit, checksum flag, window, dictionary, declared size),
 * in the order SPEC §8.2 gives, and walks the block headers so the frame must end exactly at
 * the end of `f`.
 */
export function checkZstdFrame(f: Uint8Array): ZstdFrameInfo {
  if (f.length < 6 || MAGIC.some((m, i) => f[i] !== m))
    fail('bad_encoding', 'not a zstd frame (magic)');
  const fhd = f[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  if ((fhd >> 3) & 1) fail('bad_encoding', 'zstd frame header reserved bit is set');
  if ((fhd >> 2) & 1) fail('bad_encoding', 'zstd content checksum flag is set');
  const dictFlag = fhd & 3;
  let p = 5;
  let window = -1;
  if (!single) {
    const wd = f[p++]!;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
    if (window > MAX_ZSTD_WINDOW) fail('bad_encoding', 'zstd window exceeds 8 MiB');
  }
  const dictSize = [0, 1, 2, 4][dictFlag]!;
  if (p + dictSize > f.length) fail('bad_encoding', 'truncated zstd frame header');
  for (let i = 0; i < dictSize; i++)
    if (f[p + i] !== 0) fail('bad_encoding', 'zstd dictionary id is not 0');
  p += dictSize;
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (p + fcsSize > f.length) fail('bad_encoding', 'truncated zstd frame header');
  let contentSize: number | undefined;
  if (fcsSize > 0) {
    let fcs = 0;
    for (let i = fcsSize - 1; i >= 0; i--) fcs = fcs * 256 + f[p + i]!;
    if (fcsSize === 2) fcs += 256;
    if (fcs > MAX_DECOMPRESSED_BYTES)
      fail('too_large', `zstd content size ${fcs} exceeds ${MAX_DECOMPRESSED_BYTES}`);
    if (single) window = fcs;
    contentSize = fcs;
  }
  p += fcsSize;
  const blocksAt = p;
  // RFC 8878 §3.1.1.2.4: Block_Maximum_Size is the smaller of the window and 128 KiB.
  const maxBlock = Math.min(window, MAX_BLOCK);
  for (;;) {
    if (p + 3 > f.length) fail('bad_encoding', 'truncated zstd block header');
    const h = f[p]! | (f[p + 1]! << 8) | (f[p + 2]! << 16);
    p += 3;
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) fail('bad_encoding', 'reserved zstd block type');
    if (size > maxBlock) fail('bad_encoding', 'zstd block larger than the window or 128 KiB');
    p += type === 1 ? 1 : size;
    if (p > f.length) fail('bad_encoding', 'truncated zstd block');
    if (last) break;
  }
  if (p !== f.length) fail('trailing_data', 'bytes after the zstd frame');
  return { contentSize, singleSegment: single === 1, blocksAt };
}

/**
 * The frame to hand to fzstd. fzstd sizes its window buffer from a single-segment frame's
 * declared content size and silently truncates or garbles output that does not fit, where
 * libzstd reports an error; so such a frame is decoded under a header that declares the §11
 * payload bound instead, and the caller compares the output with the declared size (§8.2).
 */
export function frameForDecoding(f: Uint8Array, info: ZstdFrameInfo): Uint8Array {
  if (!info.singleSegment) return f;
  const header = new Uint8Array(9);
  header.set(MAGIC);
  header[4] = 0xa0; // 4-byte Frame_Content_Size, single segment, no dictionary, no checksum
  new DataView(header.buffer).setUint32(5, MAX_DECOMPRESSED_BYTES + 1, true);
  const out = new Uint8Array(header.length + f.length - info.blocksAt);
  out.set(header);
  out.set(f.subarray(info.blocksAt), header.length);
  return out;
}

// The pure-JS zstd decompressor behind the primitives seam (fzstd; runs in browsers).
import { Decompress } from 'fzstd';
// noble's, not ../bytes.js: this module is part of the primitives seam, which bytes.js uses.
import { concatBytes } from '@noble/hashes/utils.js';
import { frameForDecoding, type ZstdFrameInfo } from './zstd-frame.js';

// Thrown from the output callback to stop fzstd mid-stream; never escapes fzstdDecompress().
const OVER_CAP = Symbol('over_cap');

/**
 * Streams `frame` (already checked by checkZstdFrame) through fzstd: the content, or undefined
 * as soon as the output exceeds `cap` bytes; throws when the frame does not decompress.
 */
export function fzstdDecompress(
  frame: Uint8Array,
  info: ZstdFrameInfo,
  cap: number,
): Uint8Array | undefined {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const d = new Decompress((chunk) => {
    total += chunk.length;
    if (total > cap) throw OVER_CAP;
    chunks.push(chunk);
  });
  try {
    d.push(frameForDecoding(frame, info), true);
  } catch (err) {
    if (err === OVER_CAP) return undefined;
    throw err;
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(...chunks);
}

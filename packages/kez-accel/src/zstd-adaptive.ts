// zstd for short and long runs alike, as ed25519-adaptive.ts does for Ed25519: core's pure
// decoder (already loaded with it) for a process's first frames, then libzstd, whose binding
// costs a one-claim CLI run more to load than fzstd takes for a few dozen frames. Both stop at
// the same bound and agree on every vector (test/zstd.test.ts).
import { purePrimitives, type ZstdFrameInfo } from '@kez/core';
import { zstdDecompressNative } from './zstd-libzstd.js';

/** Frames on the pure decoder before switching to libzstd. */
export const LIBZSTD_AFTER = 16;
let count = 0;

export function zstdDecompressAdaptive(
  frame: Uint8Array,
  info: ZstdFrameInfo,
  cap: number,
): Uint8Array | undefined {
  if (count < LIBZSTD_AFTER) {
    count++;
    return purePrimitives.zstdDecompress(frame, info, cap);
  }
  return zstdDecompressNative(frame, info, cap);
}

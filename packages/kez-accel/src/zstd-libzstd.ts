// zstd decompression by libzstd (zstd-napi, built by node-gyp on install): one-shot
// ZSTD_decompressDCtx into a buffer of exactly `cap` bytes, so the output is bounded by
// construction and libzstd never allocates a window for it.
import { MAX_DECOMPRESSED_BYTES, type ZstdFrameInfo } from '@kez/core';
// CommonJS that re-exports a .node file, so no named ESM exports.
import binding from 'zstd-napi/binding.js';

const dctx = new binding.DCtx();
// Reused by every call: callers decode the result before decompressing again (core's seam).
const scratch = new Uint8Array(MAX_DECOMPRESSED_BYTES);
// ZSTD_getErrorName(ZSTD_error_dstSize_tooSmall): the output did not fit in `cap`.
const TOO_SMALL = 'Destination buffer is too small';

export function zstdDecompressNative(
  frame: Uint8Array,
  _info: ZstdFrameInfo,
  cap: number,
): Uint8Array | undefined {
  if (cap > scratch.length) throw new RangeError('zstd output cap exceeds the §11 bound');
  let n: number;
  try {
    n = dctx.decompress(scratch.subarray(0, cap), frame);
  } catch (err) {
    if ((err as Error).message === TOO_SMALL) return undefined;
    throw err;
  }
  return scratch.subarray(0, n);
}

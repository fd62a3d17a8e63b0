// zstd decompression by libzstd (zstd-napi, built by node-gyp on install): one-shot
// ZSTD_decompressDCtx into a buffer of exactly `cap` bytes, so the output is bounded by
// construction and libzstd never allocates a window for it.
import { createRequire } from 'node:module';
import { MAX_DECOMPRESSED_BYTES, type ZstdFrameInfo } from '@kez/core';
import { lazy } from './lazy.js';

const require = createRequire(import.meta.url);
// The binding loads on the first compact claim, not at import (lazy.ts).
const dctx = lazy(() => {
  const binding = require('zstd-napi/binding.js') as typeof import('zstd-napi/binding.js');
  return new binding.DCtx();
});
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
    n = dctx().decompress(scratch.subarray(0, cap), frame);
  } catch (err) {
    if ((err as Error).message === TOO_SMALL) return undefined;
    throw err;
  }
  return scratch.subarray(0, n);
}

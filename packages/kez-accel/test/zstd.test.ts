// libzstd behind core's zstd seam: the same outcome as fzstd on every SPEC vector and on
// frames made here around the §8.2/§11 bounds, with and without a declared content size.
import { afterEach, describe, expect, it } from 'vitest';
import binding from 'zstd-napi/binding.js';
import {
  b64uEncode,
  checkZstdFrame,
  decodeAs,
  KezError,
  MAX_DECOMPRESSED_BYTES,
  purePrimitives,
  setPrimitives,
  verifyObject,
  type EncodingName,
  type Primitives,
} from '@kez/core';
import { vectors } from '@kez/test-kit/conformance';
import { fastPrimitives, LIBZSTD_AFTER, zstdDecompressNative } from '../src/index.js';

/** The fast primitives with libzstd from the first frame (as installed, it takes over after LIBZSTD_AFTER). */
const native: Primitives = { ...fastPrimitives, zstdDecompress: zstdDecompressNative };

afterEach(() => setPrimitives(fastPrimitives));

type Outcome = { code: string } | { object: unknown };
function outcome(p: Primitives, run: () => unknown): Outcome {
  setPrimitives(p);
  try {
    return { object: run() };
  } catch (err) {
    expect(err).toBeInstanceOf(KezError);
    return { code: (err as KezError).code };
  }
}
const both = (run: () => unknown) => [outcome(purePrimitives, run), outcome(native, run)];

/** A zstd frame of `data`, with or without Frame_Content_Size (then windowed). */
function frameOf(data: Uint8Array, contentSize: boolean, level = 3): Uint8Array {
  const cctx = new binding.CCtx();
  cctx.setParameter(binding.CParameter.compressionLevel, level);
  cctx.setParameter(binding.CParameter.contentSizeFlag, contentSize ? 1 : 0);
  const out = new Uint8Array(binding.compressBound(data.length));
  return out.slice(0, cctx.compress2(out, data));
}
/** Compressible but not trivially so: a repeated pattern with noise. */
function payload(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i % 97 === 0 ? (i * 7919) & 255 : 97 + (i % 13)) & 255;
  return b;
}

describe('libzstd and fzstd agree', () => {
  it('on every SPEC vector in compact or DNS form (objects and negatives)', () => {
    const cases: { input: string; encoding: EncodingName }[] = [];
    for (const v of vectors.objects)
      for (const encoding of ['compact', 'dns'] as const)
        cases.push({ input: v.encodings[encoding], encoding });
    for (const v of vectors.negative)
      if (v.encoding === 'compact' || v.encoding === 'dns') cases.push(v);
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) {
      const [pure, fast] = both(() => decodeAs(c.input, c.encoding));
      expect({ input: c.input, ...fast }).toEqual({ input: c.input, ...pure });
    }
  });

  it('on the output bound: undefined past the cap, the exact bytes up to it', () => {
    for (const n of [1, 300, 65_535, 65_536, 65_537, 200_000]) {
      const data = payload(n);
      // A declared size above 65,536 fails the header check; without one any size may come.
      for (const contentSize of n <= MAX_DECOMPRESSED_BYTES ? [true, false] : [false]) {
        const frame = frameOf(data, contentSize);
        const info = checkZstdFrame(frame);
        expect(info.contentSize).toBe(contentSize ? n : undefined);
        for (const cap of [n - 1, n, n + 1].filter((c) => c >= 0 && c <= MAX_DECOMPRESSED_BYTES)) {
          const pure = purePrimitives.zstdDecompress(frame, info, cap);
          const fast = native.zstdDecompress(frame, info, cap);
          if (n > cap) {
            expect(pure).toBeUndefined();
            expect(fast).toBeUndefined();
          } else {
            expect(pure && Buffer.from(pure).equals(data)).toBe(true);
            expect(fast && Buffer.from(fast).equals(data)).toBe(true);
          }
        }
      }
    }
  });

  it('through decodeCompact: too_large without a declared size, bad_encoding past a declared one', () => {
    const compact = (data: Uint8Array, contentSize: boolean) =>
      `kez:z1:${b64uEncode(frameOf(data, contentSize, 19))}`;
    // 65,537 bytes of JSON-looking text in a frame well under the 16,384-byte compact limit.
    const big = new TextEncoder().encode(`{"a":"${'x'.repeat(MAX_DECOMPRESSED_BYTES)}"}`);
    const [pure, fast] = both(() => decodeAs(compact(big, false), 'compact'));
    expect(pure).toEqual({ code: 'too_large' });
    expect(fast).toEqual(pure);
    // A declared size above 65,536 is refused from the header, before decompression.
    expect(both(() => decodeAs(compact(big, true), 'compact'))).toEqual([
      { code: 'too_large' },
      { code: 'too_large' },
    ]);
    // A declared size smaller than the content: bad_encoding on both decoders.
    const data = payload(1000);
    const lie = frameOf(data, true);
    // Single segment, 2-byte Frame_Content_Size (value − 256, little-endian) right after FHD.
    expect([lie[4]! >> 5, checkZstdFrame(lie).blocksAt]).toEqual([3, 7]);
    lie[5]! -= 1;
    expect(checkZstdFrame(lie).contentSize).toBe(data.length - 1);
    expect(both(() => decodeAs(`kez:z1:${b64uEncode(lie)}`, 'compact'))).toEqual([
      { code: 'bad_encoding' },
      { code: 'bad_encoding' },
    ]);
  });

  it('on corrupted block data: never a valid verdict for anything but the signed bytes', () => {
    const v = vectors.objects.find((o: { type: string }) => o.type === 'claim');
    const text: string = v.encodings.compact;
    const frame = Buffer.from(text.slice(7), 'base64url');
    const from = checkZstdFrame(frame).blocksAt + 3;
    for (let i = 0; i < 300; i++) {
      const bad = Uint8Array.from(frame);
      const at = from + ((i * 7) % (bad.length - from));
      bad[at]! ^= 1 << (i % 8);
      const input = `kez:z1:${b64uEncode(bad)}`;
      for (const p of [purePrimitives, native, fastPrimitives]) {
        setPrimitives(p);
        const verdict = verifyObject(input, { now: vectors.now });
        if (verdict.status === 'valid') expect(verdict.evidence.hash).toBe(v.hash);
        else expect(verdict.status).toBe('invalid');
      }
    }
  });
});

describe('zstd as installed: fzstd first, then libzstd', () => {
  it('keeps its answers across the switch, a frame over the cap included', () => {
    const data = new TextEncoder().encode('kez '.repeat(200));
    const frame = frameOf(data, true);
    const info = checkZstdFrame(frame);
    for (let i = 0; i < LIBZSTD_AFTER + 8; i++) {
      expect(fastPrimitives.zstdDecompress(frame, info, data.length)).toEqual(data);
      expect(fastPrimitives.zstdDecompress(frame, info, data.length - 1)).toBeUndefined();
    }
  });
});

import { describe, expect, it } from 'vitest';
import {
  b64uDecode,
  b64uEncode,
  decodeAs,
  decodeCompact,
  decodeDns,
  decodeMarkdown,
  detectEncoding,
  encodeCompact,
  encodeDns,
  encodeMarkdown,
  fromHex,
  splitTxt,
  toHex,
  verifyObject,
  addClaim,
  encodeJson,
  objectHash,
  signingInput,
  type SignedObject,
} from '../src/index.js';
import { readSigned } from '../src/signing.js';
import { buildChain, FIXTURE_NOW as NOW } from '@kez/test-kit/chain-builder';
import { codeOf } from './probes.js';

describe('base64url (SPEC §1)', () => {
  it('round-trips every length and has one text form per byte string', () => {
    for (let n = 0; n < 40; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const s = b64uEncode(b);
      expect(s).toBe(Buffer.from(b).toString('base64url'));
      expect(toHex(b64uDecode(s))).toBe(toHex(b));
    }
    expect(codeOf(() => b64uDecode('AB'))).toBe('bad_encoding'); // 'B' has non-zero unused bits
    expect(codeOf(() => b64uDecode('AA=='))).toBe('bad_encoding');
    expect(codeOf(() => b64uDecode('A'))).toBe('bad_encoding');
    expect(codeOf(() => b64uDecode('A+A/'))).toBe('bad_encoding');
    expect(toHex(b64uDecode('AA'))).toBe('00');
  });
  it('hex is lowercase only', () => {
    expect(codeOf(() => fromHex('AB'))).toBe('malformed');
    expect(codeOf(() => fromHex('abc'))).toBe('malformed');
    expect(toHex(fromHex('0aff'))).toBe('0aff');
  });
  it('hex of every byte value and of inputs longer than one conversion chunk', () => {
    for (const n of [0, 1, 32, 4095, 4096, 4097, 20_000]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255);
      expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(Buffer.from(all).toString('hex'));
    expect(fromHex(toHex(all))).toEqual(all);
  });
});

describe('encodings', () => {
  const { state, next } = buildChain('ed25519');
  const long = addClaim(
    state,
    {
      subject: 'dns:example.com',
      created_at: NOW,
      locators: Array.from(
        { length: 8 },
        (_, i) => `https://sig${i}.example.com/${'p'.repeat(200)}`,
      ),
    },
    next,
  ).claim;

  it('detects by the first non-whitespace bytes', () => {
    expect(detectEncoding('  {')).toBe('json');
    expect(detectEncoding('\nkez:z1:AA')).toBe('compact');
    expect(detectEncoding('"kez')).toBe('dns');
    expect(detectEncoding('# hi')).toBe('markdown');
  });

  it('DNS splits at every 255th byte and accepts spaces, tabs and one trailing LF', async () => {
    const compact = await encodeCompact(long);
    expect(compact.length).toBeGreaterThan(255);
    const parts = splitTxt(compact);
    expect(parts.slice(0, -1).every((p) => p.length === 255)).toBe(true);
    expect(parts.join('')).toBe(compact);
    const dns = encodeDns(compact);
    expect(dns).toBe(parts.map((p) => `"${p}"`).join(' '));
    expect(decodeDns(dns)).toEqual(long);
    expect(decodeDns(`${parts.map((p) => `"${p}"`).join('\t \t')}\n`)).toEqual(long);
    expect(codeOf(() => decodeDns(` ${dns}`))).toBe('bad_encoding');
    expect(codeOf(() => decodeDns(`${dns}\n\n`))).toBe('bad_encoding');
    expect(codeOf(() => decodeDns(`"${compact}"`))).toBe('bad_encoding');
  });

  it('compact accepts one trailing LF; compact decoding is independent of the producer level', async () => {
    const c = await encodeCompact(long);
    expect(decodeCompact(`${c}\n`)).toEqual(long);
    expect(codeOf(() => decodeCompact(`${c}\n\n`))).toBe('bad_encoding');
    const z = await import('@bokuweb/zstd-wasm');
    for (const level of [1, 3, 22]) {
      const frame = z.compress(
        new TextEncoder().encode(encodeMarkdown(long).split('\n')[5]!),
        level,
      );
      expect(frame[4]! & 4).toBe(0); // no checksum
      expect(decodeCompact(`kez:z1:${b64uEncode(frame)}`)).toEqual(long);
    }
  });

  it('markdown: CRLF lines and text around the fence are fine; the payload decodes as JSON', () => {
    const md = encodeMarkdown(long);
    expect(decodeMarkdown(md.replace(/\n/g, '\r\n'))).toEqual(long);
    expect(decodeMarkdown(`intro\n\n${md}\nmore text`)).toEqual(long);
    expect(codeOf(() => decodeMarkdown(md.replace('```kez\n', '```kez\n\n')))).toBe('bad_encoding');
    expect(codeOf(() => decodeMarkdown(md.replace('\n```\n', '\n ```\n')))).toBe('bad_encoding');
    expect(codeOf(() => decodeMarkdown(md.replace('"kez":"0.3"', '"kez": "0.3"')))).toBe(
      'non_canonical',
    );
  });

  it('decodeAs does not detect', () => {
    expect(codeOf(() => decodeAs('{}', 'dns'))).toBe('bad_encoding');
    expect(codeOf(() => decodeAs('kez:z1:AA', 'json'))).toBe('malformed');
  });

  it('verifyObject never throws on non-string, non-object input', () => {
    for (const v of [null, undefined, 1, [], true, Symbol.for('x'), () => 1, new Uint8Array(3)]) {
      expect(verifyObject(v, { now: NOW }).status).toBe('invalid');
    }
  });
});

describe('readSigned: one reading of the text for the hash and the signing input', () => {
  const fixture = buildChain('bip340');
  it('gives objectHash and signingInput of the object, from every encoding and from the object', async () => {
    // Events whose body carries signed objects with a sig of their own (add: a claim).
    for (const obj of fixture.events as SignedObject[]) {
      const want = { hash: objectHash(obj), input: toHex(signingInput(obj)) };
      const texts = [
        encodeJson(obj),
        `${encodeJson(obj)}\n`,
        encodeMarkdown(obj),
        await encodeCompact(obj),
        encodeDns(await encodeCompact(obj)),
      ];
      for (const value of [obj, ...texts]) {
        const r = readSigned(value);
        expect({ hash: r.hash, input: toHex(r.input) }).toEqual(want);
      }
    }
  });
});

// SPEC §5.2 short proofs: the encoder, and the scanner against hostile text.
import { describe, expect, it } from 'vitest';
import { findShortProofs, formatShortProof, isKezError } from '../src/index.js';

const HEX = 'ab'.repeat(32);
const ID = `kez:id:${HEX}`;
const ID2 = `kez:id:${'cd'.repeat(32)}`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isKezError(e)) return e.code;
    throw e;
  }
  return 'no throw';
}

describe('formatShortProof', () => {
  it('emits the bare form (71 bytes) and the link form', () => {
    expect(formatShortProof(ID)).toBe(ID);
    expect(ID.length).toBe(71);
    expect(formatShortProof(ID, 'https://sig.example')).toBe(`https://sig.example/${ID}`);
    expect(formatShortProof(ID, 'http://1.2.3.4:8080')).toBe(`http://1.2.3.4:8080/${ID}`);
  });

  it('a 48-byte home gives exactly 120 bytes; 49 is too_large', () => {
    const home48 = `https://${'a'.repeat(36)}.com`;
    expect(home48.length).toBe(48);
    expect(formatShortProof(ID, home48)).toHaveLength(120);
    expect(codeOf(() => formatShortProof(ID, `https://${'a'.repeat(37)}.com`))).toBe('too_large');
  });

  it('refuses a bad identity or a home outside the grammar (malformed)', () => {
    for (const id of [ID.toUpperCase(), `kez:id:${HEX.slice(1)}`, `${ID}0`, HEX])
      expect(codeOf(() => formatShortProof(id))).toBe('malformed');
    for (const home of [
      'HTTPS://sig.example',
      'https://Sig.example',
      'https://sig.example/',
      'https://sig.example/path',
      'wss://relay.example',
      'https://sig.example:0',
      'https://sig.example:65536',
      'https://u@sig.example',
      'https://[::1]',
      'https://sig.example?x',
    ])
      expect(
        codeOf(() => formatShortProof(ID, home)),
        home,
      ).toBe('malformed');
  });
});

describe('findShortProofs', () => {
  it('finds bare and linked proofs in text', () => {
    expect(findShortProofs(ID)).toEqual([{ identity: ID }]);
    expect(findShortProofs(`My KEZ: https://sig.example/${ID} (see)`)).toEqual([
      { identity: ID, home: 'https://sig.example' },
    ]);
    expect(findShortProofs(`x http://1.2.3.4:8080/${ID}\n${ID2}.`)).toEqual([
      { identity: ID, home: 'http://1.2.3.4:8080' },
      { identity: ID2 },
    ]);
  });

  it('skips occurrences that are not proofs, without error', () => {
    for (const t of [
      `kez:id:${HEX.toUpperCase()}`,
      `kez:id:${HEX.slice(1)}`,
      `kez:id:${HEX}0`,
      `${ID}g`,
      `a${ID}`,
      `9${ID}`,
      `kez:id:${HEX.slice(0, 63)}x`,
      'kez:id:',
      '',
    ])
      expect(findShortProofs(t), t).toEqual([]);
    // but punctuation, NUL and bidi marks around a proof are not letters or digits
    expect(findShortProofs(`(${ID})`)).toEqual([{ identity: ID }]);
    expect(findShortProofs(`\u0000${ID}\u200f`)).toEqual([{ identity: ID }]);
    expect(findShortProofs(`\u202e${ID}\u202c`)).toEqual([{ identity: ID }]);
  });

  it('a link before the proof must be a canonical home (malformed)', () => {
    for (const t of [
      `HTTPS://sig.example/${ID}`,
      `https://Sig.example/${ID}`,
      `https://sig.example:0/${ID}`,
      `https://sig.example/path/${ID}`,
      `https://u@sig.example/${ID}`,
      `https://[::1]/${ID}`,
      `https://${'a'.repeat(37)}.com/${ID}`,
      `ftp://sig.example/${ID}`,
      `see/${ID}`,
      ` /${ID}`,
      `/${ID}`,
    ])
      expect(
        codeOf(() => findShortProofs(t)),
        t,
      ).toBe('malformed');
  });

  it('a 48-byte home is a home', () => {
    const home48 = `https://${'a'.repeat(36)}.com`;
    expect(findShortProofs(`${home48}/${ID}`)).toEqual([{ identity: ID, home: home48 }]);
  });

  it('takes at most 8 proofs from one text and dedupes repeats', () => {
    const ids = Array.from(
      { length: 9 },
      (_, i) => `kez:id:${i.toString(16).padStart(2, '0').repeat(32)}`,
    );
    const got = findShortProofs(ids.join(' '));
    expect(got.map((p) => p.identity)).toEqual(ids.slice(0, 8));
    // the 9th is ignored, even when its home is malformed
    expect(findShortProofs(`${ids.slice(0, 8).join(' ')} HTTP://x/${ids[8]}`)).toHaveLength(8);
    expect(findShortProofs(`${ID} ${ID} https://a.example/${ID} https://a.example/${ID}`)).toEqual([
      { identity: ID },
      { identity: ID, home: 'https://a.example' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  bip340,
  ed25519,
  commitment,
  isCanonicalSubject,
  normalizeDomain,
  normalizeKeyId,
  nsecDecode,
  nsecEncode,
  parseKeyId,
  parseSubject,
  sha256Hex,
  utf8Encode,
  toHex,
  IDENTITY_ID_RE,
  identityHex,
  identityIdOf,
  isIdentityId,
} from '../src/index.js';
import { parseKeyIdShared } from '../src/keys.js';
import { codeOf } from './probes.js';

describe('subjects (SPEC §2.2, §2.3)', () => {
  it('canonicalizes input forms', () => {
    expect(parseSubject('GitHub:Jason')).toEqual({
      channel: 'github',
      id: 'jason',
      text: 'github:jason',
    });
    expect(parseSubject('mastodon:Alice@Mastodon.Social').text).toBe('ap:@alice@mastodon.social');
    expect(parseSubject('ap:@bob@example.org.').text).toBe('ap:@bob@example.org');
    expect(parseSubject('dns:Bücher.Example').text).toBe('dns:xn--bcher-kva.example');
    expect(parseSubject('bluesky:ALICE.bsky.social').text).toBe('bluesky:alice.bsky.social');
    expect(normalizeDomain('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
  });
  it('rejects what the SPEC rejects', () => {
    for (const s of [
      'dns:localhost',
      'dns:1.2.3.4',
      'dns:[::1]',
      'dns:a..b',
      'dns:-a.example',
      'dns:a-.example',
      `dns:${'a'.repeat(64)}.example`,
      `dns:${(`${'a'.repeat(60)}.`).repeat(5)}com`,
      'dns:exa mple.com',
      'dns:user@example.com',
      'dns:example.com/x',
      'dns:0x7f.1',
      'github:a--b',
      'github:-a',
      'github:a-',
      `github:${'a'.repeat(40)}`,
      'github:a_b',
      'ap:@alice',
      'ap:@.alice@example.com',
      'ap:@alice@localhost',
      'nostr:npub1xyz',
      'x:y',
      'nochannel',
      'dns:',
    ]) {
      expect([s, codeOf(() => parseSubject(s))]).toEqual([s, 'bad_subject']);
    }
  });
  it('isCanonicalSubject is parse → serialize identity', () => {
    expect(isCanonicalSubject('github:jason')).toBe(true);
    expect(isCanonicalSubject('github:Jason')).toBe(false);
    expect(isCanonicalSubject('mastodon:@a@example.com')).toBe(false);
    expect(isCanonicalSubject('dns:example.com.')).toBe(false);
  });
});

describe('key ids (SPEC §2.1)', () => {
  const pub = bip340.publicKey(new Uint8Array(32).fill(5));
  const npubId = bip340.keyId(pub);
  it('npub forms', () => {
    expect(normalizeKeyId(npubId.toUpperCase())).toBe(npubId);
    expect(normalizeKeyId(`nostr:${toHex(pub)}`)).toBe(npubId);
    expect(normalizeKeyId(npubId.slice(6))).toBe(npubId);
    expect(codeOf(() => parseKeyId(npubId.toUpperCase()))).toBe('bad_key');
    expect(parseKeyId(npubId).suite.name).toBe('bip340');
  });
  it('nsec round trip and commitment', () => {
    const sk = new Uint8Array(32).fill(6);
    expect(toHex(nsecDecode(nsecEncode(sk)))).toBe(toHex(sk));
    expect(codeOf(() => nsecDecode('nsec1abc'))).toBe('bad_key');
    expect(commitment(npubId)).toBe(sha256Hex(utf8Encode(npubId)));
    expect(codeOf(() => nsecEncode(new Uint8Array(32)))).toBe('bad_key');
  });
  it('the key of each id, whatever was asked before (the last answer is kept in front of the cache)', () => {
    const ids = [1, 2, 3].flatMap((n) => [
      ed25519.keyId(ed25519.publicKey(new Uint8Array(32).fill(n))),
      bip340.keyId(bip340.publicKey(new Uint8Array(32).fill(n))),
    ]);
    const want = ids.map((id) => toHex(parseKeyIdShared(id).publicKey));
    for (const order of [ids, [...ids].reverse(), [ids[0]!, ids[0]!, ids[3]!, ids[0]!]]) {
      for (const id of order) {
        expect(parseKeyIdShared(id).id).toBe(id);
        expect(toHex(parseKeyIdShared(id).publicKey)).toBe(want[ids.indexOf(id)]);
        // A bad id right after a good one is still refused, and does not replace the answer.
        expect(codeOf(() => parseKeyIdShared(`${id}x`))).toBe('bad_key');
        expect(codeOf(() => parseKeyIdShared(''))).toBe('bad_key');
        expect(parseKeyIdShared(id).id).toBe(id);
      }
    }
  });
});

describe('identity ids (SPEC §2.4)', () => {
  const hex = 'ab'.repeat(32);
  it('accepts kez:id:<64 lowercase hex> only', () => {
    expect(isIdentityId(`kez:id:${hex}`)).toBe(true);
    expect(identityHex(`kez:id:${hex}`)).toBe(hex);
    expect(identityIdOf(hex)).toBe(`kez:id:${hex}`);
    expect(IDENTITY_ID_RE.exec(`kez:id:${hex}`)?.[1]).toBe(hex);
    for (const bad of [
      `kez:id:${hex.toUpperCase()}`,
      `KEZ:id:${hex}`,
      `kez:id:${hex}0`,
      `kez:id:${hex.slice(2)}`,
      `kez:id:${hex}\n`,
      ` kez:id:${hex}`,
      hex,
      '',
      42,
      null,
    ]) {
      expect(isIdentityId(bad)).toBe(false);
      expect(codeOf(() => identityHex(bad as string))).toBe('malformed');
    }
    expect(codeOf(() => identityIdOf('zz'.repeat(32)))).toBe('malformed');
  });
});

// SPEC §2.1, §2.3, §5.1, §8.2: the rules that make every input have one answer, checked here
// against the WHATWG URL parser itself and over whole families of inputs (the vectors pin
// single cases for both implementations).
import { bech32 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import {
  b64uEncode,
  bip340,
  decodeCompact,
  encodeJson,
  fromHex,
  normalizeDomain,
  parseKeyId,
  signerFromSecret,
  utf8Encode,
  createClaim,
} from '../src/index.js';
import { checkLocator } from '../src/locators.js';
import { codeOf } from './probes.js';

describe('npub text form (SPEC §2.1)', () => {
  it('accepts only the zero padding of the last data character', () => {
    const pub = bip340.publicKey(fromHex('b1'.repeat(32)));
    const words = bech32.toWords(pub);
    const codes = Array.from({ length: 16 }, (_, pad) => {
      const w = [...words];
      w[w.length - 1] = (w[w.length - 1]! & 0x10) | pad;
      return codeOf(() => parseKeyId(`nostr:${bech32.encode('npub', w, 1000)}`));
    });
    expect(codes[0]).toBe('ok');
    expect(codes.slice(1)).toEqual(Array(15).fill('bad_key'));
  });
});

describe('domain names against the WHATWG host parser (SPEC §2.3)', () => {
  // Every last label of up to three characters from the alphabet that matters to the
  // "ends in a number" rule: accepted exactly when the URL parser reads a name, not an IPv4.
  const alphabet = ['0', '1', '9', 'a', 'f', 'g', 'x', 'e'];
  const labels: string[] = [];
  const grow = (prefix: string, n: number): void => {
    if (prefix) labels.push(prefix);
    if (n > 0) for (const c of alphabet) grow(prefix + c, n - 1);
  };
  grow('', 3);

  it('refuses exactly what the URL parser reads as an IP address', () => {
    const disagreements = labels.filter((l) => {
      const name = `example.${l}`;
      let whatwgName: boolean;
      try {
        whatwgName = new URL(`http://${name}/`).hostname === name;
      } catch {
        whatwgName = false;
      }
      const ours = codeOf(() => normalizeDomain(name)) === 'ok';
      return ours !== whatwgName;
    });
    expect(labels.length).toBeGreaterThan(500);
    expect(disagreements).toEqual([]);
  });

  it('maps compatibility characters in input by UTS #46 only, then requires the canonical form', () => {
    expect(normalizeDomain('\u212aez.example')).toBe('kez.example');
    expect(normalizeDomain('b\u00fccher.example.')).toBe('xn--bcher-kva.example');
    expect(codeOf(() => normalizeDomain('b\u00fc.0x1'))).toBe('bad_subject');
    expect(codeOf(() => normalizeDomain('\u0001b\u00fc.example'))).toBe('bad_subject');
    expect(codeOf(() => normalizeDomain(' example.com'))).toBe('bad_subject');
  });
});

describe('locators (SPEC §5.1)', () => {
  const accepted = [
    'https://sig.example.com',
    'https://sig.example.com/',
    'ws://127.0.0.1:7777',
    'http://255.255.255.255:65535/a/b',
    "https://sig.example.com:8443/kez/v1;p?id=a%2Fb&x=~:@!$'()*+,=/?",
    'wss://relay.1e/',
  ];

  it('accepts only what the URL parser reads with the same host, port, path and query', () => {
    for (const u of accepted) {
      expect(
        codeOf(() => checkLocator(u)),
        u,
      ).toBe('ok');
      const url = new URL(u);
      const rest = u.slice(u.indexOf('//') + 2);
      const authority = rest.split(/[/?]/)[0]!;
      expect(url.host || '', u).toBe(authority.replace(/:(443|80)$/, ''));
      expect(`${url.pathname}${url.search}`.replace(/%27/g, "'"), u).toBe(
        rest.slice(authority.length) || '/',
      );
    }
  });

  it('refuses each way out of the grammar with malformed', () => {
    const refused = [
      'HTTPS://sig.example.com/',
      'https:sig.example.com',
      'https:/sig.example.com',
      'https://user@sig.example.com/',
      'https://:@sig.example.com/',
      'https://[::1]/',
      'https://sig.example.com:/',
      'https://sig.example.com:00/',
      'https://sig.example.com:99999/',
      'https://sig.example.com:1:2/',
      'https://s%69g.example.com/',
      'https://sig.example.com/a\u0000',
      'https://sig.example.com/\u00e9',
      'https://sig.example.com/a/%2E%2E',
      'https://sig.example.com/?q#',
      'https://sig.example.com/"',
      'https://sig.example.com/{}',
      'https://1.2.3.256/',
      'https://1.2.3/',
      'https://localhost/',
      'https://sig.example.0x/',
    ];
    for (const u of refused)
      expect(
        codeOf(() => checkLocator(u)),
        u,
      ).toBe('malformed');
  });
});

describe('zstd declared content size (SPEC §8.2)', () => {
  const signer = signerFromSecret('ed25519', fromHex('01'.repeat(32)));
  const claim = createClaim(
    { identity: `kez:id:${'ab'.repeat(32)}`, seq: 1, subject: 'github:x', created_at: 1 },
    signer,
  );
  const body = utf8Encode(encodeJson(claim));
  // One raw block under a 1 KiB window descriptor, declaring `size` as a 4-byte content size.
  const frame = (size: number, singleSegment: boolean): string => {
    const h = (body.length << 3) | 1;
    const fcs = [size & 255, (size >> 8) & 255, 0, 0];
    const header = singleSegment ? [0xa0, ...fcs] : [0x80, 0x00, ...fcs];
    return `kez:z1:${b64uEncode(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, ...header, h & 255, h >> 8, h >> 16, ...body]))}`;
  };

  it('decodes only when the declared size is the real one, in both frame layouts', () => {
    for (const single of [true, false]) {
      expect(decodeCompact(frame(body.length, single))).toEqual(claim);
      for (const d of [-100, -1, 1, 100])
        expect(
          codeOf(() => decodeCompact(frame(body.length + d, single))),
          `${single} ${d}`,
        ).toBe('bad_encoding');
    }
  });
});

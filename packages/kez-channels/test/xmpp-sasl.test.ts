// SCRAM against the exchanges the RFCs publish (RFC 5802 §5 for SHA-1, RFC 7677 §3 for
// SHA-256: user "user", password "pencil"), so the SHA-256 path is checked even though the
// Prosody in the tests stores SHA-1 keys only; and the refusals of a server that cheats.
import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '@kez/core';
import { saslExchange } from '../src/channels/xmpp-sasl.js';
import { kezError } from './helpers.js';

const vectors = [
  {
    mechanism: 'SCRAM-SHA-1',
    nonce: 'fyko+d2lbbFgONRv9qkxdawL',
    server: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
    client: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    final: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
  },
  {
    mechanism: 'SCRAM-SHA-256',
    nonce: 'rOprNGfwEbeRWgbNEkqO',
    server:
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    client:
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    final: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  },
] as const;

describe('SCRAM', () => {
  for (const v of vectors)
    it(`${v.mechanism}: the RFC's exchange, byte for byte, and the server signature checked`, () => {
      const x = saslExchange(v.mechanism, 'user', 'pencil', v.nonce);
      expect(utf8Decode(x.initial)).toBe(`n,,n=user,r=${v.nonce}`);
      expect(utf8Decode(x.challenge(utf8Encode(v.server)))).toBe(v.client);
      expect(() => x.success(utf8Encode(v.final))).not.toThrow();
    });

  it('refuses a server that does not know the password, extends no nonce or asks for too many rounds', async () => {
    const [sha1] = vectors;
    const x = saslExchange(sha1.mechanism, 'user', 'pencil', sha1.nonce);
    x.challenge(utf8Encode(sha1.server));
    expect(() => x.success(utf8Encode('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA='))).toThrow(
      /server signature/,
    );
    expect(() => x.success(utf8Encode(''))).toThrow(/server signature/);
    const fresh = () => saslExchange(sha1.mechanism, 'user', 'pencil', sha1.nonce);
    const refused = async (server: string) =>
      (await kezError(Promise.resolve().then(() => fresh().challenge(utf8Encode(server))))).code;
    expect(await refused('r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096')).toBe('malformed');
    expect(await refused(`r=${sha1.nonce},s=QSXCR+Q6sek8bf92,i=4096`)).toBe('malformed');
    expect(await refused(`r=${sha1.nonce}x,s=QSXCR+Q6sek8bf92,i=100000000`)).toBe('malformed');
    // Without the SCRAM exchange, a success is no proof the server knew the password.
    expect(() => fresh().success(utf8Encode(sha1.final))).toThrow(/server signature/);
  });
});

// The fast NATS crypto must be byte-compatible with @nats-io/nkeys and @nats-io/jwt (the
// integration tests add the Go nats-server as the third party).
import { describe, expect, it } from 'vitest';
import { createAccount, createCurve, createServer, createUser } from '@nats-io/nkeys';
import { decode, encodeAuthorizationResponse, encodeUser } from '@nats-io/jwt';
import { fastSigningKey, JwtVerifier, XKeyBox } from '../src/nkey-crypto.js';

const td = new TextDecoder();
const te = new TextEncoder();

describe('fastSigningKey', () => {
  it('signs the same bytes as nkeys, and @nats-io/jwt verifies its JWTs', async () => {
    const acct = createAccount();
    const fast = fastSigningKey(td.decode(acct.getSeed()));
    expect(fast.getPublicKey()).toBe(acct.getPublicKey());
    const msg = te.encode('hello nats');
    expect(Buffer.from(fast.sign(msg)).equals(Buffer.from(acct.sign(msg)))).toBe(true);
    const user = createUser().getPublicKey();
    const jwt = await encodeUser(
      'kez:id:x',
      user,
      fast,
      { pub: { allow: ['a'] } },
      { aud: 'APP', exp: 2_000_000_000 },
    );
    expect(decode(jwt).name).toBe('kez:id:x');
    const resp = await encodeAuthorizationResponse(
      user,
      createServer().getPublicKey(),
      fast,
      { jwt },
      {},
    );
    expect(decode(resp).iss).toBe(acct.getPublicKey());
  });

  it('refuses a seed of the wrong kind', () => {
    expect(() => fastSigningKey('SXnotakey')).toThrow();
  });
});

describe('JwtVerifier', () => {
  it('accepts what nkeys signed and rejects tampering or a wrong signer', async () => {
    const acct = createAccount();
    const jwt = await encodeUser('n', createUser().getPublicKey(), acct, {}, { aud: 'APP' });
    const v = new JwtVerifier();
    expect(v.decode(jwt).iss).toBe(acct.getPublicKey());
    const [h, b, s] = jwt.split('.') as [string, string, string];
    const body = JSON.parse(Buffer.from(b, 'base64url').toString()) as Record<string, unknown>;
    const forgedBody = Buffer.from(JSON.stringify({ ...body, name: 'root' })).toString('base64url');
    expect(() => v.decode(`${h}.${forgedBody}.${s}`)).toThrow(/signature/);
    const other = createAccount().getPublicKey();
    const swapped = Buffer.from(JSON.stringify({ ...body, iss: other })).toString('base64url');
    expect(() => v.decode(`${h}.${swapped}.${s}`)).toThrow(/signature/);
    expect(() => v.decode('a.b')).toThrow();
  });
});

describe('XKeyBox', () => {
  it('interoperates with nkeys seal/open both ways', () => {
    const ours = createCurve();
    const theirs = createCurve();
    const box = new XKeyBox(td.decode(ours.getSeed()));
    expect(box.publicKey).toBe(ours.getPublicKey());
    const msg = te.encode('authorization request');
    const fromThem = theirs.seal(msg, ours.getPublicKey());
    expect(td.decode(box.open(fromThem, theirs.getPublicKey())!)).toBe('authorization request');
    const toThem = box.seal(te.encode('response'), theirs.getPublicKey());
    expect(td.decode(theirs.open(toThem, ours.getPublicKey())!)).toBe('response');
    // Tampered or from someone else: null, never garbage.
    const bad = Uint8Array.from(fromThem);
    bad[bad.length - 1]! ^= 1;
    expect(box.open(bad, theirs.getPublicKey())).toBeNull();
    expect(
      box.open(createCurve().seal(msg, ours.getPublicKey()), theirs.getPublicKey()),
    ).toBeNull();
    expect(box.open(new Uint8Array(10), theirs.getPublicKey())).toBeNull();
  });
});

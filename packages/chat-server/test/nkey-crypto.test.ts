// The fast NATS crypto must be byte-compatible with @nats-io/nkeys and @nats-io/jwt (the
// integration tests add the Go nats-server as the third party).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAccount, createCurve, createServer, createUser } from '@nats-io/nkeys';
import { decode, encodeAuthorizationResponse, encodeUser } from '@nats-io/jwt';
import {
  encodeAuthorizationResponseJwt,
  encodeUserJwt,
  fastSigningKey,
  JwtVerifier,
  XKeyBox,
} from '../src/nkey-crypto.js';

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
    expect(() => fastSigningKey(td.decode(createUser().getSeed()).replace(/.$/, 'A'))).toThrow();
    expect(() => fastSigningKey('SXnotakey')).toThrow();
  });
});

describe('encodeUserJwt / encodeAuthorizationResponseJwt', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('make the very bytes @nats-io/jwt makes (claims, key order, jti, signature)', async () => {
    // Same second for both encoders: iat (and so jti and the signature) depend on it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-02T12:00:00.250Z'));
    const acct = createAccount();
    const fast = fastSigningKey(td.decode(acct.getSeed()));
    const user = createUser().getPublicKey();
    const server = createServer().getPublicKey();
    const perms = {
      pub: { allow: ['kezchat.room.x'] },
      sub: { allow: ['_INBOX.x.>'] },
      payload: 8192,
    };
    const theirs = await encodeUser('kez:id:x', user, acct, structuredClone(perms), {
      aud: 'APP',
      exp: 2_000_000_000,
    });
    const ours = encodeUserJwt('kez:id:x', user, fast, structuredClone(perms), {
      aud: 'APP',
      exp: 2_000_000_000,
    });
    expect(ours).toBe(theirs);
    expect(encodeAuthorizationResponseJwt(user, server, fast, { jwt: ours })).toBe(
      await encodeAuthorizationResponse(user, server, acct, { jwt: theirs }, {}),
    );
    expect(encodeAuthorizationResponseJwt(user, server, fast, { error: 'no' })).toBe(
      await encodeAuthorizationResponse(user, server, acct, { error: 'no' }, {}),
    );
    expect(decode(ours).nats).toMatchObject({ type: 'user', version: 2, payload: 8192 });
  });

  it('refuse keys of the wrong kind or with a bad checksum', () => {
    const fast = fastSigningKey(td.decode(createAccount().getSeed()));
    const user = createUser().getPublicKey();
    const server = createServer().getPublicKey();
    const opts = { aud: 'APP', exp: 2_000_000_000 };
    expect(() => encodeUserJwt('n', server, fast, {}, opts)).toThrow(/type/);
    const badCrc = `${user.slice(0, -1)}${user.endsWith('A') ? 'B' : 'A'}`;
    expect(() => encodeUserJwt('n', badCrc, fast, {}, opts)).toThrow();
    expect(() => encodeAuthorizationResponseJwt(user, user, fast, { error: 'x' })).toThrow(/type/);
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
    expect(() => v.decode(`${h}.${b}.${s.slice(0, 20)}`)).toThrow(/signature/);
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
    expect(box.open(fromThem.subarray(0, 4 + 24 + 15), theirs.getPublicKey())).toBeNull();
    // Sealed to someone else: the intended recipient opens it, a wrong key does not.
    const third = createCurve();
    const toThird = box.seal(msg, third.getPublicKey());
    expect(theirs.open(toThird, ours.getPublicKey())).toBeNull();
    expect(td.decode(third.open(toThird, ours.getPublicKey())!)).toBe('authorization request');
    // An empty message round-trips both ways (the box is the MAC alone).
    expect(
      box.open(theirs.seal(new Uint8Array(0), ours.getPublicKey()), theirs.getPublicKey()),
    ).toEqual(new Uint8Array(0));
    expect(
      theirs.open(box.seal(new Uint8Array(0), theirs.getPublicKey()), ours.getPublicKey()),
    ).toEqual(new Uint8Array(0));
    // Each seal has a fresh nonce.
    expect(Buffer.from(box.seal(msg, theirs.getPublicKey())).equals(Buffer.from(toThem))).toBe(
      false,
    );
  });
});

// NATS JWT and xkey cryptography on fast primitives. @nats-io/nkeys does Ed25519 and
// curve25519 in pure JS (tweetnacl), and @nats-io/jwt hashes each JWT's id with an async
// WebCrypto call (a thread-pool round trip costing more than the signature); on a callout's hot
// path that is two JWTs, one verification and two boxes per login. Here Ed25519 and
// XSalsa20-Poly1305 run in libsodium (sodium-native; Ed25519 is deterministic, so the
// signatures are the same bytes), JWTs are encoded synchronously with the same claims and jti
// as @nats-io/jwt, and the xkey shared key is computed once per peer key. nkeys still parses
// and validates every key text (prefix, CRC); tests check each part against nkeys and
// @nats-io/jwt themselves.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fromCurveSeed, fromPublic, fromSeed, type KeyPair } from '@nats-io/nkeys';
import type { ClaimsData, User } from '@nats-io/jwt';
import { base32nopad } from '@scure/base';
import nacl from 'tweetnacl';

const sodium = createRequire(import.meta.url)('sodium-native') as typeof import('sodium-native');

const te = new TextEncoder();
const XKEY_V1 = te.encode('xkv1');
const NONCE_LEN = 24;
const MAC_LEN = 16;
const SIG_LEN = 64;

/** The 32-byte secret inside a validated seed text (S + 2 prefix bytes, 32 bytes, CRC). */
const rawSeed = (seed: string): Uint8Array => base32nopad.decode(seed).slice(2, 34);
/** The 32-byte key inside a validated public key text (1 prefix byte, 32 bytes, CRC). */
const rawPublic = (pub: string): Uint8Array => base32nopad.decode(pub).slice(1, 33);

/** An account/user nkey from its seed whose sign() is libsodium Ed25519. */
export function fastSigningKey(seed: string): KeyPair {
  const kp = fromSeed(te.encode(seed)); // validates prefix and CRC
  const pk = new Uint8Array(32);
  const sk = new Uint8Array(64);
  sodium.crypto_sign_seed_keypair(pk, sk, rawSeed(seed));
  // nkeys derives these with a pure-JS scalar multiplication on every call, and JWT encoding
  // asks for them several times per JWT: derive once.
  const publicKey = kp.getPublicKey();
  const privateKey = kp.getPrivateKey();
  if (!Buffer.from(pk).equals(Buffer.from(rawPublic(publicKey))))
    throw new Error('nkey seed does not match its public key');
  return {
    getPublicKey: () => publicKey,
    getPrivateKey: () => privateKey.slice(),
    getSeed: () => kp.getSeed(),
    sign: (input) => {
      const sig = new Uint8Array(SIG_LEN);
      sodium.crypto_sign_detached(sig, input, sk);
      return sig;
    },
    verify: (input, sig) =>
      sig.length === SIG_LEN && sodium.crypto_sign_verify_detached(sig, input, pk),
    clear: () => {
      sk.fill(0);
      kp.clear();
    },
    seal: (input, recipient, nonce) => kp.seal(input, recipient, nonce),
    open: (message, sender) => kp.open(message, sender),
  };
}

const JWT_HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' })).toString(
  'base64url',
);

/** A public key text of the given kind (validated: prefix, CRC), or a throw. */
function publicOf(key: string, kind: 'U' | 'N'): string {
  fromPublic(key);
  if (key[0] !== kind) throw new Error(`unexpected type ${key[0]} - wanted ${kind}`);
  return key;
}

/** @nats-io/jwt's encode(): the claims with iss, iat and nats.version, then jti (standard
 *  base64 of SHA-512 over the claims so far), signed over header.body. Key order as theirs. */
function signJwt(
  claims: Record<string, unknown>,
  nats: Record<string, unknown>,
  kp: KeyPair,
): string {
  claims.iss = kp.getPublicKey();
  claims.iat = Math.floor(Date.now() / 1000);
  nats.version = 2;
  claims.jti = createHash('sha512').update(JSON.stringify(claims)).digest('base64');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const payload = `${JWT_HEADER}.${body}`;
  return `${payload}.${Buffer.from(kp.sign(Buffer.from(payload))).toString('base64url')}`;
}

/** The user JWT @nats-io/jwt's encodeUser(name, user, issuer, perms, { aud, exp }) makes
 *  (no `signer`: config mode). */
export function encodeUserJwt(
  name: string,
  userNkey: string,
  issuer: KeyPair,
  user: Partial<User>,
  opts: { aud: string; exp: number },
): string {
  const nats = { data: -1, payload: -1, subs: -1, ...user, type: 'user' };
  return signJwt(
    { exp: opts.exp, aud: opts.aud, name, sub: publicOf(userNkey, 'U'), nats },
    nats,
    issuer,
  );
}

/** The response JWT @nats-io/jwt's encodeAuthorizationResponse(user, server, issuer, data)
 *  makes. */
export function encodeAuthorizationResponseJwt(
  userNkey: string,
  serverId: string,
  issuer: KeyPair,
  data: { jwt: string } | { error: string },
): string {
  const nats = { ...data, type: 'authorization_response' };
  return signJwt(
    { aud: publicOf(serverId, 'N'), sub: publicOf(userNkey, 'U'), nats },
    nats,
    issuer,
  );
}

/** Verifies a v2 NATS JWT (alg ed25519-nkey, signed by its `iss`) and returns its claims. */
export class JwtVerifier {
  private readonly keys = new Map<string, Uint8Array>();
  constructor(private readonly maxKeys = 256) {}

  decode<T>(jwt: string): ClaimsData<T> {
    const parts = jwt.split('.');
    if (parts.length !== 3) throw new Error('not a JWT');
    const [h, b, s] = parts as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as {
      typ?: string;
      alg?: string;
    };
    if ((header.typ !== 'JWT' && header.typ !== 'jwt') || header.alg !== 'ed25519-nkey')
      throw new Error('not a v2 NATS JWT');
    const claims = JSON.parse(Buffer.from(b, 'base64url').toString('utf8')) as ClaimsData<T>;
    if (typeof claims.iss !== 'string') throw new Error('JWT has no issuer');
    const sig = Buffer.from(s, 'base64url');
    if (
      sig.length !== SIG_LEN ||
      !sodium.crypto_sign_verify_detached(sig, Buffer.from(`${h}.${b}`), this.key(claims.iss))
    ) {
      throw new Error('JWT signature verification failed');
    }
    return claims;
  }

  private key(iss: string): Uint8Array {
    let k = this.keys.get(iss);
    if (!k) {
      fromPublic(iss); // validates prefix and CRC
      k = rawPublic(iss);
      if (this.keys.size >= this.maxKeys) this.keys.clear();
      this.keys.set(iss, k);
    }
    return k;
  }
}

/** nkeys-compatible xkey sealing ("xkv1" || nonce || box) with cached shared secrets: a NaCl
 *  box is a secretbox under the key box.before() derives, so only that step (once per peer)
 *  stays in tweetnacl. */
export class XKeyBox {
  readonly publicKey: string;
  private readonly kp: KeyPair & { decodePubCurveKey(src: string): Uint8Array };
  private readonly secret: Uint8Array;
  private readonly shared = new Map<string, Uint8Array>();

  constructor(
    seed: string,
    private readonly maxPeers = 256,
  ) {
    this.kp = fromCurveSeed(te.encode(seed)) as KeyPair & {
      decodePubCurveKey(src: string): Uint8Array;
    };
    this.publicKey = this.kp.getPublicKey();
    this.secret = rawSeed(seed);
  }

  open(message: Uint8Array, sender: string): Uint8Array | null {
    const start = XKEY_V1.length + NONCE_LEN;
    if (message.length < start + MAC_LEN) return null;
    for (let i = 0; i < XKEY_V1.length; i++) if (message[i] !== XKEY_V1[i]) return null;
    const out = new Uint8Array(message.length - start - MAC_LEN);
    const ok = sodium.crypto_secretbox_open_easy(
      out,
      message.subarray(start),
      message.subarray(XKEY_V1.length, start),
      this.sharedWith(sender),
    );
    return ok ? out : null;
  }

  seal(message: Uint8Array, recipient: string): Uint8Array {
    const start = XKEY_V1.length + NONCE_LEN;
    const out = new Uint8Array(start + message.length + MAC_LEN);
    out.set(XKEY_V1, 0);
    const nonce = out.subarray(XKEY_V1.length, start);
    nonce.set(randomBytes(NONCE_LEN));
    sodium.crypto_secretbox_easy(out.subarray(start), message, nonce, this.sharedWith(recipient));
    return out;
  }

  private sharedWith(peer: string): Uint8Array {
    let k = this.shared.get(peer);
    if (!k) {
      k = nacl.box.before(this.kp.decodePubCurveKey(peer), this.secret); // validates the key text
      if (this.shared.size >= this.maxPeers) this.shared.clear();
      this.shared.set(peer, k);
    }
    return k;
  }
}

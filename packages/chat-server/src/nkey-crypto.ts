// NATS JWT and xkey cryptography on fast primitives. @nats-io/nkeys does Ed25519 and
// curve25519 in pure JS (tweetnacl); on a callout's hot path that costs three signatures, one
// verification and two curve25519 multiplications per login. Here Ed25519 runs in OpenSSL
// (node:crypto; Ed25519 is deterministic, so the signatures are the same bytes) and the xkey
// shared secret is computed once per peer key. nkeys still parses and validates every key
// text (prefix, CRC); tests check both directions against nkeys itself.
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { fromCurveSeed, fromPublic, fromSeed, type KeyPair } from '@nats-io/nkeys';
import type { ClaimsData } from '@nats-io/jwt';
import { base32nopad } from '@scure/base';
import nacl from 'tweetnacl';
import { ED25519_SPKI_PREFIX_HEX } from '@kez/core';

const te = new TextEncoder();
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from(ED25519_SPKI_PREFIX_HEX, 'hex');
const XKEY_V1 = te.encode('xkv1');
const NONCE_LEN = 24;

/** The 32-byte secret inside a validated seed text (S + 2 prefix bytes, 32 bytes, CRC). */
const rawSeed = (seed: string): Uint8Array => base32nopad.decode(seed).slice(2, 34);
/** The 32-byte key inside a validated public key text (1 prefix byte, 32 bytes, CRC). */
const rawPublic = (pub: string): Uint8Array => base32nopad.decode(pub).slice(1, 33);

/** An account/user nkey from its seed whose sign() is OpenSSL Ed25519. */
export function fastSigningKey(seed: string): KeyPair {
  const kp = fromSeed(te.encode(seed)); // validates prefix and CRC
  const priv = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, rawSeed(seed)]),
    format: 'der',
    type: 'pkcs8',
  });
  const pub = createPublicKey(priv);
  const derived = (pub.export({ format: 'der', type: 'spki' }) as Buffer).subarray(
    SPKI_ED25519.length,
  );
  // nkeys derives these with a pure-JS scalar multiplication on every call, and @nats-io/jwt
  // asks for them several times per JWT: derive once.
  const publicKey = kp.getPublicKey();
  const privateKey = kp.getPrivateKey();
  if (!derived.equals(Buffer.from(rawPublic(publicKey))))
    throw new Error('nkey seed does not match its public key');
  return {
    getPublicKey: () => publicKey,
    getPrivateKey: () => privateKey.slice(),
    getSeed: () => kp.getSeed(),
    sign: (input) => new Uint8Array(sign(null, input, priv)),
    verify: (input, sig) => verify(null, input, pub, sig),
    clear: () => kp.clear(),
    seal: (input, recipient, nonce) => kp.seal(input, recipient, nonce),
    open: (message, sender) => kp.open(message, sender),
  };
}

/** Verifies a v2 NATS JWT (alg ed25519-nkey, signed by its `iss`) and returns its claims. */
export class JwtVerifier {
  private readonly keys = new Map<string, KeyObject>();
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
    if (
      !verify(null, Buffer.from(`${h}.${b}`), this.key(claims.iss), Buffer.from(s, 'base64url'))
    ) {
      throw new Error('JWT signature verification failed');
    }
    return claims;
  }

  private key(iss: string): KeyObject {
    let k = this.keys.get(iss);
    if (!k) {
      fromPublic(iss); // validates prefix and CRC
      k = createPublicKey({
        key: Buffer.concat([SPKI_ED25519, rawPublic(iss)]),
        format: 'der',
        type: 'spki',
      });
      if (this.keys.size >= this.maxKeys) this.keys.clear();
      this.keys.set(iss, k);
    }
    return k;
  }
}

/** nkeys-compatible xkey sealing ("xkv1" || nonce || box) with cached shared secrets. */
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
    if (message.length < XKEY_V1.length + NONCE_LEN) return null;
    for (let i = 0; i < XKEY_V1.length; i++) if (message[i] !== XKEY_V1[i]) return null;
    const nonce = message.subarray(XKEY_V1.length, XKEY_V1.length + NONCE_LEN);
    return nacl.box.open.after(
      message.subarray(XKEY_V1.length + NONCE_LEN),
      nonce,
      this.sharedWith(sender),
    );
  }

  seal(message: Uint8Array, recipient: string): Uint8Array {
    const nonce = new Uint8Array(randomBytes(NONCE_LEN));
    const box = nacl.box.after(message, nonce, this.sharedWith(recipient));
    const out = new Uint8Array(XKEY_V1.length + NONCE_LEN + box.length);
    out.set(XKEY_V1, 0);
    out.set(nonce, XKEY_V1.length);
    out.set(box, XKEY_V1.length + NONCE_LEN);
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

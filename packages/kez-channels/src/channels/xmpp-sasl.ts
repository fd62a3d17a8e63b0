// SASL for an XMPP login (RFC 6120 §6): SCRAM-SHA-256 or SCRAM-SHA-1 (RFC 5802, RFC 7677),
// the server's signature checked, else PLAIN (RFC 4616) — only ever sent inside TLS, which
// the client always sets up first. Hashes from @noble/hashes.
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KezError, utf8Decode, utf8Encode } from '@kez/core';

/** In the order preferred. */
export const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

/** Servers use 4096–10000 rounds; a far larger count would only make a login slow. */
const MAX_ITERATIONS = 100_000;

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text: string, what: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    throw new KezError('malformed', `${what} is not base64`);
  }
}

/** One SASL exchange: the initial response, then an answer to each challenge, then the check of `<success/>`'s data. */
export interface SaslExchange {
  initial: Uint8Array;
  challenge(data: Uint8Array): Uint8Array;
  success(data: Uint8Array): void;
}

const saslName = (s: string) => s.replace(/=/g, '=3D').replace(/,/g, '=2C');

function scram(
  hash: typeof sha1 | typeof sha256,
  user: string,
  password: string,
  nonce: string,
): SaslExchange {
  const firstBare = `n=${saslName(user)},r=${nonce}`;
  let serverSignature: Uint8Array | undefined;
  const mac = (key: Uint8Array, text: string) => hmac(hash, key, utf8Encode(text));
  return {
    initial: utf8Encode(`n,,${firstBare}`),
    challenge(data) {
      if (serverSignature) throw new KezError('malformed', 'SCRAM: an unexpected second challenge');
      const serverFirst = utf8Decode(data);
      const fields = new Map(serverFirst.split(',').map((f) => [f.slice(0, 1), f.slice(2)]));
      const r = fields.get('r') ?? '';
      const salt = fromBase64(fields.get('s') ?? '', 'SCRAM salt');
      const i = Number(fields.get('i'));
      if (!r.startsWith(nonce) || r.length === nonce.length || fields.has('m'))
        throw new KezError('malformed', 'SCRAM: the server nonce does not extend ours');
      if (!Number.isInteger(i) || i < 1 || i > MAX_ITERATIONS || salt.length === 0)
        throw new KezError(
          'malformed',
          `SCRAM: iteration count or salt refused (i=${fields.get('i')})`,
        );
      const salted = pbkdf2(hash, utf8Encode(password.normalize('NFKC')), salt, {
        c: i,
        dkLen: hash.outputLen,
      });
      const clientKey = mac(salted, 'Client Key');
      const withoutProof = `c=biws,r=${r}`;
      const authMessage = `${firstBare},${serverFirst},${withoutProof}`;
      const signature = mac(hash(clientKey), authMessage);
      const proof = clientKey.map((b, k) => b ^ (signature[k] ?? 0));
      serverSignature = mac(mac(salted, 'Server Key'), authMessage);
      return utf8Encode(`${withoutProof},p=${toBase64(proof)}`);
    },
    success(data) {
      const v = /(?:^|,)v=([^,]*)/.exec(utf8Decode(data))?.[1];
      // The server proves it knows the password too; a server that does not is an impostor.
      if (!serverSignature || v === undefined || v !== toBase64(serverSignature))
        throw new KezError('bad_signature', 'SCRAM: the server signature is wrong or missing');
    },
  };
}

/** `nonce` is the client nonce (random unless a test replays a published exchange). */
export function saslExchange(
  mechanism: Mechanism,
  user: string,
  password: string,
  nonce = toBase64(crypto.getRandomValues(new Uint8Array(18))),
): SaslExchange {
  if (mechanism === 'PLAIN')
    return {
      initial: utf8Encode(`\0${user}\0${password}`),
      challenge() {
        throw new KezError('malformed', 'PLAIN: the server sent a challenge');
      },
      success() {},
    };
  return scram(mechanism === 'SCRAM-SHA-256' ? sha256 : sha1, user, password, nonce);
}

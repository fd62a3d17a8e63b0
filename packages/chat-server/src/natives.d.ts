// The parts of sodium-native (CommonJS without bundled types) that chat-server calls.
declare module 'sodium-native' {
  /** Ed25519 key pair from a 32-byte seed: `publicKey` 32 bytes, `secretKey` 64 (seed ‖ pk). */
  export function crypto_sign_seed_keypair(
    publicKey: Uint8Array,
    secretKey: Uint8Array,
    seed: Uint8Array,
  ): void;
  /** Writes the 64-byte Ed25519 signature of `msg` into `sig`. */
  export function crypto_sign_detached(
    sig: Uint8Array,
    msg: Uint8Array,
    secretKey: Uint8Array,
  ): void;
  export function crypto_sign_verify_detached(
    sig: Uint8Array,
    msg: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
  /** XSalsa20-Poly1305: `out` is 16 bytes (MAC) longer than `msg`. */
  export function crypto_secretbox_easy(
    out: Uint8Array,
    msg: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): void;
  /** false when the MAC does not verify; `out` is 16 bytes shorter than `box`. */
  export function crypto_secretbox_open_easy(
    out: Uint8Array,
    box: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): boolean;
}

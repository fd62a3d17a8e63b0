// The parts of the two native modules (CommonJS without bundled types) that accel calls.
declare module 'sodium-native' {
  /** libsodium crypto_sign_verify_detached: true when `sig` is `publicKey`'s over `msg`. */
  export function crypto_sign_verify_detached(
    sig: Uint8Array,
    msg: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
}
// bcrypto's libsecp256k1 module itself, not its dispatcher (which falls back to JS code).
declare module 'bcrypto/lib/native/schnorr-libsecp256k1.js' {
  /** secp256k1_schnorrsig_verify over a 32-byte message; asserts Buffer arguments. */
  export function verify(msg32: Buffer, sig: Buffer, publicKey: Buffer): boolean;
}

// Base64url decoding by Node's native decoder. It is lenient (padding, whitespace, stray
// characters, non-zero unused bits), so a result counts only when it encodes back to the same
// text: that holds exactly for canonical base64url (SPEC §1), and anything else goes to core's
// strict decoder, which says what is wrong.
export function b64uDecodeNode(text: string): Uint8Array | undefined {
  const b = Buffer.from(text, 'base64url');
  if (b.toString('base64url') !== text) return undefined;
  // A plain Uint8Array view, like core's decoder returns (not a Buffer).
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

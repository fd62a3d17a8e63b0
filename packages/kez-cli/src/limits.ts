// Read limits for user-supplied files: generous beyond SPEC §11 (the decoders enforce the exact
// limits and say too_large), small enough that a huge file cannot exhaust memory.
export const CLAIM_INPUT_LIMIT = 1024 * 1024;
export const BUNDLE_LIMIT = 64 * 1024 * 1024;

// SPEC §11 limits.
export const MAX_JSON_BYTES = 65_536;
export const MAX_COMPACT_BYTES = 16_384;
export const MAX_DECOMPRESSED_BYTES = 65_536;
export const MAX_ZSTD_WINDOW = 8 * 1024 * 1024;
export const MAX_MARKDOWN_BYTES = 65_536;
export const MAX_BUNDLE_LINE_BYTES = 65_536;
export const MAX_DEPTH = 8;
export const MAX_LOCATORS = 8;
export const MAX_LOCATOR_BYTES = 256;
export const FUTURE_SKEW = 600;
export const LOGIN_FUTURE_SKEW = 60;
export const LOGIN_MAX_LIFETIME = 300;

// Implementation limits (not in SPEC §11), shared by every package that reads chains.
/** A whole chain read from a sig-server or relays, all pages together. */
export const MAX_CHAIN_BYTES = 16 << 20;

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
export const DEVICE_REQUEST_LIFETIME = 604_800;
/** Events at one seq of a bundle or a merged tree (fork evidence, superseded branches). */
export const MAX_EVENTS_PER_SEQ = 4;
/** Events in a chain that share their seq with another. */
export const MAX_FORKED_EVENTS = 64;

// Implementation limits (not in SPEC §11), shared by every package that reads chains.
/** A whole chain read from a sig-server or relays, all pages together. */
export const MAX_CHAIN_BYTES = 16 << 20;

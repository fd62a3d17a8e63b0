// The bounds on what one `verify id` may read, fetch and hold, in one place (SPEC §11, §13).
// Each is small enough that a hostile answer costs at most tens of MiB and a bounded time.

/** A whole chain on the wire from one source, all pages together: core's limit. */
export { MAX_CHAIN_BYTES } from '@kez/core';
/** Pages of one sig-server chain read. */
export const MAX_SIGSERVER_PAGES = 64;
/** Pages of one relay chain read (each page may re-serve its oldest second, see nostr-chain-read). */
export const MAX_RELAY_PAGES = 64;
/** Events asked for per relay REQ (relays may cap it lower; paging copes). */
export const RELAY_PAGE_EVENTS = 1_000;
/** Bytes of relay messages read for one identity from one relay, junk included. */
export const MAX_RELAY_READ_BYTES = 64 << 20;
/** Bytes of one relay answer held at once (a larger page is asked for again, smaller). */
export const MAX_RELAY_PAGE_BYTES = 4 << 20;
/**
 * Chain sources asked per identity: configured homes, then the locators of the root proofs,
 * then those of every in-chain claim. 8 locators per claim (SPEC §11) plus a handful of homes
 * and of other claims' distinct locators; each costs at most a page limit and the deadline.
 */
export const MAX_CHAIN_SOURCES = 16;
/** Proofs evaluated per account place (the rest ignored; only the account itself wrote them). */
export const MAX_PROOFS_PER_PLACE = 16;
/** Fetches (HTTP requests, relay sessions) in flight at once per channel env. */
export const MAX_CONCURRENT_FETCHES = 8;
/** Default deadline for a whole `verify id`. */
export const DEFAULT_VERIFY_DEADLINE_MS = 60_000;

/**
 * The sig-server's own bounds, in one table (the SPEC §11 object limits live in @kez/core).
 * Each bounds what one client, one chain or one fault can cost; the README's "Limits" section
 * documents them and the tests pin them.
 */
export const LIMITS = {
  /** Rounds of "read head → validate → conditional write" before 503 under contention. */
  appendRounds: 8,
  /** Fork evidence kept per (chain, seq); further valid rivals are counted, not stored. */
  // With the main event, 4 at one seq: the most a bundle may hold (SPEC §6.5, §11).
  forksPerPosition: 3,
  /** Fork evidence kept per chain, whatever the positions. */
  // 32 rivals and the main events beside them: at most 64 events share a seq (SPEC §6.5, §11).
  forksPerChain: 32,
  /** Fork evidence events per `/forks` page (64 KiB each at most: ≤ 1 MiB a page). */
  forksPage: 16,
  /** Chains whose head state is cached (one ChainState each, plus the one before it)… */
  headStates: 1000,
  /** …and the claims those states may hold in all (~2 KiB of heap a claim: ~100 MiB); the
   *  default of `--cache-claims`. */
  headStateClaims: 50_000,
  /** Chains whose full history (checkpoints + key authority) is cached for fork judging… */
  histories: 64,
  /** …and the claim entries their checkpoints may hold in all, per claim of the head-state
   *  budget (`--cache-claims`): an entry is ~70 B against ~2 KiB a head claim, so one knob bounds
   *  both caches (the default: 50 000 × 20 = 1 000 000 entries, ~70 MiB). */
  historyClaimsPerHeadClaim: 20,
  /** Whole-chain read bodies kept, keyed by the head they end at (a read of a known head is
   *  then one head lookup), and the bytes they may hold in all. */
  bundleBodies: 4096,
  bundleBodyBytes: 32 * 1024 * 1024,
  /** A checkpoint state every this many events: a fork candidate folds at most this many. */
  checkpointEvery: 64,
  /** Events a replay applies between yields to the event loop. */
  replayYieldEvery: 64,
  /** SQLite: how long a write waits (asynchronously, retrying) for another process's lock. */
  sqliteLockWaitMs: 5000,
  /** PostgreSQL: waiting for a pooled client, and for a row lock, before answering 503. */
  pgAcquireMs: 2000,
  pgLockMs: 5000,
  /** PostgreSQL clients per process. */
  pgPoolSize: 10,
  /** After a disk-full write, /readyz reports not ready for this long (or until a write works). */
  diskFullHoldMs: 5000,
  /** SIGTERM: in-flight requests get this long, then connections are cut and replays stop. */
  shutdownGraceMs: 8000,
} as const;

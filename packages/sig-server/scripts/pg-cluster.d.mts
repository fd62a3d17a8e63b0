// Types for pg-cluster.mjs.
export interface PgCluster {
  url: string;
  /** Stops the cluster and removes its files. */
  stop(): void;
  /** Fault injection: `pg_ctl stop -m MODE` or SIGKILL of the postmaster, files kept. */
  halt(how: 'fast' | 'immediate' | 'kill'): void;
  /** Starts a halted cluster again on the same port. */
  resume(): void;
}
/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>;
export function startPgCluster(): Promise<PgCluster>;

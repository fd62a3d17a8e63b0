/**
 * Faults of the database, not of the request: each backend turns its driver's errors into a
 * StoreUnavailableError (a retryable 503 with Retry-After), keeping the driver error as `cause`.
 */
export type StoreFault = 'unreachable' | 'disk_full' | 'busy' | 'pool_exhausted' | 'shutting_down';

const MESSAGES: Record<StoreFault, string> = {
  unreachable: 'the database is not reachable; retry later',
  disk_full: "the server's disk is full; retry later",
  busy: 'the database is locked by another writer; retry later',
  pool_exhausted: 'every database connection is busy; retry later',
  shutting_down: 'the server is shutting down; retry',
};

/** Seconds a client should wait: a full disk is not freed in a second. */
const RETRY_AFTER_S: Record<StoreFault, number> = {
  unreachable: 1,
  disk_full: 5,
  busy: 1,
  pool_exhausted: 1,
  shutting_down: 1,
};

export class StoreUnavailableError extends Error {
  readonly retryAfterS: number;
  constructor(
    readonly fault: StoreFault,
    options?: { cause?: unknown },
  ) {
    super(MESSAGES[fault], options);
    this.name = 'StoreUnavailableError';
    this.retryAfterS = RETRY_AFTER_S[fault];
  }
}

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Socket-level failures both drivers' callers can see. */
const NETWORK = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/;

/**
 * PostgreSQL: classes 08 (connection), 53 (resources), 57P (shutdown), 3D000 (database gone),
 * 55P03 (lock_timeout), and pg-pool's acquire timeout (an Error with no code).
 */
export function pgFault(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const code = codeOf(err);
  if (code === '55P03') return new StoreUnavailableError('busy', { cause: err });
  if (code === '53100') return new StoreUnavailableError('disk_full', { cause: err });
  if (code && (NETWORK.test(code) || /^(08|53|57P)/.test(code) || code === '3D000'))
    return new StoreUnavailableError('unreachable', { cause: err });
  if (!code && err instanceof Error && /timeout exceeded when trying to connect/.test(err.message))
    return new StoreUnavailableError('pool_exhausted', { cause: err });
  if (!code && err instanceof Error && /Connection terminated|not queryable/i.test(err.message))
    return new StoreUnavailableError('unreachable', { cause: err });
  return err;
}

/** SQLite: SQLITE_FULL (and the disk-full I/O errors), SQLITE_BUSY / SQLITE_LOCKED. */
export function sqliteFault(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const code = codeOf(err) ?? '';
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'ENOSPC')
    return new StoreUnavailableError('disk_full', { cause: err });
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return new StoreUnavailableError('busy', { cause: err });
  return err;
}

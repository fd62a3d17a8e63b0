import { KezError } from '@kez/core';

/**
 * Every error answer is `{"error":{"code","message", ...evidence}}`. Codes are SPEC §9 codes
 * where one applies; the server adds `bad_request`, `not_found`, `method`, `internal` and
 * `unavailable` for HTTP-level conditions that are not about a KEZ object.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Decode/structure problems are the request's shape (400); the rest are semantic (422). */
const BAD_REQUEST_CODES = new Set([
  'malformed',
  'non_canonical',
  'trailing_data',
  'bad_encoding',
  'unsupported_version',
]);

export function httpStatusForKezCode(code: string): number {
  if (code === 'too_large') return 413;
  if (BAD_REQUEST_CODES.has(code)) return 400;
  return 422;
}

/**
 * The database is down or busy, not the request wrong: socket errors, PostgreSQL classes 08
 * (connection), 53 (resources), 57P (shutdown) and 3D000 (database gone), SQLite BUSY/LOCKED.
 * Clients treat 503 as retryable (SPEC §9 `unreachable`).
 */
function isStoreUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|SQLITE_BUSY|SQLITE_LOCKED)/.test(
      code,
    ) ||
    /^(08|53|57P)/.test(code) ||
    code === '3D000'
  );
}

/** Maps a KezError thrown by @kez/core to the HTTP answer; anything else is a server bug. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof KezError) {
    return new ApiError(httpStatusForKezCode(err.code), err.code, err.message);
  }
  if (isStoreUnavailable(err))
    return new ApiError(503, 'unavailable', 'the database is not reachable; retry later');
  return new ApiError(500, 'internal', 'internal error');
}

export function errorBody(e: ApiError): { error: Record<string, unknown> } {
  return { error: { code: e.code, message: e.message, ...e.extra } };
}

import { KezError } from '@kez/core';
import { StoreUnavailableError } from './storage/faults.js';

/**
 * Every error answer is `{"error":{"code","message", ...evidence}}`. Codes are SPEC §9 codes
 * where one applies; the server adds `bad_request`, `not_found`, `method`, `internal` and
 * `unavailable` for HTTP-level conditions that are not about a KEZ object.
 */
export class ApiError extends Error {
  /** Sent as Retry-After with a 503. */
  readonly retryAfterS: number;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    options?: { cause?: unknown; retryAfterS?: number },
  ) {
    super(message, options);
    this.retryAfterS = options?.retryAfterS ?? 1;
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

/** Maps a KezError thrown by @kez/core to the HTTP answer; anything else is a server bug. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof KezError) {
    return new ApiError(httpStatusForKezCode(err.code), err.code, err.message, {}, { cause: err });
  }
  if (err instanceof StoreUnavailableError) {
    return new ApiError(
      503,
      'unavailable',
      err.message,
      {},
      {
        cause: err,
        retryAfterS: err.retryAfterS,
      },
    );
  }
  return new ApiError(500, 'internal', 'internal error');
}

export function errorBody(e: ApiError): { error: Record<string, unknown> } {
  return { error: { code: e.code, message: e.message, ...e.extra } };
}

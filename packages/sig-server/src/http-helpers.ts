import { isIdentityId } from '@kez/core';
import { ApiError } from './errors.js';
import type { ForkCursor } from './storage/types.js';

const SINCE_RE = /^(0|[1-9][0-9]{0,15})$/;

export function checkIdentity(value: unknown): string {
  if (!isIdentityId(value)) {
    throw new ApiError(
      400,
      'bad_request',
      'identity must be kez:id: followed by 64 lowercase hex digits',
    );
  }
  return value;
}

export function parseSince(value: unknown): number {
  if (value === undefined) return 0;
  if (
    typeof value !== 'string' ||
    !SINCE_RE.test(value) ||
    Number(value) > Number.MAX_SAFE_INTEGER
  ) {
    throw new ApiError(400, 'bad_request', 'since must be one decimal integer in [0, 2^53 - 1]');
  }
  return Number(value);
}

const FORK_CURSOR_RE = /^(0|[1-9][0-9]{0,15}):([0-9a-f]{64})$/;

/** `/forks?cursor=<seq>:<hash>`: the page continues after that fork event. */
export function parseForkCursor(value: unknown): ForkCursor | null {
  if (value === undefined) return null;
  const m = typeof value === 'string' ? FORK_CURSOR_RE.exec(value) : null;
  if (!m || Number(m[1]) > Number.MAX_SAFE_INTEGER)
    throw new ApiError(400, 'bad_request', 'cursor must be <seq>:<64 hex>, from Kez-Next-Cursor');
  return { seq: Number(m[1]), hash: m[2]! };
}

export const forkCursorOf = (ev: ForkCursor): string => `${ev.seq}:${ev.hash}`;

export const etagOf = (hash: string): string => `"${hash}"`;

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ is ignored, * matches. */
export function etagMatches(header: string | undefined, hash: string): boolean {
  if (!header) return false;
  const want = etagOf(hash);
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === want;
  });
}

/** Only application/json, and if a charset is named it must be UTF-8 (SPEC §1: UTF-8 text). */
export function checkJsonContentType(header: string | undefined): void {
  const [type, ...params] = (header ?? '').split(';').map((s) => s.trim().toLowerCase());
  const paramsOk = params.every(
    (p) => p === '' || p === 'charset=utf-8' || p === 'charset="utf-8"',
  );
  if (type !== 'application/json' || !paramsOk) {
    throw new ApiError(415, 'content_type', 'the body must be application/json (UTF-8)');
  }
}

export const toBundle = (events: { jcs: string }[]): string =>
  events.map((e) => `${e.jcs}\n`).join('');

/** Rows read with a limit of `max + 1`: the page itself, its last row, and whether more follow. */
export function page<T>(rows: T[], max: number): { rows: T[]; last: T | undefined; more: boolean } {
  const more = rows.length > max;
  const kept = more ? rows.slice(0, max) : rows;
  return { rows: kept, last: kept[kept.length - 1], more };
}

// Human formatting shared by commands: aligned fields, times, status words.
import type { Status } from '@kez/core';
import type { Output, Tone } from './output.js';

const STATUS_TONE: Record<Status, Tone> = {
  valid: 'good',
  invalid: 'bad',
  fork: 'bad',
  revoked: 'warn',
  expired: 'warn',
  not_found: 'warn',
  unreachable: 'warn',
};

const STATUS_MARK: Record<Status, string> = {
  valid: '✔',
  invalid: '✘',
  fork: '✘',
  revoked: '!',
  expired: '!',
  not_found: '?',
  unreachable: '?',
};

/** `✔ VALID` or `✘ INVALID (bad_signature)`, plain. */
export function statusLabel(status: Status, code?: string): string {
  return `${STATUS_MARK[status]} ${status.toUpperCase()}${code ? ` (${code})` : ''}`;
}

/** `✔ VALID` or `✘ INVALID (bad_signature)`, coloured when allowed; padded to `width` columns. */
export function statusWord(out: Output, status: Status, code?: string, width = 0): string {
  const word = statusLabel(status, code);
  return `${out.paint('bold', out.paint(STATUS_TONE[status], word))}${' '.repeat(Math.max(0, width - word.length))}`;
}

/** Short status for tables: the word alone, coloured. */
export function statusCell(out: Output, status: string, width: number): string {
  const tone = STATUS_TONE[status as Status] ?? 'dim';
  return out.paint(tone, status.padEnd(width));
}

/** Lines of `label  value`, labels padded to one column. */
export function fields(rows: ReadonlyArray<readonly [string, string]>, indent = ''): string {
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, v]) => `${indent}${l.padEnd(width)}  ${v}`).join('\n');
}

export function time(ts: number): string {
  const d = new Date(ts * 1000);
  const iso = Number.isNaN(d.getTime()) ? '?' : d.toISOString().replace('.000Z', 'Z');
  return `${iso} (${ts})`;
}

export function shortHash(hash: string): string {
  return `${hash.slice(0, 16)}…`;
}

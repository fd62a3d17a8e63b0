// The result shape of every verification (SPEC §9).
import { isKezError, type Code, type Status } from './errors.js';

export interface Verdict {
  status: Status;
  code?: Code;
  reason: string;
  evidence: Record<string, unknown>;
}

export function valid(reason: string, evidence: Record<string, unknown> = {}): Verdict {
  return { status: 'valid', reason, evidence };
}

export function verdictOf(err: unknown): Verdict {
  if (isKezError(err)) {
    return { status: err.status, code: err.code, reason: err.message, evidence: err.evidence };
  }
  return { status: 'invalid', code: 'malformed', reason: 'unexpected input', evidence: {} };
}

/** Runs `fn`; a KezError (or anything else) becomes a non-valid verdict. */
export function verdictFrom(fn: () => Verdict): Verdict {
  try {
    return fn();
  } catch (err) {
    return verdictOf(err);
  }
}

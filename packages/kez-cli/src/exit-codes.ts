// The exit-code table of the CLI contract (README "Exit codes"); both CLIs share it.
import type { Status } from '@kez/core';

/** What ended a run: a verification status, a usage error, or a local problem. */
export type Outcome = Status | 'usage' | 'local';

const EXIT_CODES: Record<Outcome, number> = {
  valid: 0,
  invalid: 1,
  usage: 2,
  not_found: 3,
  revoked: 4,
  expired: 5,
  fork: 6,
  unreachable: 7,
  local: 8,
};

export function exitCodeFor(outcome: Outcome): number {
  return EXIT_CODES[outcome];
}

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

/** What each exit code means, for --help (README "Exit codes"). */
const MEANINGS: Record<Outcome, string> = {
  valid: 'success; what was verified is valid',
  invalid: 'invalid: a bad signature, a malformed object or input',
  usage: 'usage error: a bad command, option or argument',
  not_found: 'not found: the account, claim or chain could not be found',
  revoked: 'revoked: the claim or key was revoked',
  expired: 'expired: the claim has expired',
  fork: 'fork: the sigchain has conflicting branches',
  unreachable: 'unreachable: a server or place could not be reached',
  local: 'local problem: the store, a file or a key on this machine',
};

/** The exit-code table as --help shows it. */
export function exitCodesHelp(): string {
  const rows = (Object.keys(EXIT_CODES) as Outcome[]).map(
    (o) => `  ${String(EXIT_CODES[o]).padStart(2)}  ${MEANINGS[o]}`,
  );
  return `Exit codes:\n${rows.join('\n')}\n`;
}
